/**
 * Runs the Segway Fleet Poll Trigger the way n8n runs a published poll trigger: n8n-core's own
 * PollContext over one Workflow object that lives from poll to poll (n8n keeps an active
 * workflow's static data in memory between polls), with what n8n would have saved of the
 * static data kept aside. n8n 1.x saves a poll node's static data only when a poll starts a run;
 * `restart()` starts afresh from that saved copy, as a restarted n8n would.
 */
import { PollContext } from 'n8n-core';
import { Workflow, type IDataObject, type INode, type INodeExecutionData, type INodeParameters, type IWorkflowBase } from 'n8n-workflow';

import { nodeTypes, POLL_TRIGGER_TYPE, testAdditionalData, type StoredCredential } from './engine';

const NODE_NAME = 'Segway Fleet Poll Trigger';

export class PollHarness {
	private workflow: Workflow;
	private saved: IDataObject = {};
	private readonly node: INode;

	constructor(
		parameters: INodeParameters,
		private readonly credential: StoredCredential,
	) {
		this.node = {
			id: 'poll',
			name: NODE_NAME,
			type: POLL_TRIGGER_TYPE,
			typeVersion: 1,
			position: [0, 0],
			parameters,
			credentials: { segwayFleetApi: { id: 'cred-1', name: 'Segway demo' } },
		};
		this.workflow = this.createWorkflow();
	}

	/** One poll as the schedule runs it (`trigger`), or the editor's "Fetch Test Event" (`manual`). */
	async poll(mode: 'trigger' | 'manual' = 'trigger'): Promise<IDataObject[]> {
		const workflowData = { id: 'wfPoll', name: 'poll', nodes: [this.node], connections: {}, active: true } as unknown as IWorkflowBase;
		const context = new PollContext(this.workflow, this.node, testAdditionalData(this.credential, workflowData), mode, 'activate');
		const nodeType = nodeTypes.getByNameAndVersion(POLL_TRIGGER_TYPE);
		const output: INodeExecutionData[][] | null = await context.__runPoll(async () => await (nodeType.poll as (this: PollContext) => Promise<INodeExecutionData[][] | null>).call(context));
		if (output === null) return [];
		if (mode === 'trigger') this.saved = JSON.parse(JSON.stringify(this.workflow.staticData)) as IDataObject;
		return output[0].map((item) => item.json);
	}

	/** The node's static data as n8n holds it now. */
	get staticData(): IDataObject {
		return this.workflow.getStaticData('node', this.node);
	}

	/** n8n restarted: the workflow comes back with the static data it last saved. */
	restart(): void {
		this.workflow = this.createWorkflow(JSON.parse(JSON.stringify(this.saved)) as IDataObject);
	}

	private createWorkflow(staticData?: IDataObject): Workflow {
		return new Workflow({ id: 'wfPoll', nodes: [this.node], connections: {}, active: true, nodeTypes, staticData });
	}
}
