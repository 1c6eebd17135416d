/**
 * The trigger's parameters: which pushes start the workflow, then each rule's own parameters
 * (shown when a push kind the rule decides is selected), then the options. Everything that can
 * drop a push is a parameter here, so that the decision is taken in the webhook, before n8n
 * creates an execution.
 */
import type { INodeProperties } from 'n8n-workflow';

import type { PushEvent } from '../../api/catalog/pushes';
import { RULES } from '../shared/rules';
import { freshnessOptions } from '../shared/rules/freshness';

/** A rule that filters push kinds shows its parameters while one of them is selected; others always. */
function shownFor(property: INodeProperties, events: readonly PushEvent[] | undefined): INodeProperties {
	if (events === undefined) return property;
	return { ...property, displayOptions: { show: { events: [...events], ...property.displayOptions?.show } } };
}

const options = [...RULES.flatMap((rule) => rule.options ?? []), ...freshnessOptions].sort((a, b) => a.displayName.localeCompare(b.displayName));

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
		default: ['alert', 'fault', 'location', 'status'],
		description:
			'Pushes that start the workflow. Other pushes are still verified and answered with success, so Segway does not resend them. May be empty when Zone Rules or Silent Vehicles are set: they start runs of their own.',
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
	...RULES.flatMap((rule) => (rule.parameters ?? []).map((property) => shownFor(property, rule.decides))),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options,
	},
];
