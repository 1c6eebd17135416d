/**
 * Runs the Segway Fleet node through n8n-core's real WorkflowExecute: a two-node workflow
 * (an item source feeding the node under test), credentials served by a helper that behaves
 * like n8n's own CredentialsHelper (preAuthentication, persisted token, generic authenticate).
 */
import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeConnectionTypes,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestHelper,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypes,
	type INodeTypeDescription,
	type INodeParameters,
	type IRun,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type IVersionedNodeType,
} from 'n8n-workflow';

import { SegwayFleetApi } from '../credentials/SegwayFleetApi.credentials';
import { SegwayFleet } from '../nodes/SegwayFleet/SegwayFleet.node';
import { SegwayFleetPollTrigger } from '../nodes/SegwayFleetPollTrigger/SegwayFleetPollTrigger.node';

export const NODE_TYPE = 'n8n-nodes-segway-fleet.segwayFleet';
export const POLL_TRIGGER_TYPE = 'n8n-nodes-segway-fleet.segwayFleetPollTrigger';
const SOURCE_TYPE = 'test.itemSource';

/** Emits the items given in its `items` parameter (a JSON array), as a Set node would. */
class ItemSource implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Item Source',
		name: SOURCE_TYPE,
		group: ['input'],
		version: 1,
		description: 'Test items',
		defaults: { name: 'Items' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Items', name: 'items', type: 'string', default: '[]' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = JSON.parse(this.getNodeParameter('items', 0) as string) as IDataObject[];
		return [items.map((json) => ({ json }))];
	}
}

export class TestNodeTypes implements INodeTypes {
	private readonly types: Record<string, INodeType> = {
		[NODE_TYPE]: new SegwayFleet(),
		[SOURCE_TYPE]: new ItemSource(),
		[POLL_TRIGGER_TYPE]: new SegwayFleetPollTrigger(),
	};

	getByName(type: string): INodeType | IVersionedNodeType {
		return this.getByNameAndVersion(type);
	}

	getByNameAndVersion(type: string): INodeType {
		const nodeType = this.types[type];
		if (!nodeType) throw new Error(`Unknown node type ${type}`);
		return nodeType;
	}

	getKnownTypes() {
		return {};
	}
}

export interface StoredCredential {
	data: ICredentialDataDecryptedObject;
	/** How often n8n would have written the credential back (a refreshed token). */
	updates: number;
}

/** The parts of n8n's CredentialsHelper that a generic, preAuthentication credential uses. */
class TestCredentialsHelper extends ICredentialsHelper {
	readonly type: ICredentialType = new SegwayFleetApi();

	constructor(private readonly stored: StoredCredential) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	/** Mirrors n8n 2.41's CredentialsHelper.authenticate for a function `authenticate`. */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		_typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const authenticate = this.type.authenticate;
		if (typeof authenticate !== 'function') throw new Error('the harness expects a function authenticate');
		return await authenticate(credentials, requestOptions);
	}

	/** Mirrors n8n 2.41's CredentialsHelper.preAuthentication (packages/cli). */
	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		_typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const expirable = this.type.properties.find(
			(p) => p.type === 'hidden' && p.typeOptions?.expirable === true,
		);
		if (!expirable || !this.type.preAuthentication) return undefined;
		if (credentials[expirable.name] !== '' && !credentialsExpired) return undefined;
		const output = await this.type.preAuthentication.call(helpers, credentials);
		if (output[expirable.name] === undefined) return undefined;
		if (node.credentials) {
			this.stored.data = { ...this.stored.data, ...output } as ICredentialDataDecryptedObject;
			this.stored.updates++;
		}
		return Object.assign(credentials, output);
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by these tests');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
	): Promise<ICredentialDataDecryptedObject> {
		return { ...this.stored.data };
	}

	async updateCredentials(
		_nodeCredentials: INodeCredentialsDetails,
		_type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.stored.data = data;
		this.stored.updates++;
	}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(): INodeProperties[] {
		return this.type.properties;
	}
}

/** What n8n gives a node besides its parameters: credentials through the test helper, URLs, hooks. */
export function testAdditionalData(credential: StoredCredential, workflowData: IWorkflowBase): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper: new TestCredentialsHelper(credential),
		hooks: new ExecutionLifecycleHooks('manual', 'exec-1', workflowData),
		executeWorkflow: async () => {
			throw new Error('not supported');
		},
		restApiUrl: 'http://127.0.0.1:5678/rest',
		instanceBaseUrl: 'http://127.0.0.1:5678/',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
		variables: {},
		userId: 'user-1',
		currentNodeParameters: undefined,
		executionTimeoutTimestamp: undefined,
		setExecutionStatus: () => {},
	} as unknown as IWorkflowExecuteAdditionalData;
}

export interface RunNodeOptions {
	parameters: INodeParameters;
	items: IDataObject[];
	credential: StoredCredential;
	continueOnFail?: boolean;
}

export interface NodeRun {
	/** The node's output items, or undefined when the node failed the run. */
	output?: INodeExecutionData[];
	/** The run's error (the node failed without continue-on-fail). */
	error?: IRun['data']['resultData']['error'];
	run: IRun;
}

export const nodeTypes = new TestNodeTypes();

export async function runNode(options: RunNodeOptions): Promise<NodeRun> {
	const nodes: INode[] = [
		{
			id: 'source',
			name: 'Items',
			type: SOURCE_TYPE,
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: JSON.stringify(options.items) },
		},
		{
			id: 'segway',
			name: 'Segway Fleet',
			type: NODE_TYPE,
			typeVersion: 1,
			position: [200, 0],
			parameters: options.parameters,
			credentials: { segwayFleetApi: { id: 'cred-1', name: 'Segway demo' } },
			...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		},
	];
	const connections = {
		Items: { main: [[{ node: 'Segway Fleet', type: NodeConnectionTypes.Main, index: 0 }]] },
	};
	const workflow = new Workflow({ id: 'wf-1', nodes, connections, active: false, nodeTypes });
	const additionalData = testAdditionalData(options.credential, { id: 'wf-1', name: 'test', nodes, connections, active: false } as unknown as IWorkflowBase);

	const run = await new WorkflowExecute(additionalData, 'manual').run({
		workflow,
		startNode: workflow.getNode('Items') ?? undefined,
	});
	const segwayRuns = run.data.resultData.runData['Segway Fleet'];
	const output = segwayRuns?.[0]?.data?.main?.[0] ?? undefined;
	return { output: output ?? undefined, error: run.data.resultData.error, run };
}
