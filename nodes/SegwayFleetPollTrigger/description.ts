/**
 * The poll trigger's parameters. What it watches comes first: the listed vehicles' status (the
 * status filter both triggers share, same parameter names, limits and checks, worded for polls;
 * the request options are the action node's), or the push stream the Segway Fleet Trigger
 * receives (streamWatch.ts).
 */
import type { INodeProperties } from 'n8n-workflow';

import { IOT_CODE_ALLOWED_EXAMPLE } from '../../api/catalog/fields';
import { numberProperty } from '../shared/parameters';
import { runOptionsProperty } from '../shared/runOptions';
import { statusParameters, type StatusWords } from '../shared/rules/statusFilter';
import { MAX_POLLED_VEHICLES } from './vehicleList';

const POLL_WORDS: StatusWords = {
	mode: 'Start a Run',
	defaultMode: 'batteryLow',
	modes: {
		all: { name: 'For Every Vehicle at Every Poll', description: 'Every polled status starts the workflow' },
		batteryLow: {
			name: 'When Battery Falls Below',
			description: 'Once per vehicle when its battery drops below the threshold; again only after it has been charged or swapped',
		},
		stateChange: { name: 'When Online, Locked or Charging Changes', description: 'When a watched state of a vehicle differs from the previous poll' },
	},
	emitFirst: {
		displayName: 'Fire on First Poll of a Vehicle',
		description:
			'Whether the first status of a vehicle this trigger has not polled before starts the workflow. Off: it only records the vehicle, so publishing the workflow does not fire once per vehicle.',
	},
};

/** What the trigger watches: `vehicles` (the default, so workflows saved before `watch` existed keep their behaviour) or `pushStream`. */
export const WATCH_CHOICES = ['vehicles', 'pushStream'] as const;
export type Watch = (typeof WATCH_CHOICES)[number];

const onlyWhen = (watch: Watch, property: INodeProperties): INodeProperties => ({
	...property,
	displayOptions: { ...property.displayOptions, show: { ...property.displayOptions?.show, watch: [watch] } },
});

/** The parameters of "Vehicles' Status", as they were before `watch` existed. */
const vehicleProperties: INodeProperties[] = [
	{
		displayName: 'IoT Codes',
		name: 'iotCodes',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder: '861477038719116, 861477038719117',
		description: `The vehicles to query at every poll: ${IOT_CODE_ALLOWED_EXAMPLE} each, one per line or separated by commas, or a list from an expression; at most ${MAX_POLLED_VEHICLES.toLocaleString('en-US')}`,
	},
	...statusParameters(POLL_WORDS),
	{
		displayName: 'Vehicles That Do Not Answer',
		name: 'unanswered',
		type: 'options',
		default: 'onChange',
		description: 'What a poll does with a vehicle whose status cannot be read (offline, 15301; or a request that failed after its retries)',
		options: [
			{
				name: 'Fail the Poll',
				value: 'fail',
				description: 'The poll fails with the error and starts nothing; the next poll decides again',
			},
			{
				name: 'Output an Item at Every Poll',
				value: 'everyPoll',
				description: 'An item with event "unanswered" for each such vehicle at every poll',
			},
			{
				name: 'Output an Item When It Stops or Starts Answering',
				value: 'onChange',
				description: 'An item with event "unanswered" the first time, and one with event "answering" when it answers again',
			},
		],
	},
	// The request options are about Segway's API; the push stream's one probe goes to n8n.
	runOptionsProperty,
];

/** The parameters of "Push Stream" (streamWatch.ts decides, streamPoll.ts asks). */
const pushStreamProperties: INodeProperties[] = [
	{
		displayName:
			'At every poll this node asks the Segway Fleet Trigger when it last received a push, with a request signed by the client secret of the credential. Choose the same credential as the trigger, and keep the trigger\'s workflow published.',
		name: 'streamNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Push URL',
		name: 'pushUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://n8n.example.com/webhook/4d1f6c0e-8b2a-4c3e-9f5d-2a7b1c9e0f31',
		description:
			"The base URL registered with Segway: the Segway Fleet Trigger's Production URL without its last part, https://your-n8n/webhook/&lt;webhook ID&gt;. A full push URL (ending in /v2/vehicle/status) is read the same way.",
	},
	numberProperty(
		'streamQuietMinutes',
		'Stopped After (Minutes)',
		15,
		1,
		10080,
		'No verified push for this long counts as stopped. Every vehicle pushes its status at least every 900 s, even locked, so 15 suits a fleet of a few dozen or more; with only a handful of locked vehicles a gap of 15 minutes is normal, so a tiny fleet needs more (30 to 60). A stop is seen at the first poll after this time.',
	),
	{
		displayName: 'Fire When Pushes Resume',
		name: 'streamResumed',
		type: 'boolean',
		default: true,
		description: 'Whether a run starts with an item of event "streamResumed" when pushes arrive again after the stream stopped',
	},
];

export const pollTriggerProperties: INodeProperties[] = [
	onlyWhen('vehicles', {
		displayName:
			'Use the Segway Fleet Trigger instead when Segway can reach this n8n: pushes arrive within seconds and cost no requests. This node sends one request per vehicle at every poll.',
		name: 'pushNotice',
		type: 'notice',
		default: '',
	}),
	{
		displayName: 'Watch',
		name: 'watch',
		type: 'options',
		default: 'vehicles',
		options: [
			{
				name: 'Push Stream',
				value: 'pushStream',
				description: "Whether Segway's pushes still reach the Segway Fleet Trigger: a run when they stop, and when they come again",
			},
			{
				name: "Vehicles' Status",
				value: 'vehicles',
				description: 'Query the listed vehicles and start a run when a battery runs low or a state changes',
			},
		],
	},
	...pushStreamProperties.map((property) => onlyWhen('pushStream', property)),
	...vehicleProperties.map((property) => onlyWhen('vehicles', property)),
];
