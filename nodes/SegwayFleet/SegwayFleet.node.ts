import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../../api/transport/credentials';
import { APP_DESCRIPTION } from '../shared/text';
import { properties, subtitle } from './description';
import { executeOperations } from './execute';

export class SegwayFleet implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Segway Fleet',
		name: 'segwayFleet',
		icon: { light: 'file:../../icons/segway.svg', dark: 'file:../../icons/segway.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: subtitle(),
		description: APP_DESCRIPTION,
		defaults: { name: 'Segway Fleet' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeOperations(this);
	}
}
