/**
 * The action node in real n8n (2.41.1, or 1.123.81 with SEGWAY_N8N_LINE=1), run by the n8n CLI against the simulator: every contract
 * operation in one workflow (what went over the wire, what came out of n8n), an offline vehicle
 * under "continue on error", and the two example workflows that use the action node.
 */
import { startSimulator, DEMO_CLIENT, type RecordedRequest, type Simulator } from '../../simulator/index';
import {
	ACTION_TYPE,
	DEMO_CREDENTIAL,
	N8N,
	N8nInstance,
	outputOf,
	readExamples,
	simulatorCredential,
	type ExampleWorkflow,
	type RunResult,
	type WorkflowNode,
} from '../../harness/n8n';

interface OperationCase {
	resource: string;
	operation: string;
	parameters?: Record<string, unknown>;
	method: 'GET' | 'POST';
	path: string;
	/** POST: the whole JSON body besides iotCode. GET: the query besides iotCode. */
	wire?: Record<string, unknown>;
}

/** All 20 operations of the contract, each with non-default values where it has parameters. */
const CASES: OperationCase[] = [
	{ resource: 'query', operation: 'status', method: 'GET', path: '/api/v2/vehicle/query/current/status' },
	{ resource: 'query', operation: 'location', parameters: { realTimeLocation: true }, method: 'GET', path: '/api/v2/vehicle/query/current/location', wire: { realTimeLocation: 'true' } },
	{ resource: 'query', operation: 'batteryInfo', method: 'GET', path: '/api/v2/vehicle/query/current/battery-info' },
	{ resource: 'query', operation: 'bluetoothKey', method: 'GET', path: '/api/v2/vehicle/query/current/bluetooth-key' },
	{ resource: 'control', operation: 'unlock', method: 'POST', path: '/api/v2/vehicle/control/unlock' },
	{ resource: 'control', operation: 'lock', method: 'POST', path: '/api/v2/vehicle/control/lock' },
	{ resource: 'control', operation: 'light', parameters: { headLight: 2, tailLight: 'unchanged' }, method: 'POST', path: '/api/v2/vehicle/control/light', wire: { headLight: 2 } },
	{ resource: 'control', operation: 'headlight', parameters: { controlType: 0 }, method: 'POST', path: '/api/v2/vehicle/control/headlight', wire: { controlType: 0 } },
	{ resource: 'control', operation: 'lightFlicker', parameters: { headLightFlicker: 1, tailLightFlicker: 0 }, method: 'POST', path: '/api/v2/vehicle/control/light-flicker', wire: { headLightFlicker: 1, tailLightFlicker: 0 } },
	{ resource: 'control', operation: 'throttleResponse', parameters: { controlType: 0 }, method: 'POST', path: '/api/v2/vehicle/control/throttle-response', wire: { controlType: 0 } },
	{ resource: 'control', operation: 'sound', parameters: { controlType: 3 }, method: 'POST', path: '/api/v2/vehicle/control/sound', wire: { controlType: 3 } },
	{ resource: 'control', operation: 'power', parameters: { controlType: 0 }, method: 'POST', path: '/api/v2/vehicle/control/power', wire: { controlType: 0 } },
	{ resource: 'control', operation: 'wholeShutdown', method: 'POST', path: '/api/v2/vehicle/control/whole-shutdown' },
	{ resource: 'setting', operation: 'switch', parameters: { alertSensitivity: 3 }, method: 'POST', path: '/api/v2/vehicle/setting/switch', wire: { alertSensitivity: 3 } },
	{ resource: 'setting', operation: 'ableSwitch', parameters: { assistedMode: 2, buzzer: 1 }, method: 'POST', path: '/api/v2/vehicle/setting/able-switch', wire: { assistedMode: 2, buzzer: 1 } },
	{ resource: 'setting', operation: 'scooter', parameters: { additionalFields: { cruiseControl: 1, highSpeedLimit: 20 } }, method: 'POST', path: '/api/v2/vehicle/setting/scooter', wire: { cruiseControl: 1, highSpeedLimit: 20 } },
	{ resource: 'setting', operation: 'sound', parameters: { workMode: 2, sctoMask: { alarm: 1, beep: 0 } }, method: 'POST', path: '/api/v2/vehicle/setting/sound', wire: { workMode: 2, sctoMask: { alarm: 1, beep: 0 } } },
	{ resource: 'setting', operation: 'speedMode', parameters: { speedMode: 3 }, method: 'POST', path: '/api/v2/vehicle/setting/speed-mode', wire: { speedMode: 3 } },
	{ resource: 'setting', operation: 'bluetoothKey', parameters: { key: 'abcd1234' }, method: 'POST', path: '/api/v2/vehicle/setting/bluetooth-key', wire: { key: 'abcd1234' } },
	{
		resource: 'setting',
		operation: 'interval',
		parameters: { locationInterval: { unlockStatus: 30, lockStatus: 600 }, statusInterval: { ridingStatus: 20 } },
		method: 'POST',
		path: '/api/v2/vehicle/setting/interval',
		wire: { locationInterval: { unlockStatus: 30, lockStatus: 600 }, statusInterval: { ridingStatus: 20 } },
	},
];

const ALL_OPS_ID = 'e2eAllOperations';
const OFFLINE_NODE = 'offline unlock';

const NIGHTLY_COPY_ID = 'e2eNightlyManual';
const CUSTOM_CALL_ID = 'e2eCustomApiCall';

/**
 * n8n lists "Custom API Call" under the node's operations: it is n8n's HTTP Request node with the
 * credential as a predefined credential type, for whatever the node does not cover.
 */
function customApiCallWorkflow(baseUrl: string, iotCode: string) {
	return {
		id: CUSTOM_CALL_ID,
		name: 'e2e: custom API call with the Segway Fleet API credential',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{ id: 'c0000000-0000-4000-8000-000000000001', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'c0000000-0000-4000-8000-000000000002',
				name: 'Custom API Call',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				position: [250, 0],
				parameters: {
					url: `${baseUrl}/api/v2/vehicle/query/current/battery-info`,
					authentication: 'predefinedCredentialType',
					nodeCredentialType: 'segwayFleetApi',
					sendQuery: true,
					queryParameters: { parameters: [{ name: 'iotCode', value: iotCode }] },
					options: {},
				},
				credentials: { segwayFleetApi: DEMO_CREDENTIAL },
			},
		],
		connections: { Start: { main: [[{ node: 'Custom API Call', type: 'main', index: 0 }]] } },
	};
}

function manualCopy(workflow: ExampleWorkflow, id: string): ExampleWorkflow {
	const trigger = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.scheduleTrigger')!;
	return {
		...workflow,
		id,
		name: `${workflow.name} (e2e, manual start)`,
		nodes: workflow.nodes.map((n) => (n === trigger ? { ...n, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {} } : n)),
	};
}

const nodeName = (c: OperationCase) => `${c.resource}.${c.operation}`;

function allOperationsWorkflow(vehicleOf: (c: OperationCase) => string, offlineVehicle: string, okVehicle: string) {
	const segwayNode = (name: string, i: number, parameters: Record<string, unknown>, extra: Partial<WorkflowNode> = {}): WorkflowNode => ({
		id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
		name,
		type: ACTION_TYPE,
		typeVersion: 1,
		position: [300, i * 120],
		parameters,
		credentials: { segwayFleetApi: DEMO_CREDENTIAL },
		...extra,
	});
	const nodes: WorkflowNode[] = [
		{ id: '00000000-0000-4000-8000-0000000000ff', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		...CASES.map((c, i) =>
			segwayNode(nodeName(c), i, { resource: c.resource, operation: c.operation, iotCode: vehicleOf(c), ...(c.parameters ?? {}) }),
		),
		// Two items: the offline vehicle fails, the next one still gets its answer.
		segwayNode(
			OFFLINE_NODE,
			CASES.length,
			{ resource: 'control', operation: 'unlock', iotCode: '={{ $json.iotCode }}', options: { retries: 1, retryDelay: 10 } },
			{ onError: 'continueRegularOutput' },
		),
		{
			id: '00000000-0000-4000-8000-0000000000fe',
			name: 'Two Vehicles',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [100, CASES.length * 120],
			parameters: { mode: 'raw', jsonOutput: JSON.stringify({ iotCodes: [offlineVehicle, okVehicle] }), options: {} },
		},
		{
			id: '00000000-0000-4000-8000-0000000000fd',
			name: 'Split',
			type: 'n8n-nodes-base.splitOut',
			typeVersion: 1,
			position: [200, CASES.length * 120],
			parameters: { fieldToSplitOut: 'iotCodes', options: { destinationFieldName: 'iotCode' } },
		},
	];
	const connections: Record<string, unknown> = {
		Start: { main: [[...CASES.map((c) => ({ node: nodeName(c), type: 'main', index: 0 })), { node: 'Two Vehicles', type: 'main', index: 0 }]] },
		'Two Vehicles': { main: [[{ node: 'Split', type: 'main', index: 0 }]] },
		Split: { main: [[{ node: OFFLINE_NODE, type: 'main', index: 0 }]] },
	};
	return { id: ALL_OPS_ID, name: 'e2e: every operation', active: false, settings: { executionOrder: 'v1' }, nodes, connections };
}

describe(`action node in n8n ${N8N.version}`, () => {
	let sim: Simulator;
	let n8n: N8nInstance;
	let run: RunResult | undefined;
	let runCode: number;
	let runOutput: string;
	let requests: RecordedRequest[];
	const vehicles = new Map<string, string>();
	let offline: string;
	let okForOffline: string;

	beforeAll(async () => {
		sim = await startSimulator({ vehicles: 40, autoParkSeconds: Infinity });
		const codes = sim.iotCodes;
		// The first five are the examples' IMEIs (same seed); the operations use the others.
		CASES.forEach((c, i) => vehicles.set(nodeName(c), codes[10 + i]));
		offline = codes[35];
		okForOffline = codes[36];
		for (const code of codes.slice(10, 37)) {
			await sim.fleet.update(code, { online: true, active: true, upgrading: false, riding: false, speed: 0, gpsFix: true, locked: true, firmware: 152 });
		}
		await sim.fleet.update(offline, { online: false });

		n8n = await N8nInstance.create();
		await n8n.importCredentials([simulatorCredential(sim.url, DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)]);
		await n8n.importWorkflows([
			allOperationsWorkflow((c) => vehicles.get(nodeName(c)) as string, offline, okForOffline),
		]);
		await n8n.importWorkflowFolder(`${__dirname}/../../examples`);
		// `n8n execute` cannot start at a Schedule Trigger ("Missing node to start execution"):
		// the nightly example runs as a copy whose trigger is a manual one.
		const nightly = readExamples().find((e) => e.file === 'nightly-lock.json')!.workflow;
		await n8n.importWorkflows([manualCopy(nightly, NIGHTLY_COPY_ID), customApiCallWorkflow(sim.url, codes[37])]);
		sim.clearRequests();
		({ code: runCode, run, output: runOutput } = await n8n.execute(ALL_OPS_ID));
		requests = sim.requests;
	}, 240000);

	afterAll(async () => {
		await n8n?.dispose();
		await sim?.close();
	});

	it('runs the workflow with every operation to success', () => {
		if (runCode !== 0) console.log(runOutput.slice(-6000));
		expect({ code: runCode, error: run?.data.resultData.error?.message }).toEqual({ code: 0, error: undefined });
		expect(run).toBeDefined();
	});

	it.each(CASES.map((c) => [nodeName(c), c] as const))('%s sends the contract request', (name, c) => {
		const iotCode = vehicles.get(name) as string;
		const sent = requests.filter((r) => r.kind === 'api' && r.iotCode === iotCode);
		expect(sent).toHaveLength(1);
		const [request] = sent;
		expect(request.method).toBe(c.method);
		expect(request.path).toBe(c.path);
		expect(request.authorization).toMatch(/^bearer \S+$/);
		expect(request.status).toBe(200);
		expect(request.code).toBe(0);
		if (c.method === 'GET') {
			expect(Object.fromEntries(new URLSearchParams(request.query))).toEqual({ iotCode, ...(c.wire ?? {}) });
		} else {
			expect(String(request.headers['content-type'])).toMatch(/^application\/json/);
			expect(JSON.parse(request.rawBody)).toEqual({ iotCode, ...(c.wire ?? {}) });
		}
	});

	it.each(CASES.map((c) => [nodeName(c), c] as const))('%s puts the answer on its item', (name, c) => {
		const iotCode = vehicles.get(name) as string;
		const items = outputOf(run, name);
		expect(items).toHaveLength(1);
		expect(items[0].iotCode).toBe(iotCode);
		if (c.method === 'POST') {
			expect(items[0]).toMatchObject({ success: true, code: 0 });
			expect(typeof items[0].opId).toBe('string');
		}
	});

	it('returns typed vehicle data from queries', () => {
		const [status] = outputOf(run, 'query.status');
		expect(status).toMatchObject({ online: true, locked: true });
		expect(typeof status.powerPercent).toBe('number');
		expect(status).toHaveProperty('remainingRange');
		expect(status).not.toHaveProperty('remainderRange');
		const [location] = outputOf(run, 'query.location');
		expect(typeof location.latitude).toBe('number');
		expect(typeof location.longitude).toBe('number');
		const [key] = outputOf(run, 'query.bluetoothKey');
		expect(Object.keys(key).length).toBeGreaterThan(1);
	});

	it('changes the simulated vehicles as commanded', () => {
		expect(sim.fleet.get(vehicles.get('control.unlock') as string)?.locked).toBe(false);
		expect(sim.fleet.get(vehicles.get('control.wholeShutdown') as string)?.online).toBe(false);
		expect(sim.fleet.get(vehicles.get('setting.speedMode') as string)?.speedMode).toBe(3);
	});

	it('uses one access token for the whole run', () => {
		expect(requests.filter((r) => r.kind === 'token')).toHaveLength(1);
		const tokens = new Set(requests.filter((r) => r.kind === 'api').map((r) => r.authorization));
		expect(tokens.size).toBe(1);
	});

	it('keeps going past an offline vehicle with continue on error: that item carries the error', () => {
		const items = outputOf(run, OFFLINE_NODE);
		expect(items).toHaveLength(2);
		expect(items[0]).toMatchObject({ details: { iotCode: offline, code: 15301 } });
		expect(typeof items[0].error).toBe('string');
		expect(items[1]).toMatchObject({ iotCode: okForOffline, success: true, code: 0 });
		const offlineRequests = requests.filter((r) => r.kind === 'api' && r.iotCode === offline);
		// 15301 (vehicle offline) is not transient: no retry.
		expect(offlineRequests.map((r) => r.code)).toEqual([15301]);
	});

	it("Custom API Call: n8n's HTTP Request node signs its request with the credential's token", async () => {
		sim.clearRequests();
		const { code, run: callRun, output } = await n8n.execute(CUSTOM_CALL_ID);
		if (code !== 0) console.log(output.slice(-4000));
		expect(code).toBe(0);
		const [answer] = outputOf(callRun, 'Custom API Call');
		expect(answer).toMatchObject({ code: 0, data: { iotCode: sim.iotCodes[37] } });
		const sent = sim.requests.filter((r) => r.kind === 'api');
		expect(sent.map((r) => [r.path, r.status, r.code])).toEqual([['/api/v2/vehicle/query/current/battery-info', 200, 0]]);
		expect(sent[0].authorization).toMatch(/^bearer \S+$/);
	});

	describe('example workflows with the action node', () => {
		const examples = readExamples();
		const nightly = examples.find((e) => e.file === 'nightly-lock.json')?.workflow;
		const winter = examples.find((e) => e.file === 'winter-transport-mode.json')?.workflow;
		const imeisOf = (wf: typeof nightly) => {
			const list = wf?.nodes.find((n) => n.type === 'n8n-nodes-base.set');
			return (JSON.parse(String(list?.parameters.jsonOutput)) as { iotCodes: string[] }).iotCodes;
		};

		it('nightly lock: locks exactly the unlocked vehicles; offline and ridden ones become error items', async () => {
			expect(nightly).toBeDefined();
			const imeis = imeisOf(nightly);
			expect(imeis.length).toBeGreaterThanOrEqual(5);
			const [unlockedA, unlockedB, locked, offlineOne, ridden] = imeis;
			for (const code of imeis) await sim.fleet.update(code, { online: true, riding: false, speed: 0, locked: true });
			await sim.fleet.update(unlockedA, { locked: false });
			await sim.fleet.update(unlockedB, { locked: false });
			await sim.fleet.update(offlineOne, { online: false });
			await sim.fleet.update(ridden, { locked: false, riding: true, speed: 15 });
			sim.clearRequests();
			const { code, run: nightRun, output } = await n8n.execute(NIGHTLY_COPY_ID);
			if (code !== 0) console.log(output.slice(-3000));
			expect(code).toBe(0);
			const locks = sim.requests.filter((r) => r.operation === 'control.lock');
			expect(locks.map((r) => r.iotCode).sort()).toEqual([unlockedA, unlockedB, ridden].sort());
			expect(locks.find((r) => r.iotCode === ridden)?.code).toBe(15600);
			expect(sim.fleet.get(unlockedA)?.locked).toBe(true);
			expect(sim.fleet.get(unlockedB)?.locked).toBe(true);
			expect(sim.fleet.get(locked)?.locked).toBe(true);
			const lockNode = nightly!.nodes.find((n) => n.type === ACTION_TYPE && n.parameters.operation === 'lock')!.name;
			const lockItems = outputOf(nightRun, lockNode);
			expect(lockItems.filter((i) => i.success === true)).toHaveLength(2);
			expect(lockItems.find((i) => (i.details as { iotCode?: string } | undefined)?.iotCode === ridden)).toMatchObject({
				details: { code: 15600 },
			});
		});

		it('winter transport mode: every listed vehicle gets a whole-shutdown', async () => {
			expect(winter).toBeDefined();
			const imeis = imeisOf(winter);
			for (const code of imeis) await sim.fleet.update(code, { online: true, riding: false, speed: 0, locked: true });
			sim.clearRequests();
			const { code, output } = await n8n.execute(winter!.id);
			if (code !== 0) console.log(output.slice(-3000));
			expect(code).toBe(0);
			const shutdowns = sim.requests.filter((r) => r.operation === 'control.wholeShutdown');
			expect(shutdowns.map((r) => r.iotCode).sort()).toEqual([...imeis].sort());
			for (const imei of imeis) expect(sim.fleet.get(imei)?.online).toBe(false);
		});
	});
});
