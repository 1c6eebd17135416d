/**
 * The poll trigger's parameters. The status filter is the one both triggers share (same
 * parameter names, limits and checks), worded for polls; the request options are the action
 * node's.
 */
import type { INodeProperties } from 'n8n-workflow';

import { IOT_CODE_ALLOWED_EXAMPLE } from '../../api/catalog/fields';
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

export const pollTriggerProperties: INodeProperties[] = [
	{
		displayName:
			'Use the Segway Fleet Trigger instead when Segway can reach this n8n: pushes arrive within seconds and cost no requests. This node sends one request per vehicle at every poll.',
		name: 'pushNotice',
		type: 'notice',
		default: '',
	},
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
	runOptionsProperty,
];
