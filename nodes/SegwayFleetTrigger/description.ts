/**
 * The trigger's parameters. Everything that can drop a push is a parameter here so that the
 * decision is taken in the webhook, before n8n creates an execution.
 */
import type { INodePropertyOptions, INodeProperties } from 'n8n-workflow';

import { ALERT_CODES, FAULT_CODES } from '../../api/catalog/codes';
import { byName, titleCase } from '../shared/text';

/**
 * The trigger's number parameters: the UI's limits and the checks of what an expression gives
 * (settings.ts) come from this one table.
 */
export const NUMBER_PARAMETERS = {
	batteryThreshold: { displayName: 'Battery Threshold (%)', default: 20, min: 1, max: 100 },
	batteryRearmMargin: { displayName: 'Re-Arm Margin (%)', default: 5, min: 0, max: 100 },
	maxPushAge: { displayName: 'Max Push Age (Seconds)', default: 300, min: 0, max: 86_400 },
	clockSkew: { displayName: 'Clock Skew Allowance (Seconds)', default: 60, min: 0, max: 3_600 },
	// Below 20 m, GPS jitter of a parked scooter (hdop 1–2 in a street) would pass for movement.
	movedDistance: { displayName: 'Moved Distance (Metres)', default: 100, min: 20, max: 100_000 },
} as const;

export type NumberParameter = keyof typeof NUMBER_PARAMETERS;

function numberProperty(name: NumberParameter, description: string): INodeProperties {
	const { displayName, default: dflt, min, max } = NUMBER_PARAMETERS[name];
	return { displayName, name, type: 'number', default: dflt, typeOptions: { minValue: min, maxValue: max }, description };
}

const alertCodeOptions: INodePropertyOptions[] = Object.entries(ALERT_CODES)
	.map(([code, alert]) => ({
		name: titleCase(`${alert.appearing} (${code})`),
		value: Number(code),
	}))
	.sort(byName);

const faultCodeOptions: INodePropertyOptions[] = Object.entries(FAULT_CODES)
	.map(([code, fault]) => ({
		name: titleCase(`${code}: ${fault.system ? `${fault.system}, ` : ''}${fault.description}`),
		value: Number(code),
	}))
	.sort(byName);

/** Whether an alert or fault code filter keeps pushes of appearing codes, disappearing ones, or both. */
const codeStatusOptions: INodePropertyOptions[] = [
	{ name: 'Appeared or Disappeared', value: 'any' },
	{ name: 'Appeared Only', value: 'appearing' },
	{ name: 'Disappeared Only', value: 'disappeared' },
];

export const triggerProperties: INodeProperties[] = [
	{
		displayName:
			'Register the base URL with Segway: open Webhook URLs above, choose Production URL and leave out its last part, i.e. https://your-n8n/webhook/&lt;webhook ID&gt;. Segway appends /v2/vehicle/alert, /fault, /location and /status itself. Publish the workflow first (n8n 1.x: activate it).',
		name: 'registrationNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		required: true,
		default: ['alert', 'fault', 'location', 'status'],
		description:
			'Pushes that start the workflow. Other pushes are still verified and answered with success, so Segway does not resend them.',
		options: [
			{
				name: 'Alert',
				value: 'alert',
				description: 'Illegal moving, fell down, dismantling, lifted up',
			},
			{ name: 'Fault', value: 'fault', description: 'A fault code appeared or disappeared' },
			{
				name: 'Location',
				value: 'location',
				description: 'Every 10 s while unlocked, every 15 min while locked',
			},
			{
				name: 'Status',
				value: 'status',
				description: 'Battery, lock, online and charging state; every 10 s while unlocked',
			},
		],
	},
	{
		displayName: 'Alert Codes',
		name: 'alertCodes',
		type: 'multiOptions',
		default: [],
		description: 'Alerts that start the workflow. None selected means every alert code.',
		options: alertCodeOptions,
		displayOptions: { show: { events: ['alert'] } },
	},
	{
		displayName: 'Alert Status',
		name: 'alertStatus',
		type: 'options',
		default: 'any',
		options: codeStatusOptions,
		displayOptions: { show: { events: ['alert'] } },
	},
	{
		displayName: 'Fault Codes',
		name: 'faultCodes',
		type: 'multiOptions',
		default: [],
		description:
			'Fault codes that start the workflow (Segway reference, appendix 2). None selected means every code, including codes not in the list.',
		options: faultCodeOptions,
		displayOptions: { show: { events: ['fault'] } },
	},
	{
		displayName: 'Fault Status',
		name: 'faultStatus',
		type: 'options',
		default: 'any',
		options: codeStatusOptions,
		displayOptions: { show: { events: ['fault'] } },
	},
	{
		displayName: 'Status Pushes',
		name: 'statusMode',
		type: 'options',
		default: 'all',
		options: [
			{
				name: 'All',
				value: 'all',
				description: 'Every status push starts the workflow',
			},
			{
				name: 'Only When Battery Falls Below',
				value: 'batteryLow',
				description:
					'Once per vehicle when its battery drops below the threshold; again only after it has been charged or swapped',
			},
			{
				name: 'Only When Online, Locked or Charging Changes',
				value: 'stateChange',
				description: 'When a watched state of a vehicle differs from its previous push',
			},
		],
		displayOptions: { show: { events: ['status'] } },
	},
	{
		...numberProperty('batteryThreshold', 'Fires when `powerPercent` is below this value'),
		displayOptions: { show: { events: ['status'], statusMode: ['batteryLow'] } },
	},
	{
		...numberProperty(
			'batteryRearmMargin',
			'After firing, a vehicle fires again only once its battery was back at threshold + margin or more. Keeps a battery hovering around the threshold from firing on every dip.',
		),
		displayOptions: { show: { events: ['status'], statusMode: ['batteryLow'] } },
	},
	{
		displayName: 'Watched States',
		name: 'watchedStates',
		type: 'multiOptions',
		default: ['online', 'locked', 'charging'],
		options: [
			{ name: 'Charging', value: 'charging' },
			{ name: 'Locked', value: 'locked' },
			{ name: 'Online', value: 'online' },
		],
		displayOptions: { show: { events: ['status'], statusMode: ['stateChange'] } },
	},
	{
		displayName: 'Fire on First Push of a Vehicle',
		name: 'emitFirstState',
		type: 'boolean',
		default: false,
		description:
			'Whether the first status push of a vehicle this trigger has not seen before starts the workflow. Off: it only records the vehicle, so activating the workflow does not fire once per vehicle.',
		displayOptions: { show: { events: ['status'], statusMode: ['stateChange'] } },
	},
	{
		displayName: 'Location Pushes',
		name: 'locationMode',
		type: 'options',
		default: 'all',
		options: [
			{
				name: 'All',
				value: 'all',
				description: 'Every location push starts the workflow',
			},
			{
				name: 'Only When a Locked Vehicle Moved',
				value: 'movedWhileLocked',
				description:
					'Once when a locked vehicle is further than the distance from where it was locked (carried away); again after it was unlocked or brought back',
			},
		],
		displayOptions: { show: { events: ['location'] } },
	},
	{
		...numberProperty(
			'movedDistance',
			'How far from where it was locked a locked vehicle must be to fire. Keep it well above GPS jitter (a parked scooter\'s fix wanders by 5–30 m).',
		),
		displayOptions: { show: { events: ['location'], locationMode: ['movedWhileLocked'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Add Last Known Location',
				name: 'lastLocation',
				type: 'boolean',
				default: true,
				description:
					'Whether alert, fault and status items get lastLocation: the newest valid fix of the vehicle\'s location pushes, with its age and a map link (null when none is known yet). Location pushes are remembered for it even when they do not start the workflow.',
			},
			numberProperty(
				'clockSkew',
				'How far ahead of this server\'s clock a push\'s own time may be before it is taken for forged. 0 turns the check off.',
			),
			numberProperty(
				'maxPushAge',
				'A push whose own time (statusUtcTime, or gpsUtcTime for locations) is older than this starts nothing, so a captured push cannot be replayed later. It is still answered with success, since a resend would be as old. 0 turns the check off.',
			),
		],
	},
];
