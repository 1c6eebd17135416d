/**
 * The poll trigger in real n8n (2.41.1, or 1.123.81 with SEGWAY_N8N_LINE=1): a published workflow
 * polls two simulator vehicles on n8n's own schedule and forwards every item to a collector in
 * this test. A vehicle drained below the threshold fires once; charged and drained again, it fires
 * again; between those, polls start nothing. n8n refuses poll times under a minute, so the
 * workflow has six poll times a minute apart in their second (0, 10, … 50 s): one poll every 10 s.
 */
import { Collector, forwardNode } from '../../harness/collector';
import { DEMO_CREDENTIAL, N8N, N8nInstance, PACKAGE, simulatorCredential } from '../../harness/n8n';
import { waitFor } from '../../harness/wait';
import { DEMO_CLIENT, startSimulator, type Simulator } from '../../simulator/index';

const WORKFLOW_ID = 'e2ePollBattery1';
const POLL_TIMES = [0, 10, 20, 30, 40, 50].map((second) => ({ mode: 'custom', cronExpression: `${second} * * * * *` }));
/** Two polls apart at most, with room for a machine under load. */
const POLL_WAIT_MS = 90_000;

function pollingWorkflow(iotCodes: string[], collectorUrl: string) {
	return {
		id: WORKFLOW_ID,
		name: 'e2e: poll trigger (battery) → collector',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: '30000000-0000-4000-8000-000000000001',
				name: 'Segway Fleet Poll Trigger',
				type: `${PACKAGE}.segwayFleetPollTrigger`,
				typeVersion: 1,
				position: [0, 0],
				parameters: { pollTimes: { item: POLL_TIMES }, iotCodes: iotCodes.join('\n'), statusMode: 'batteryLow', batteryThreshold: 20 },
				credentials: { segwayFleetApi: DEMO_CREDENTIAL },
			},
			forwardNode('30000000-0000-4000-8000-000000000002', collectorUrl),
		],
		connections: { 'Segway Fleet Poll Trigger': { main: [[{ node: 'Forward', type: 'main', index: 0 }]] } },
	};
}

describe(`poll trigger in n8n ${N8N.version}`, () => {
	let sim: Simulator;
	let n8n: N8nInstance;
	let collector: Collector;
	let vehicles: string[];

	const polls = (iotCode: string) => sim.requests.filter((r) => r.kind === 'api' && r.iotCode === iotCode && r.path.endsWith('/query/current/status')).length;
	/** Resolves once n8n has polled the vehicle `count` more times. */
	const pollsLater = async (count: number) => {
		const from = polls(vehicles[0]);
		await waitFor(`${count} more poll(s)`, () => polls(vehicles[0]) >= from + count, POLL_WAIT_MS * count, 200);
	};
	const firedFor = (iotCode: string) => collector.received.filter((item) => item.event === 'status' && item.iotCode === iotCode);
	const setBattery = async (iotCode: string, powerPercent: number) => await sim.fleet.update(iotCode, { powerPercent, charging: false, online: true });

	beforeAll(async () => {
		collector = await Collector.start();

		n8n = await N8nInstance.create();
		sim = await startSimulator({ vehicles: 5, pushEnabled: false, autoParkSeconds: Infinity });
		vehicles = sim.iotCodes.slice(0, 2);
		for (const iotCode of vehicles) await setBattery(iotCode, 60);
		await n8n.importCredentials([simulatorCredential(sim.url, DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)]);
		await n8n.importWorkflows([pollingWorkflow(vehicles, collector.url)]);
		await n8n.publish(WORKFLOW_ID);
		await n8n.start();
	}, 240_000);

	afterAll(async () => {
		await n8n?.dispose();
		await sim?.close();
		await collector?.close();
	});

	it('fires once when a battery falls below the threshold, and again after a charge and a new drain', async () => {
		// n8n polls once when it publishes the workflow: both vehicles recorded at 60 %.
		await pollsLater(1);
		expect(collector.received).toEqual([]);

		await setBattery(vehicles[0], 15);
		await waitFor('the low-battery item', () => firedFor(vehicles[0]).length > 0, POLL_WAIT_MS * 2, 200);
		expect(firedFor(vehicles[0])[0]).toMatchObject({ event: 'status', iotCode: vehicles[0], powerPercent: 15, batteryThreshold: 20 });

		// Still low, lower still: two more polls start nothing.
		await setBattery(vehicles[0], 12);
		await pollsLater(2);
		expect(firedFor(vehicles[0])).toHaveLength(1);

		// Charged (re-arms at 25 %), then drained again: fires again.
		await setBattery(vehicles[0], 90);
		await pollsLater(1);
		expect(firedFor(vehicles[0])).toHaveLength(1);
		await setBattery(vehicles[0], 10);
		await waitFor('the second low-battery item', () => firedFor(vehicles[0]).length > 1, POLL_WAIT_MS * 2, 200);
		await pollsLater(1);
		expect(firedFor(vehicles[0])).toHaveLength(2);
		expect(firedFor(vehicles[0])[1]).toMatchObject({ powerPercent: 10 });
		// The other vehicle stayed at 60 % throughout.
		expect(firedFor(vehicles[1])).toEqual([]);
	}, 600_000);
});
