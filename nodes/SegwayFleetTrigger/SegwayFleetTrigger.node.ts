import {
	NodeConnectionTypes,
	NodeOperationError,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { PUSH_EVENTS, PUSH_PATHS, type PushEvent } from '../../api/catalog/pushes';
import { CREDENTIAL_TYPE } from '../../api/transport/credentials';
import { pushKey } from './dedupe';
import {
	DEFAULT_BATTERY_THRESHOLD,
	DEFAULT_REARM_MARGIN,
	triggerProperties,
} from './description';
import { enrichPush } from './enrich';
import {
	decideBatteryLow,
	decideStateChange,
	DROP,
	PASS,
	passesCodeFilter,
	WATCHABLE_STATES,
	type CodeStatus,
	type Outcome,
	type WatchableState,
} from './filters';
import { answer, errorBody, INVALID_SIGNATURE_BODY, SUCCESS_BODY, type PlainResponse } from './respond';
import { typePushFields } from './typing';
import { isSignatureValid, readSignedPush } from './verify';
import { getNodeMemory, memoryKey, persistNodeMemory, type NodeMemory } from './vehicleMemory';

/** `<n8n>/webhook/<webhookId>/v2/vehicle/alert` → `<n8n>/webhook/<webhookId>`, what Segway wants. */
export function registrationUrl(webhookUrl: string): string {
	return webhookUrl.endsWith(`/${PUSH_PATHS.alert}`)
		? webhookUrl.slice(0, -PUSH_PATHS.alert.length - 1)
		: webhookUrl;
}

/**
 * The four webhooks share the name `default` (so one lifecycle covers them) and differ only in
 * their path, so the push's kind is read from the requested path.
 */
export function eventOfPath(url: string): PushEvent | undefined {
	const query = url.indexOf('?');
	let path = query < 0 ? url : url.slice(0, query);
	if (path.endsWith('/')) path = path.slice(0, -1);
	for (const event of PUSH_EVENTS) {
		if (path.endsWith(`/${PUSH_PATHS[event]}`)) return event;
	}
	return undefined;
}

async function readClientSecret(context: IWebhookFunctions | IHookFunctions): Promise<string> {
	const credentials = await context.getCredentials(CREDENTIAL_TYPE);
	const secret = credentials.clientSecret;
	return typeof secret === 'string' ? secret : '';
}

/** How long a cached secret is trusted without a failed signature prompting a fresh read. */
export const SECRET_CACHE_MS = 60_000;

/**
 * The client secret, read from the credential at most once a minute per trigger node: in n8n
 * 2.41 each getCredentials() costs a database read, a decryption and an expression-sandbox
 * round trip (≈ 10 ms of CPU, a sixth of a filtered push). A push that fails verification
 * against a cached secret is checked again with a fresh read, so a rotated secret works at once.
 */
async function clientSecret(
	context: IWebhookFunctions,
	memory: NodeMemory,
	fresh: boolean,
): Promise<{ value: string; cached: boolean }> {
	const now = Date.now();
	if (!fresh && memory.secret !== undefined && now - memory.secret.readAt < SECRET_CACHE_MS) {
		return { value: memory.secret.value, cached: true };
	}
	const value = await readClientSecret(context);
	memory.secret = value === '' ? undefined : { value, readAt: now };
	return { value, cached: false };
}

export class SegwayFleetTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Segway Fleet Trigger',
		name: 'segwayFleetTrigger',
		icon: { light: 'file:../../icons/segway.svg', dark: 'file:../../icons/segway.dark.svg' },
		group: ['trigger'],
		// 1.1 behaves exactly as 1. n8n 2.41 evaluates a Webhook-v1 binary-data expression for
		// every push to any start node of typeVersion 1 (≈ 11 ms of CPU in its expression sandbox,
		// measured by bench/push-ingest --profile); from 1.1 on it skips that.
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{ ($parameter["events"] || []).join(", ") }}',
		description:
			'Starts the workflow when a Segway sharing scooter pushes an alert, a fault, its location or its status',
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
					`Segway Fleet Trigger "${this.getNode().name}" deactivated: pushes are no longer accepted; remove the push URL in the Segway business system if it is not used again`,
				);
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const res = this.getResponseObject() as unknown as PlainResponse;
		const req = this.getRequestObject() as unknown as { originalUrl?: string; url?: string };
		const event = eventOfPath(req.originalUrl ?? req.url ?? '');
		if (event === undefined) return answer(res, 404, errorBody(404, 'unknown push path'));

		const node = this.getNode();
		const memory = getNodeMemory(
			memoryKey(this.getWorkflow().id, node.name, this.getMode()),
			() => this.getWorkflowStaticData('node'),
		);
		const push = readSignedPush(this.getBodyData());
		let secret: { value: string; cached: boolean };
		try {
			secret = await clientSecret(this, memory, false);
			if (push !== undefined && secret.cached && !isSignatureValid(push.params, push.signature, secret.value)) {
				secret = await clientSecret(this, memory, true);
			}
		} catch (error) {
			this.logger.warn(
				`Segway Fleet Trigger "${node.name}": cannot read its credential: ${(error as Error).message}`,
			);
			return answer(res, 500, errorBody(500, 'the trigger has no usable Segway Fleet API credential'));
		}
		if (secret.value === '') {
			this.logger.warn(
				`Segway Fleet Trigger "${node.name}": the credential has no client secret; every push is refused`,
			);
			return answer(res, 500, errorBody(500, 'the Segway Fleet API credential has no client secret'));
		}

		// From here on nothing awaits, so checking and remembering a push cannot interleave with
		// a concurrent copy of it.
		if (push === undefined || !isSignatureValid(push.params, push.signature, secret.value)) {
			return answer(res, 401, INVALID_SIGNATURE_BODY);
		}
		const events = this.getNodeParameter('events', PUSH_EVENTS) as string[];
		if (!events.includes(event)) return answer(res, 200, SUCCESS_BODY);

		const now = Date.now();
		const key = pushKey(event, push.signature as string);
		if (memory.recent.has(key, now)) return answer(res, 200, SUCCESS_BODY);

		const outcome = decide.call(this, event, push.params, memory);
		if (outcome.changed) persistNodeMemory(memory, this.getWorkflowStaticData('node'));
		if (!outcome.emit) return answer(res, 200, SUCCESS_BODY);

		memory.recent.remember(key, now);
		const item = enrichPush(event, typePushFields(event, push.params));
		if (outcome.details !== undefined) Object.assign(item, outcome.details);
		return answer(res, 200, SUCCESS_BODY, [[{ json: item }]]);
	}
}

function decide(
	this: IWebhookFunctions,
	event: PushEvent,
	params: Readonly<Record<string, string>>,
	memory: NodeMemory,
): Outcome {
	switch (event) {
		case 'alert':
		case 'fault':
			// Alerts and faults carry `code` plus `alertStatus` / `faultStatus`, filtered alike.
			return passesCodeFilter(
				{
					codes: this.getNodeParameter(`${event}Codes`, []) as number[],
					status: this.getNodeParameter(`${event}Status`, 'any') as CodeStatus,
				},
				params.code,
				params[`${event}Status`],
			)
				? PASS
				: DROP;
		case 'status':
			return decideStatus.call(this, params, memory);
		default:
			return PASS;
	}
}

function decideStatus(
	this: IWebhookFunctions,
	params: Readonly<Record<string, string>>,
	memory: NodeMemory,
): Outcome {
	const mode = this.getNodeParameter('statusMode', 'all') as string;
	const iotCode = params.iotCode ?? '';
	if (mode === 'batteryLow') {
		const threshold = this.getNodeParameter('batteryThreshold', DEFAULT_BATTERY_THRESHOLD) as number;
		const margin = this.getNodeParameter('batteryRearmMargin', DEFAULT_REARM_MARGIN) as number;
		return decideBatteryLow({ threshold, rearmAt: threshold + margin }, memory, iotCode, params.powerPercent);
	}
	if (mode === 'stateChange') {
		const watched = this.getNodeParameter('watchedStates', WATCHABLE_STATES) as WatchableState[];
		const emitFirst = this.getNodeParameter('emitFirstState', false) as boolean;
		return decideStateChange({ watched, emitFirst }, memory, iotCode, params);
	}
	return PASS;
}
