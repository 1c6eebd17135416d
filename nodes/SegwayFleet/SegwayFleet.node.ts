import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { properties } from './description';
import { executeOperations } from './execute';

export class SegwayFleet implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Segway Fleet',
		name: 'segwayFleet',
		icon: { light: 'file:segway.svg', dark: 'file:segway.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["resource"] + ": " + $parameter["operation"] }}',
		description: 'Query, lock, unlock and configure Segway sharing scooters (Segway API-Max)',
		defaults: { name: 'Segway Fleet' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'segwayFleetApi', required: true }],
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeOperations(this);
	}
}
