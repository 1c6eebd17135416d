import {
	NodeConnectionTypes,
	NodeOperationError,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { STREAM_PROBE_PATH } from '../../api/catalog/probe';
import { PUSH_PATHS } from '../../api/catalog/pushes';
import { CREDENTIAL_TYPE } from '../../api/transport/credentials';
import { APP_DESCRIPTION } from '../shared/text';
import { triggerProperties } from './description';
import { receivePush } from './receive';
import { readClientSecret } from './secret';
import { readSettings } from './settings';

/** `<n8n>/webhook/<webhookId>/v2/vehicle/alert` → `<n8n>/webhook/<webhookId>`, what Segway wants. */
export function registrationUrl(webhookUrl: string): string {
	return webhookUrl.endsWith(`/${PUSH_PATHS.alert}`)
		? webhookUrl.slice(0, -PUSH_PATHS.alert.length - 1)
		: webhookUrl;
}

export class SegwayFleetTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Segway Fleet Trigger',
		name: 'segwayFleetTrigger',
		icon: { light: 'file:../../icons/segway.svg', dark: 'file:../../icons/segway.dark.svg' },
		group: ['trigger'],
		// 1.1 behaves exactly as 1: n8n evaluates a Webhook-v1 binary-data expression for every
		// push to a start node of typeVersion 1, and skips it from 1.1 on (README: Performance).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{ ($parameter["events"] || []).join(", ") }}',
		// The node panel shows the trigger's description on the app's one entry (see APP_DESCRIPTION).
		description: APP_DESCRIPTION,
		defaults: { name: 'Segway Fleet Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: PUSH_PATHS.alert,
			},
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: PUSH_PATHS.fault,
			},
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: PUSH_PATHS.location,
			},
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: PUSH_PATHS.status,
			},
			// Not Segway's: the poll trigger's question when this trigger last received a push (probe.ts).
			{
				name: 'default',
				httpMethod: 'GET',
				responseMode: 'onReceived',
				path: STREAM_PROBE_PATH,
			},
		],
		properties: triggerProperties,
	};

	// The push URL is entered by hand in Segway's business system; Segway offers no API to read
	// or set it. The lifecycle therefore checks what can be checked here (a usable secret) and
	// tells the operator which URL to register, instead of calling a remote API.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				// Nothing can confirm a registration at Segway: answering "missing" lets create()
				// validate the credential and show the URL on every activation.
				return false;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				// Wrong parameters (an expression giving "abc") stop the activation with their name.
				readSettings(this);
				const secret = await readClientSecret(this);
				if (secret === '') {
					throw new NodeOperationError(
						this.getNode(),
						'The Segway Fleet API credential has no client secret, so pushes cannot be verified',
						{ description: 'Enter the client_secret from the Segway business system in the credential.' },
					);
				}
				const url = this.getNodeWebhookUrl('default');
				if (url !== undefined) {
					this.logger.info(
						`Segway Fleet Trigger "${this.getNode().name}": register ${registrationUrl(url)} as the push URL in the Segway business system`,
					);
				}
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				this.logger.info(
					`Segway Fleet Trigger "${this.getNode().name}" unpublished: pushes are no longer accepted; remove the push URL in the Segway business system if it is not used again`,
				);
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receivePush.call(this);
	}
}
