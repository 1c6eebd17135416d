/**
 * A small stand-in for n8n's production webhook path, built on n8n-core's real WebhookContext.
 *
 * Per request it does what n8n 2.41.1 does (dist/webhooks/live-webhooks.js executeWebhook,
 * webhook-helpers.js executeWebhook, middlewares/body-parser.js parseBody,
 * webhook.service.js runWebhook):
 * - finds the webhook by `<webhookId>/<path>` as NodeHelpers.getNodeWebhookPath builds it;
 * - builds a fresh Workflow from the stored workflow, with static data reloaded from the
 *   stored copy (n8n loads it from the database for every request);
 * - parses the body like n8n: form bodies with `querystring.parse` (URL-decoded strings,
 *   repeated keys as arrays), JSON with JSON.parse, text/plain as a string;
 * - runs the node's `webhook()` with `new WebhookContext(...)` from n8n-core, with
 *   additionalData carrying the request, the response and a stub credentials helper;
 * - answers like n8n when the node did not (the "Webhook call received" / first-entry bodies,
 *   500 on a throw);
 * - saves static data after the webhook returned when it changed (n8n's response callback
 *   calls workflowStaticDataService.saveStaticData, which checks `__dataChanged`);
 * - records every returned `workflowData` as a started execution.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import { parse as parseQuery } from 'querystring';

import { useTemporaryUserFolder } from './user-folder';

// Before n8n-core is loaded: a bench that runs this file on its own needs a user folder too.
useTemporaryUserFolder();

import { WebhookContext } from 'n8n-core';
import {
	NodeHelpers,
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypes,
	type IWebhookData,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

// With its extension: a benchmark runs this file under tsx, where Node's own resolution would
// find the codex file SegwayFleetTrigger.node.json before the TypeScript source.
import { SegwayFleetTrigger } from '../nodes/SegwayFleetTrigger/SegwayFleetTrigger.node.ts';

export const NODE_TYPE = 'n8n-nodes-segway-fleet.segwayFleetTrigger';
export const WEBHOOK_ID = '6f1c2a9e-segway-trigger';
export const NODE_NAME = 'Segway Fleet Trigger';

let workflows = 0;

/**
 * The trigger node as a freshly started n8n process has it: its module, and the memory the
 * module keeps, loaded anew (n8n's own packages stay shared, as they do not hold our state).
 */
function startedTriggerNode(): SegwayFleetTrigger {
	// Outside jest (benchmarks) there is one module instance: restartN8n() is for tests.
	if (typeof jest === 'undefined') return new SegwayFleetTrigger();
	let node: SegwayFleetTrigger | undefined;
	jest.isolateModules(() => {
		const loaded = require('../nodes/SegwayFleetTrigger/SegwayFleetTrigger.node.ts') as typeof import('../nodes/SegwayFleetTrigger/SegwayFleetTrigger.node.ts');
		node = new loaded.SegwayFleetTrigger();
	});
	return node!;
}

export interface StartedExecution {
	event: string;
	items: INodeExecutionData[];
}

export interface HarnessOptions {
	/** The node's parameters as the editor would save them (defaults filled in by Workflow). */
	parameters?: INodeParameters;
	/**
	 * The credential's decrypted data; `null`: the node has no credential set; 'deleted': it has
	 * one, but reading it fails (its row is gone), after a database read.
	 */
	credential?: ICredentialDataDecryptedObject | null | 'deleted';
	mode?: 'webhook' | 'manual';
	/**
	 * Another n8n process of the same workflow (queue mode's webhook processes): same database
	 * row, its own module memory (under jest, which loads the node anew for each harness).
	 */
	sameWorkflowAs?: TriggerHarness;
}

/** The workflow's static data as n8n's database holds it. */
export interface WorkflowRow {
	staticData: IDataObject;
	writes: number;
	bytes: number;
}

export class TriggerHarness {
	/** How often the node read its credential (n8n: a database read and a decryption each). */
	credentialReads = 0;

	readonly executions: StartedExecution[] = [];

	/** The workflow's row in n8n's database; shared by harnesses that play processes of one n8n. */
	readonly database: WorkflowRow;

	/** Time spent inside the node's webhook(), for benchmarks that send one push at a time. */
	webhookMs = 0;

	readonly loggedWarnings: string[] = [];

	readonly loggedErrors: string[] = [];

	private readonly logger = {
		debug: () => undefined,
		info: () => undefined,
		warn: (message: string) => this.loggedWarnings.push(message),
		error: (message: string) => this.loggedErrors.push(message),
	};

	baseUrl = '';

	private server: Server | undefined;

	/** Each harness is its own workflow, unless it plays another process of the same n8n. */
	readonly workflowId: string;

	private nodeType = startedTriggerNode();

	private readonly nodeTypes: INodeTypes = {
		getByName: () => this.nodeType as INodeType,
		getByNameAndVersion: () => this.nodeType as INodeType,
		getKnownTypes: () => ({}),
	};

	constructor(private options: HarnessOptions = {}) {
		const other = options.sameWorkflowAs;
		this.workflowId = other?.workflowId ?? `wf-segway-${++workflows}`;
		this.database = other?.database ?? { staticData: {}, writes: 0, bytes: 0 };
	}

	/** What n8n's database holds for the workflow's static data (JSON, like the DB column). */
	get storedStaticData(): IDataObject {
		return this.database.staticData;
	}

	set storedStaticData(value: IDataObject) {
		this.database.staticData = value;
	}

	/** How many times static data was written, to check that writes stay rare. */
	get staticDataWrites(): number {
		return this.database.writes;
	}

	/** Bytes of JSON those writes stored, as n8n would write them to its database. */
	get staticDataBytes(): number {
		return this.database.bytes;
	}

	/** n8n stopped and started again: the node's module memory is gone, the database is not. */
	restartN8n(): void {
		this.nodeType = startedTriggerNode();
	}

	/** Changes the node's parameters, as saving the workflow in the editor does. */
	setParameters(parameters: INodeParameters): void {
		this.options = { ...this.options, parameters };
	}

	setCredential(credential: ICredentialDataDecryptedObject | null | 'deleted'): void {
		this.options = { ...this.options, credential };
	}

	/** `<n8n>/webhook/<webhookId>`: the URL an operator registers with Segway. */
	get registrationUrl(): string {
		return `${this.baseUrl}/webhook/${WEBHOOK_ID}`;
	}

	urlFor(event: string): string {
		return `${this.registrationUrl}/v2/vehicle/${event}`;
	}

	async start(): Promise<void> {
		this.server = createServer((req, res) => {
			this.handle(req, res).catch((error: unknown) => {
				if (!res.headersSent) {
					res.writeHead(500, { 'Content-Type': 'application/json' });
					res.end(JSON.stringify({ message: (error as Error).message }));
				}
			});
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		const { port } = this.server.address() as AddressInfo;
		this.baseUrl = `http://127.0.0.1:${port}`;
	}

	async stop(): Promise<void> {
		const server = this.server;
		if (server === undefined) return;
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	}

	private node(): INode {
		return {
			id: 'node-1',
			name: NODE_NAME,
			type: NODE_TYPE,
			typeVersion: 1,
			position: [0, 0],
			webhookId: WEBHOOK_ID,
			parameters: this.options.parameters ?? {},
			credentials:
				this.options.credential === null
					? undefined
					: { segwayFleetApi: { id: 'cred-1', name: 'Segway Fleet account' } },
		};
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = req.url ?? '';
		const prefix = '/webhook/';
		const method = req.method === 'GET' ? 'GET' : 'POST';
		if (!url.startsWith(prefix) || (req.method !== 'POST' && req.method !== 'GET')) return notFound(res);
		let path = url.slice(prefix.length).split('?')[0];
		if (path.endsWith('/')) path = path.slice(0, -1);

		// Reloaded per request, as live-webhooks.js loads the workflow from the database.
		const workflow = new Workflow({
			id: this.workflowId,
			name: 'Segway pushes',
			nodes: [this.node()],
			connections: {},
			active: true,
			nodeTypes: this.nodeTypes,
			staticData: JSON.parse(JSON.stringify(this.storedStaticData)) as IDataObject,
		});
		const node = workflow.getNode(NODE_NAME)!;
		const description = this.nodeType.description.webhooks!.find(
			(webhook) => webhook.httpMethod === method && NodeHelpers.getNodeWebhookPath(this.workflowId, node, webhook.path) === path,
		);
		if (description === undefined) return notFound(res);

		const { body, rawBody } = method === 'POST' ? await readBody(req) : { body: {}, rawBody: undefined };
		const request = Object.assign(req, { body, rawBody, params: {}, query: parseQuery(url.split('?')[1] ?? ''), originalUrl: url });
		const additionalData = this.additionalData(request, res);
		const webhookData: IWebhookData = {
			httpMethod: method,
			node: NODE_NAME,
			path,
			webhookDescription: description,
			workflowId: this.workflowId,
			workflowExecuteAdditionalData: additionalData,
			webhookId: WEBHOOK_ID,
		};
		const context = new WebhookContext(
			workflow,
			node,
			additionalData,
			this.options.mode ?? 'webhook',
			webhookData,
			[],
			null,
		);
		// What the node logs, kept for assertions (n8n's own logger is silent in tests).
		Object.defineProperty(context, 'logger', { value: this.logger });

		let result;
		const startedAt = process.hrtime.bigint();
		try {
			result = await this.nodeType.webhook.call(context);
			this.webhookMs += Number(process.hrtime.bigint() - startedAt) / 1e6;
		} catch (error) {
			// webhook-helpers.js: the error goes to the response callback, n8n answers 500.
			if (!res.headersSent) {
				res.writeHead(500, { 'Content-Type': 'application/json' });
				res.end(JSON.stringify({ code: 0, message: 'Error in workflow' }));
			}
			return;
		}

		if (result.workflowData !== undefined) {
			this.executions.push({ event: path.split('/').pop()!, items: result.workflowData[0] });
		}

		// live-webhooks.js: the response callback saves static data (when the node answered
		// itself, before the run is handed on).
		const staticData = workflow.staticData as IDataObject & { __dataChanged?: boolean };
		if (staticData.__dataChanged === true) {
			const json = JSON.stringify(staticData);
			this.database.staticData = JSON.parse(json) as IDataObject;
			this.database.writes += 1;
			this.database.bytes += Buffer.byteLength(json);
		}

		if (result.noWebhookResponse === true || res.headersSent) return;
		// What n8n answers when the node leaves the response to it (onReceived): with a run, the
		// webhook description's responseData (n8n's default, 'firstEntryJson', is sent as that very
		// text), else the node's webhookResponse.
		const answer =
			result.workflowData !== undefined
				? description.responseData === 'noData'
					? ''
					: (description.responseData ?? 'firstEntryJson')
				: (result.webhookResponse ?? { message: 'Webhook call received' });
		if (typeof answer === 'string') {
			// Express's res.send: text/html unless the node set a type.
			if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'text/html; charset=utf-8');
			res.writeHead(200);
			res.end(answer);
		} else {
			res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
			res.end(JSON.stringify(answer));
		}
	}

	private additionalData(
		request: IncomingMessage,
		response: ServerResponse,
	): IWorkflowExecuteAdditionalData {
		const harness = this;
		const credentialsHelper = {
			getParentTypes: () => [],
			authenticate: async (_c: unknown, _t: unknown, options: unknown) => options,
			preAuthentication: async () => undefined,
			runPreAuthentication: async () => undefined,
			getCredentials: async () => {
				throw new Error('not used');
			},
			getDecrypted: async () => {
				harness.credentialReads++;
				const credential = harness.options.credential;
				if (credential === 'deleted') throw new Error('Credential with ID "cred-1" does not exist for type "segwayFleetApi".');
				if (credential === null || credential === undefined) {
					throw new Error('Credentials not found');
				}
				return { ...credential };
			},
			updateCredentials: async () => undefined,
			updateCredentialsOauthTokenData: async () => undefined,
			getCredentialsProperties: () => [],
			isCredentialUsableByNode: () => true,
		};
		return {
			credentialsHelper,
			httpRequest: request,
			httpResponse: response,
			restApiUrl: `${this.baseUrl}/rest`,
			instanceBaseUrl: this.baseUrl,
			webhookBaseUrl: `${this.baseUrl}/webhook`,
			webhookWaitingBaseUrl: `${this.baseUrl}/webhook-waiting`,
			webhookTestBaseUrl: `${this.baseUrl}/webhook-test`,
			formWaitingBaseUrl: `${this.baseUrl}/form-waiting`,
			variables: {},
		} as unknown as IWorkflowExecuteAdditionalData;
	}
}

function notFound(res: ServerResponse): void {
	res.writeHead(404, { 'Content-Type': 'application/json' });
	res.end('{"code":404,"message":"The requested webhook is not registered."}');
}

/** middlewares/body-parser.js parseBody, for the content types Segway and tests send. */
/** The parsed body, and the raw one that n8n keeps beside it (`req.rawBody`, decompressed). */
async function readBody(req: IncomingMessage): Promise<{ body: unknown; rawBody: Buffer | undefined }> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const raw = Buffer.concat(chunks);
	if (raw.length === 0) return { body: undefined, rawBody: undefined };
	const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
	const text = raw.toString('utf8');
	if (contentType === 'application/json') return { body: JSON.parse(text) as unknown, rawBody: raw };
	if (contentType === 'application/x-www-form-urlencoded') {
		return { body: parseQuery(text, undefined, undefined, { maxKeys: 1000 }), rawBody: raw };
	}
	if (contentType === 'text/plain') return { body: text, rawBody: raw };
	return { body: undefined, rawBody: raw };
}
