/**
 * The trigger in real n8n (2.41.1, or 1.123.81 with SEGWAY_N8N_LINE=1): published workflows receive signed pushes on their production
 * webhook URLs and forward every emitted item to a collector in this test; n8n's REST API (owner
 * login) lists executions and runs the credential's Test. Every promise the trigger makes is
 * shown here: each push type, refusals (tampered, too old, wrong path, re-shaped, junk), the
 * battery and state-change filters, Segway's resend, memory across an n8n restart, a client secret
 * changed through the REST API (how soon the old one is refused). Also: every
 * example workflow imports with all its node types, versions and parameters known to this n8n.
 */
import { setTimeout as sleep } from 'timers/promises';

import { computeSignature } from '../../api/catalog/signature';
import { Collector, forwardNode } from '../../harness/collector';
import {
	DEMO_CREDENTIAL,
	N8N,
	N8nInstance,
	ROOT,
	TRIGGER_TYPE,
	readExamples,
	simulatorCredential,
	type RestClient,
} from '../../harness/n8n';
import { waitFor } from '../../harness/wait';
import { encodeForm, startSimulator, DEMO_CLIENT, type Simulator } from '../../simulator/index';

const SUCCESS = { code: 0, message: 'success' };

/** One published workflow per trigger setup, each forwarding its items with its name. */
const FLOWS = {
	all: { n: 1, id: 'e2eTriggerAll', webhookId: '0e2e7e57-0000-4000-8000-00000000f00d', parameters: { events: ['alert', 'fault', 'location', 'status'], alertCodes: [1, 6] } },
	battery: {
		n: 2,
		id: 'e2eTriggerBatt',
		webhookId: '0e2e7e57-0000-4000-8000-0000000ba77e',
		parameters: { events: ['status'], statusMode: 'batteryLow', batteryThreshold: 20 },
	},
	states: { n: 3, id: 'e2eTriggerStates', webhookId: '0e2e7e57-0000-4000-8000-00000000057a', parameters: { events: ['status'], statusMode: 'stateChange' } },
} as const;
type Flow = keyof typeof FLOWS;

interface NodeTypeDescription {
	name: string;
	version: number | number[];
	properties: Array<{ name: string }>;
}

interface Forwarded extends Record<string, unknown> {
	flow: Flow;
}

function forwardingWorkflow(flow: Flow, collectorUrl: string) {
	const { n, id, webhookId, parameters } = FLOWS[flow];
	return {
		id,
		name: `e2e: trigger (${flow}) → collector`,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: `10000000-0000-4000-8000-00000000000${n}`,
				name: 'Segway Fleet Trigger',
				type: TRIGGER_TYPE,
				// The default for new workflows; 1 behaves the same (covered by the unit harness).
				typeVersion: 1.1,
				position: [0, 0],
				webhookId,
				parameters,
				credentials: { segwayFleetApi: DEMO_CREDENTIAL },
			},
			forwardNode(`20000000-0000-4000-8000-00000000000${n}`, collectorUrl, `={{ JSON.stringify({ flow: "${flow}", ...$json }) }}`),
		],
		connections: { 'Segway Fleet Trigger': { main: [[{ node: 'Forward', type: 'main', index: 0 }]] } },
	};
}

describe(`trigger node in n8n ${N8N.version}`, () => {
	let sim: Simulator;
	let n8n: N8nInstance;
	let rest: RestClient;
	let collector: Collector<Forwarded>;
	let received: Forwarded[];
	const baseOf = (flow: Flow) => `${n8n.url}/webhook/${FLOWS[flow].webhookId}`;

	const webhooksAnswer = () =>
		waitFor('the trigger webhooks', async () => {
			for (const flow of Object.keys(FLOWS) as Flow[]) {
				const res = await fetch(`${baseOf(flow)}/v2/vehicle/status`, { method: 'POST' });
				if (res.status !== 401) return undefined;
			}
			return true;
		});

	beforeAll(async () => {
		collector = await Collector.start<Forwarded>();
		received = collector.received;
		const collectorUrl = collector.url;

		n8n = await N8nInstance.create();
		// Only the pushes a test sends: the vehicles' own schedule would land in assertion windows.
		sim = await startSimulator({ vehicles: 30, pushTo: baseOf('all'), pushSchedule: false, autoParkSeconds: Infinity });
		await n8n.importCredentials([simulatorCredential(sim.url, DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)]);
		await n8n.importWorkflows((Object.keys(FLOWS) as Flow[]).map((flow) => forwardingWorkflow(flow, collectorUrl)));
		await n8n.importWorkflowFolder(`${ROOT}/examples`);
		for (const flow of Object.values(FLOWS)) await n8n.publish(flow.id);
		await n8n.start();
		rest = await n8n.login();
		// Webhooks answer a moment after readiness: wait until an unsigned push gets 401 (not 404).
		await webhooksAnswer();
	}, 240000);

	afterAll(async () => {
		await n8n?.dispose();
		await sim?.close();
		await collector?.close();
	});

	const post = (flow: Flow, event: string, body: string, contentType = 'application/x-www-form-urlencoded') =>
		fetch(`${baseOf(flow)}/v2/vehicle/${event}`, { method: 'POST', headers: { 'content-type': contentType }, body });

	/** Signs a push of the vehicle with the simulator (its current state plus overrides) and posts it. */
	const push = async (flow: Flow, event: 'alert' | 'fault' | 'location' | 'status', iotCode: string, overrides: Record<string, string | number | boolean> = {}) => {
		const res = await post(flow, event, sim.signPush(event, iotCode, overrides).body);
		return { status: res.status, json: (await res.json()) as unknown };
	};

	const itemsOf = (flow: Flow, iotCode: string) => received.filter((item) => item.flow === flow && item.iotCode === iotCode);

	/**
	 * Everything pushed before a marker push has had its chance once the marker's item is here
	 * (and a little longer, for a run that would have started later): what did not arrive was
	 * not started.
	 */
	async function settle(flow: Flow, marker: () => Promise<unknown>, markerCode: string): Promise<void> {
		await marker();
		await waitFor('the marker item', () => itemsOf(flow, markerCode).length > 0);
		await sleep(1500);
	}

	async function executions(flow: Flow): Promise<Array<{ id: string; status: string; mode: string }>> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId: FLOWS[flow].id }));
		const answer = await rest.get<{ data: { results: Array<{ id: string; status: string; mode: string }> } }>(`/rest/executions?filter=${filter}`);
		return answer.data.results;
	}

	it('starts one execution per signed push of each type, with typed fields and the event', async () => {
		const codes = sim.iotCodes;
		const sent = [
			await sim.sendPush('alert', codes[0], { code: 6, alertStatus: 0 }),
			await sim.sendPush('fault', codes[1], { code: 11, faultStatus: 0 }),
			await sim.sendPush('location', codes[2]),
			await sim.sendPush('status', codes[3]),
		];
		for (const record of sent) expect(record.attempts.map((a) => a.status)).toEqual([200]);
		const mine = () => received.filter((item) => item.flow === 'all' && codes.slice(0, 4).includes(item.iotCode as string));
		await waitFor('four forwarded items', () => mine().length >= 4);
		expect(mine()).toHaveLength(4);
		const byEvent = Object.fromEntries(mine().map((item) => [item.event, item]));
		expect(byEvent.alert).toMatchObject({ event: 'alert', iotCode: codes[0], code: 6, alertStatus: 0, appeared: true, platformCode: DEMO_CLIENT.clientId });
		expect(byEvent.fault).toMatchObject({ event: 'fault', iotCode: codes[1], code: 11, faultStatus: 0, appeared: true });
		expect(typeof byEvent.fault.faultDescription).toBe('string');
		expect(byEvent.location).toMatchObject({ event: 'location', iotCode: codes[2] });
		expect(typeof byEvent.location.latitude).toBe('number');
		expect(typeof byEvent.location.longitude).toBe('number');
		expect(byEvent.status).toMatchObject({ event: 'status', iotCode: codes[3] });
		expect(typeof byEvent.status.powerPercent).toBe('number');
		expect(typeof byEvent.status.locked).toBe('boolean');
		for (const item of mine()) expect(item).not.toHaveProperty('signature');

		const runs = await waitFor('four finished executions', async () => {
			const list = await executions('all');
			return list.length >= 4 && list.every((e) => e.status === 'success') ? list : undefined;
		});
		expect(runs).toHaveLength(4);
		expect(runs.every((e) => e.mode === 'webhook')).toBe(true);
	});

	it('answers a verified push with 200 {"code":0,"message":"success"}', async () => {
		const res = await push('all', 'status', sim.iotCodes[4]);
		expect(res).toEqual({ status: 200, json: SUCCESS });
		await waitFor('its item', () => itemsOf('all', sim.iotCodes[4]).length > 0);
	});

	it('refuses tampered and unsigned pushes with 401 and starts nothing; a filtered push gets success and starts nothing', async () => {
		const before = (await executions('all')).length;
		const itemsBefore = received.length;
		const signed = sim.signPush('status', sim.iotCodes[5]);
		const tampered = signed.body.replace(/powerPercent=\d+/, 'powerPercent=1');
		expect(tampered).not.toBe(signed.body);
		expect((await post('all', 'status', tampered)).status).toBe(401);
		expect((await post('all', 'alert', signed.body.replace(/&?signature=[0-9a-f]+/, ''))).status).toBe(401);
		expect((await post('all', 'status', signed.body.replace(/signature=[0-9a-f]+/, 'signature=00000000000000000000000000000000'))).status).toBe(401);

		// Alert 3 is not among the trigger's alert codes (1, 6).
		const filtered = await sim.sendPush('alert', sim.iotCodes[6], { code: 3, alertStatus: 0 });
		expect(filtered.attempts.map((a) => a.status)).toEqual([200]);
		expect(await push('all', 'alert', sim.iotCodes[7], { code: 2, alertStatus: 0 })).toEqual({ status: 200, json: SUCCESS });

		await settle('all', () => sim.sendPush('alert', sim.iotCodes[8], { code: 1, alertStatus: 0 }), sim.iotCodes[8]);
		expect(received.slice(itemsBefore).map((i) => i.iotCode)).toEqual([sim.iotCodes[8]]);
		const after = await waitFor('the marker execution', async () => {
			const list = await executions('all');
			return list.length > before ? list : undefined;
		});
		expect(after.length).toBe(before + 1);
	});

	it('refuses a replay older than the maximum age, a push on the wrong path, a re-shaped push and a junk body', async () => {
		const vehicle = sim.iotCodes[9];
		const itemsBefore = received.length;
		// A genuine push captured 400 s ago (maximum age 300 s): success, nothing started.
		const old = await push('all', 'alert', vehicle, { code: 6, statusUtcTime: Math.floor(Date.now() / 1000) - 400 });
		expect(old).toEqual({ status: 200, json: SUCCESS });
		// A genuine status push posted to the alert path.
		const wrongPath = await post('all', 'alert', sim.signPush('status', vehicle).body);
		expect({ status: wrongPath.status, json: await wrongPath.json() }).toEqual({
			status: 422,
			json: { code: 422, message: 'not a valid alert push: online belongs to another kind of push (wrong path?)' },
		});
		// A genuine push re-split: `iotCode=…&lockVoltage=…` as one field signs the same.
		const genuine = sim.signPush('status', vehicle).params;
		const { iotCode, lockVoltage, signature, ...rest } = genuine;
		const merged = { ...rest, iotCode: `${iotCode}&lockVoltage=${lockVoltage}` };
		expect(computeSignature(merged, DEMO_CLIENT.clientSecret)).toBe(signature);
		const reshaped = await post('all', 'status', encodeForm({ ...merged, signature }));
		expect(reshaped.status).toBe(422);
		// Junk: a 1 MB body with a well-formed signature stops at the trigger's bound (413); 20 MB
		// is over n8n's own payload limit (16 MB), which refuses it before the node runs.
		const junk = (size: number) => `${'a=b&'.repeat(size / 4)}signature=${'0'.repeat(32)}`;
		const oversized = [await post('all', 'status', junk(1024 * 1024), 'text/plain'), await post('all', 'status', junk(20 * 1024 * 1024), 'text/plain')];
		expect(oversized.map((res) => res.status)).toEqual([413, 500]);

		await settle('all', () => sim.sendPush('alert', sim.iotCodes[10], { code: 1 }), sim.iotCodes[10]);
		expect(received.slice(itemsBefore).map((i) => i.iotCode)).toEqual([sim.iotCodes[10]]);
	});

	it("Segway's resend of a push 5 s later starts no second run", async () => {
		const vehicle = sim.iotCodes[11];
		const body = sim.signPush('alert', vehicle, { code: 6, alertStatus: 0 }).body;
		expect((await post('all', 'alert', body)).status).toBe(200);
		await sleep(5000);
		expect((await post('all', 'alert', body)).status).toBe(200);
		await settle('all', () => sim.sendPush('alert', sim.iotCodes[12], { code: 1 }), sim.iotCodes[12]);
		expect(itemsOf('all', vehicle)).toHaveLength(1);
	});

	it('battery filter: a crossing fires once, and again only after a charge', async () => {
		const vehicle = sim.iotCodes[13];
		for (const powerPercent of [50, 15, 14, 12, 80, 30, 12, 11]) {
			expect((await push('battery', 'status', vehicle, { powerPercent })).status).toBe(200);
		}
		await waitFor('two crossings', () => itemsOf('battery', vehicle).length >= 2);
		await settle('battery', () => push('battery', 'status', sim.iotCodes[14], { powerPercent: 5 }), sim.iotCodes[14]);
		expect(itemsOf('battery', vehicle).map((i) => [i.powerPercent, i.batteryThreshold, i.batteryRearmAt])).toEqual([
			[15, 20, 25],
			[12, 20, 25],
		]);
	});

	it('state-change filter: the first push records, a change of locked fires with from/to', async () => {
		const vehicle = sim.iotCodes[15];
		await push('states', 'status', vehicle, { locked: true });
		await push('states', 'status', vehicle, { locked: true, powerPercent: 60 });
		await push('states', 'status', vehicle, { locked: false });
		await push('states', 'status', vehicle, { locked: false, powerPercent: 59 });
		await waitFor('the change', () => itemsOf('states', vehicle).length >= 1);
		await settle('states', async () => {
			await push('states', 'status', sim.iotCodes[16], { charging: false });
			await push('states', 'status', sim.iotCodes[16], { charging: true });
		}, sim.iotCodes[16]);
		expect(itemsOf('states', vehicle).map((i) => i.changes)).toEqual([{ locked: { from: true, to: false } }]);
	});

	it('after n8n is stopped and started, a vehicle that fired does not fire again; its next change does', async () => {
		const fired = sim.iotCodes[13];
		const watched = sim.iotCodes[15];
		await n8n.stop();
		await n8n.start();
		rest = await n8n.login();
		await webhooksAnswer();
		expect((await push('battery', 'status', fired, { powerPercent: 10 })).status).toBe(200);
		await push('states', 'status', watched, { locked: false });
		await push('states', 'status', watched, { locked: true });
		await settle('battery', () => push('battery', 'status', sim.iotCodes[17], { powerPercent: 4 }), sim.iotCodes[17]);
		expect(itemsOf('battery', fired)).toHaveLength(2);
		await waitFor('the change after the restart', () => itemsOf('states', watched).length >= 2);
		expect(itemsOf('states', watched).map((i) => i.changes)).toEqual([
			{ locked: { from: true, to: false } },
			{ locked: { from: false, to: true } },
		]);
	});

	it("a theft alert item carries the position of the vehicle's last location push, with a map link", async () => {
		const vehicle = sim.iotCodes[18];
		const location = sim.signPush('location', vehicle, { locationStatus: 'valid', latitude: 52.516275, longitude: 13.377704, gpsUtcTime: Math.floor(Date.now() / 1000) - 20 });
		expect((await post('all', 'location', location.body)).status).toBe(200);
		await waitFor('the location item', () => itemsOf('all', vehicle).some((item) => item.event === 'location'));
		expect(await push('all', 'alert', vehicle, { code: 1, alertStatus: 0 })).toEqual({ status: 200, json: SUCCESS });
		const alert = await waitFor('the alert item', () => itemsOf('all', vehicle).find((item) => item.event === 'alert'));
		expect(alert).toMatchObject({
			code: 1,
			alertName: expect.any(String),
			lastLocation: {
				latitude: 52.516275,
				longitude: 13.377704,
				valid: true,
				mapUrl: 'https://www.openstreetmap.org/?mlat=52.516275&mlon=13.377704#map=18/52.516275/13.377704',
			},
		});
		const { ageSeconds } = alert.lastLocation as { ageSeconds: number };
		expect(ageSeconds).toBeGreaterThanOrEqual(19);
		expect(ageSeconds).toBeLessThan(3600);
	});

	it("the credential's Test passes with the right secret and shows Segway's message with a wrong one", async () => {
		const credential = simulatorCredential(sim.url, DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret);
		const test = (data: Record<string, unknown>) =>
			rest.post<{ data: { status: string; message: string } }>('/rest/credentials/test', {
				credentials: { id: DEMO_CREDENTIAL.id, name: DEMO_CREDENTIAL.name, type: credential.type, data },
			});
		expect((await test(credential.data)).data.status).toBe('OK');
		const wrong = await test({ ...credential.data, clientSecret: 'not-the-secret' });
		expect(wrong.data).toEqual({ status: 'Error', message: 'Bad client credentials' });
	});

	it('a secret changed through the REST API: pushes with the old one are refused 2 s after the save, the new one is taken', async () => {
		const vehicle = sim.iotCodes[19];
		const rotated = 'e2e-rotated-secret';
		const signedWith = (secret: string, overrides: Record<string, string | number>) => {
			const { signature: _old, ...params } = sim.signPush('alert', vehicle, overrides).params;
			return encodeForm({ ...params, signature: computeSignature(params, secret) });
		};
		// Alert 2 starts nothing (the trigger takes 1 and 6): sent again and again, it is Segway's retry.
		const old = signedWith(DEMO_CLIENT.clientSecret, { code: 2, alertStatus: 0 });
		expect((await post('all', 'alert', old)).status).toBe(200);

		await saveSecret(rotated);
		const savedAt = Date.now();
		let refusedAfterMs: number | undefined;
		while (refusedAfterMs === undefined) {
			const status = (await post('all', 'alert', old)).status;
			if (status === 401) refusedAfterMs = Date.now() - savedAt;
			else expect(status).toBe(200);
			if (Date.now() - savedAt > 90_000) throw new Error('the old secret still verifies 90 s after the change');
			await sleep(50);
		}
		console.log(`n8n ${N8N.version}: the old secret was refused ${refusedAfterMs} ms after the credential was saved (bound: 2000 ms + one push's time)`);
		// The bound is 2 s plus the push's own time; the margin is for a busy machine (the cache
		// this replaced kept the old secret 60 s).
		expect(refusedAfterMs).toBeLessThan(2_000 + 13_000);

		const taken = signedWith(rotated, { code: 1, alertStatus: 0 });
		expect(await post('all', 'alert', taken).then(async (res) => ({ status: res.status, json: await res.json() }))).toEqual({ status: 200, json: SUCCESS });
		await waitFor('the item of the push signed with the new secret', () => itemsOf('all', vehicle).length > 0);
		expect(itemsOf('all', vehicle).map((item) => item.code)).toEqual([1]);

		// Back to the simulator's secret for whatever runs next.
		await saveSecret(DEMO_CLIENT.clientSecret);
		await waitFor('the simulator secret verifying again', async () => (await push('all', 'status', sim.iotCodes[20])).status === 200);
	});

	/** Saves the credential with another client secret, as the editor's Save does (PATCH /rest/credentials/:id). */
	async function saveSecret(clientSecret: string): Promise<void> {
		const { type, data } = simulatorCredential(sim.url, DEMO_CLIENT.clientId, clientSecret);
		await rest.patch(`/rest/credentials/${DEMO_CREDENTIAL.id}`, { name: DEMO_CREDENTIAL.name, type, data });
	}

	describe('example workflows', () => {
		const examples = readExamples();
		let types: NodeTypeDescription[];

		beforeAll(async () => {
			types = await rest.get<NodeTypeDescription[]>('/types/nodes.json');
			expect(Array.isArray(types)).toBe(true);
		});

		it('are all there', () => {
			expect(examples.map((e) => e.file)).toEqual(
				expect.arrayContaining([
					'low-battery-to-slack.json',
					'theft-or-fall-alert-to-slack.json',
					'nightly-lock.json',
					'fault-to-email.json',
					'winter-transport-mode.json',
					'low-battery-poll-to-slack.json',
					'chat-with-your-fleet.json',
					'zone-no-ride-to-sound-and-slow.json',
					'zone-no-parking-to-slack.json',
					'zone-left-service-area-to-slack.json',
					'silent-vehicle-to-slack.json',
					'push-stream-stopped-to-slack.json',
				]),
			);
		});

		it.each(examples.map((e) => [e.file, e.workflow] as const))('%s imported with every node type, version and parameter known', async (_file, workflow) => {
			const stored = await rest.get<{ data: { id: string; nodes: Array<{ name: string; type: string; typeVersion: number; parameters: Record<string, unknown> }> } }>(
				`/rest/workflows/${workflow.id}`,
			);
			expect(stored.data.nodes.map((n) => n.name).sort()).toEqual(workflow.nodes.map((n) => n.name).sort());
			for (const node of workflow.nodes) {
				const type = types.find(
					(t) => t.name === node.type && (Array.isArray(t.version) ? t.version.includes(node.typeVersion) : t.version === node.typeVersion),
				);
				expect({ node: node.name, type: node.type, version: node.typeVersion, known: type !== undefined }).toMatchObject({ known: true });
				const known = new Set(type!.properties.map((p) => p.name));
				const unknown = Object.keys(node.parameters).filter((p) => !known.has(p));
				expect({ node: node.name, unknown }).toEqual({ node: node.name, unknown: [] });
				if (node.credentials?.segwayFleetApi) expect(node.credentials.segwayFleetApi).toEqual(DEMO_CREDENTIAL);
			}
		});

		it('n8n logged no unknown node types', () => {
			expect(n8n.log).not.toMatch(/Unrecognized node type|Unknown node type/i);
		});
	});
});
