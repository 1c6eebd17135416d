import { NodeConnectionTypes, type INodeExecutionData, type INodeType, type INodeTypeDescription, type IPollFunctions } from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../../api/transport/credentials';
import { NodeParameters } from '../shared/parameters';
import { pollTriggerProperties, WATCH_CHOICES } from './description';
import { pollFleet } from './poll';
import { pollPushStream } from './streamPoll';

export class SegwayFleetPollTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Segway Fleet Poll Trigger',
		name: 'segwayFleetPollTrigger',
		icon: { light: 'file:../../icons/segway.svg', dark: 'file:../../icons/segway.dark.svg' },
		group: ['trigger'],
		version: 1,
		polling: true,
		subtitle:
			'={{ $parameter["watch"] === "pushStream" ? "push stream, " + $parameter["streamQuietMinutes"] + " min without a push" : {"all": "every status", "batteryLow": "battery below " + $parameter["batteryThreshold"] + " %", "stateChange": "state changes"}[$parameter["statusMode"]] }}',
		description:
			'Queries listed Segway scooters at set times and starts the workflow when a battery runs low or a state changes, for an n8n that Segway cannot reach; or notices when the Segway Fleet Trigger stops receiving pushes',
		defaults: { name: 'Segway Fleet Poll Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: pollTriggerProperties,
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const watch = new NodeParameters(this, pollTriggerProperties, 'Fix Watch in the Segway Fleet Poll Trigger; nothing is polled until then.').oneOf('watch', WATCH_CHOICES);
		return watch === 'pushStream' ? await pollPushStream(this) : await pollFleet(this);
	}
}
