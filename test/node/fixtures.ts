/** A simulator and a credential pointing at it, fresh for each test file. */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { runNode, type NodeRun, type StoredCredential } from '../../harness/engine';
import { DEMO_CLIENT, startSimulator, type Simulator, type SimulatorOptions } from '../../simulator';

export interface Fixture {
	sim: Simulator;
	credential: StoredCredential;
	run(parameters: INodeParameters, items?: IDataObject[], continueOnFail?: boolean): Promise<NodeRun>;
	apiRequests(): Simulator['requests'];
	tokenRequests(): number;
}

let fixtures = 0;

export async function startFixture(options: SimulatorOptions = {}): Promise<Fixture> {
	// A secret of its own: the node's process-wide token cache holds nothing for this client yet,
	// even when the operating system hands out a port an earlier fixture had.
	const client = { clientId: DEMO_CLIENT.clientId, clientSecret: `${DEMO_CLIENT.clientSecret}-${++fixtures}` };
	const sim = await startSimulator({ vehicles: 20, seed: 7, autoParkSeconds: 0, pushEnabled: false, clients: [client], ...options });
	const credential: StoredCredential = {
		data: { ...client, region: 'custom', baseUrl: sim.url, accessToken: '' },
		updates: 0,
	};
	return {
		sim,
		credential,
		run: async (parameters, items = [{}], continueOnFail = false) =>
			await runNode({ parameters, items, credential, continueOnFail }),
		apiRequests: () => sim.requests.filter((r) => r.kind === 'api'),
		tokenRequests: () => sim.requests.filter((r) => r.kind === 'token').length,
	};
}

/** Parameters with the retry delay shortened so that retry tests take milliseconds. */
export function fast(parameters: INodeParameters, options: INodeParameters = {}): INodeParameters {
	return { ...parameters, options: { retryDelay: 5, ...options } };
}
