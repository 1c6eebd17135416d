/**
 * The trigger in real n8n 2.41.1: a published workflow receives the simulator's signed pushes on
 * the production webhook URL and forwards every emitted item to a collector in this test; n8n's
 * REST API (owner login) lists the executions. Also: every example workflow imports with all
 * its node types, versions and parameters known to this n8n.
 */
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import { startSimulator, DEMO_CLIENT, type Simulator } from '../../simulator/index';
import { setTimeout as sleep } from 'timers/promises';

import {
	DEMO_CREDENTIAL,
	N8nInstance,
	ROOT,
	TRIGGER_TYPE,
	readExamples,
	simulatorCredential,
	type RestClient,
} from '../../harness/n8n';
import { waitFor } from '../../harness/wait';

const WORKFLOW_ID = 'e2eTriggerForward';
const WEBHOOK_ID = '0e2e7e57-0000-4000-8000-00000000f00d';
const SUCCESS = { code: 0, message: 'success' };

interface NodeTypeDescription {
	name: string;
	version: number | number[];
	properties: Array<{ name: string }>;
}

describe('trigger node in n8n 2.41.1', () => {
	let sim: Simulator;
	let n8n: N8nInstance;
	let rest: RestClient;
	let collector: Server;
	const received: Array<Record<string, unknown>> = [];
	let base: string;

	beforeAll(async () => {
		collector = createServer((req, res) => {
			let body = '';
			req.on('data', (d) => (body += d));
			req.on('end', () => {
				received.push(JSON.parse(body) as Record<string, unknown>);
				res.setHeader('content-type', 'application/json');
				res.end('{}');
			});
		});
		await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
		const collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/collect`;

		n8n = await N8nInstance.create();
		base = `${n8n.url}/webhook/${WEBHOOK_ID}`;
		// Only the pushes a test sends: the vehicles' own schedule would land in assertion windows.
		sim = await startSimulator({ vehicles: 20, pushTo: base, pushSchedule: false, autoParkSeconds: Infinity });
		await n8n.importCredentials([simulatorCredential(sim.url, DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)]);
		await n8n.importWorkflows([
			{
				id: WORKFLOW_ID,
				name: 'e2e: trigger → collector',
				active: false,
				settings: { executionOrder: 'v1' },
				nodes: [
					{
						id: '10000000-0000-4000-8000-000000000001',
						name: 'Segway Fleet Trigger',
						type: TRIGGER_TYPE,
						// The default for new workflows; 1 behaves the same (covered by the unit harness).
						typeVersion: 1.1,
						position: [0, 0],
						webhookId: WEBHOOK_ID,
						parameters: { events: ['alert', 'fault', 'location', 'status'], alertCodes: [1, 6] },
						credentials: { segwayFleetApi: DEMO_CREDENTIAL },
					},
					{
						id: '10000000-0000-4000-8000-000000000002',
						name: 'Forward',
						type: 'n8n-nodes-base.httpRequest',
						typeVersion: 4.2,
						position: [250, 0],
						parameters: { method: 'POST', url: collectorUrl, sendBody: true, specifyBody: 'json', jsonBody: '={{ JSON.stringify($json) }}', options: {} },
					},
				],
				connections: { 'Segway Fleet Trigger': { main: [[{ node: 'Forward', type: 'main', index: 0 }]] } },
			},
		]);
		await n8n.importWorkflowFolder(`${ROOT}/examples`);
		await n8n.publish(WORKFLOW_ID);
		await n8n.start();
		rest = await n8n.login();
		// Webhooks answer a moment after readiness: wait until an unsigned push gets 401 (not 404).
		await waitFor('the trigger webhook', async () => {
			const res = await fetch(`${base}/v2/vehicle/status`, { method: 'POST' });
			return res.status === 401 ? true : undefined;
		});
	}, 240000);

	afterAll(async () => {
		await n8n?.dispose();
		await sim?.close();
		await new Promise((r) => collector?.close(r));
	});

	const post = (event: string, body: string) =>
		fetch(`${base}/v2/vehicle/${event}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

	async function executions(): Promise<Array<{ id: string; status: string; mode: string }>> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId: WORKFLOW_ID }));
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
		for (const push of sent) expect(push.attempts.map((a) => a.status)).toEqual([200]);
		const mine = () => received.filter((item) => codes.slice(0, 4).includes(item.iotCode as string));
		await waitFor('four forwarded items', () => (mine().length >= 4 ? true : undefined), 60000);
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
			const list = await executions();
			return list.length >= 4 && list.every((e) => e.status === 'success') ? list : undefined;
		}, 60000);
		expect(runs).toHaveLength(4);
		expect(runs.every((e) => e.mode === 'webhook')).toBe(true);
	});

	it('answers a verified push with 200 {"code":0,"message":"success"}', async () => {
		const signed = sim.signPush('status', sim.iotCodes[4]);
		const res = await post('status', signed.body);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual(SUCCESS);
		await waitFor('its item', () => (received.some((i) => i.iotCode === sim.iotCodes[4]) ? true : undefined), 60000);
	});

	it('refuses tampered and unsigned pushes with 401 and starts nothing; a filtered push gets success and starts nothing', async () => {
		const before = (await executions()).length;
		const itemsBefore = received.length;
		const signed = sim.signPush('status', sim.iotCodes[5]);
		const tampered = signed.body.replace(/powerPercent=\d+/, 'powerPercent=1');
		expect(tampered).not.toBe(signed.body);
		const tamperedRes = await post('status', tampered);
		expect(tamperedRes.status).toBe(401);
		const unsigned = await post('alert', signed.body.replace(/&?signature=[0-9a-f]+/, ''));
		expect(unsigned.status).toBe(401);
		const wrongSecret = await post('status', signed.body.replace(/signature=[0-9a-f]+/, 'signature=00000000000000000000000000000000'));
		expect(wrongSecret.status).toBe(401);

		// Alert 3 is not among the trigger's alert codes (1, 6).
		const filtered = await sim.sendPush('alert', sim.iotCodes[6], { code: 3, alertStatus: 0 });
		expect(filtered.attempts.map((a) => a.status)).toEqual([200]);
		const filteredByHand = await post('alert', sim.signPush('alert', sim.iotCodes[7], { code: 2, alertStatus: 0 }).body);
		expect(filteredByHand.status).toBe(200);
		expect(await filteredByHand.json()).toEqual(SUCCESS);

		// A passing push afterwards: once its item is here, the ones before had their chance.
		await sim.sendPush('alert', sim.iotCodes[8], { code: 1, alertStatus: 0 });
		await waitFor('the marker item', () => (received.some((i) => i.iotCode === sim.iotCodes[8]) ? true : undefined), 60000);
		await sleep(1500);
		expect(received.slice(itemsBefore).map((i) => i.iotCode)).toEqual([sim.iotCodes[8]]);
		const after = await waitFor('the marker execution', async () => {
			const list = await executions();
			return list.length > before ? list : undefined;
		}, 60000);
		expect(after.length).toBe(before + 1);
	});

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
