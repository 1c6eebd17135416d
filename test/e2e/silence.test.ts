/**
 * Silent vehicles and a stopped push stream in real n8n (2.41.1, or 1.123.81 with
 * SEGWAY_N8N_LINE=1), with the simulator's fleet pushing over HTTP on its own schedule.
 *
 * Two published workflows forward every item, with its execution's id, to a collector here:
 * - "silence": the push trigger with Events empty, Silent Vehicles "went silent and heard again",
 *   both limits 0.5 min. Silenced in the simulator (`PATCH /_admin/vehicles/:iotCode
 *   {"silent": true}`), a vehicle is reported once, in a run of its own, with its last status and
 *   location; it stays at one report while the others push on; un-silenced it is heard again
 *   (one run), and silenced again it is reported again (re-armed).
 * - "stream": the poll trigger watching the push stream (Watch: Push Stream, stopped after 1 min)
 *   of the first workflow's trigger. All pushes stopped (`PATCH /_admin/config
 *   {"pushEnabled": false}`) → one streamStopped run; resumed → one streamResumed run. The stopped
 *   stream is nobody's silence: no vehicle is reported for it.
 *
 * The simulator runs its clock 300 times faster: a locked scooter's 900 s interval is 3 s, so
 * the six locked vehicles send about four pushes a second (push times stay on the wall clock).
 * n8n refuses poll times under a minute, so the poll trigger has six poll times a minute apart in
 * their second (0, 10, … 50 s): one poll every 10 s. Its Push URL points at a tap in this test that
 * forwards each probe to n8n and notes when it was answered: "a poll happened" is then an event to
 * wait for. "Exactly one" is asserted after the stream went on for a limit and more (a vehicle
 * that would be reported twice), or after further polls (a stream that would be reported twice),
 * and once every run of the workflow is finished and forwarded.
 */
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';

import { Collector, forwardNode } from '../../harness/collector';
import { DEMO_CREDENTIAL, N8N, N8nInstance, PACKAGE, TRIGGER_TYPE, simulatorCredential, type RestClient } from '../../harness/n8n';
import { waitFor } from '../../harness/wait';
import { DEMO_CLIENT, startSimulator, type PushRecord, type Simulator } from '../../simulator/index';

const LIMIT_MINUTES = 0.5;
const LIMIT_MS = LIMIT_MINUTES * 60_000;
const STREAM_QUIET_MINUTES = 1;
const VEHICLES = 6;
/** Simulated seconds per real second: Segway's 900 s locked interval becomes 3 s. */
const TIME_SCALE = 300;
const POLL_TIMES = [0, 10, 20, 30, 40, 50].map((second) => ({ mode: 'custom', cronExpression: `${second} * * * * *` }));
/** Bounds that catch a hang, never a slow machine. */
const REPORT_WAIT_MS = LIMIT_MS + 120_000;
const STOP_WAIT_MS = STREAM_QUIET_MINUTES * 60_000 + 180_000;

const SILENCE = { id: 'e2eSilenceVeh01', webhookId: '0e2e7e57-0000-4000-8000-0000000051e7' };
const STREAM = { id: 'e2eSilenceStrm01' };
type Flow = 'silence' | 'stream';

interface Forwarded extends Record<string, unknown> {
	flow: Flow;
	executionId: string;
	itemIndex: number;
	event: string;
	iotCode?: string;
	silence?: 'wentSilent' | 'heardAgain';
	lastHeardAt?: string;
	silentForSeconds?: number;
	heardAgainAt?: string;
	lastPushAt?: string | null;
	quietSeconds?: number;
	stoppedForSeconds?: number;
}

const forwardBody = (flow: Flow) => `={{ JSON.stringify({ flow: "${flow}", executionId: String($execution.id), itemIndex: $itemIndex, ...$json }) }}`;

function silenceWorkflow(collectorUrl: string) {
	return {
		id: SILENCE.id,
		name: 'e2e: silent vehicles → collector',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: '60000000-0000-4000-8000-000000000001',
				name: 'Segway Fleet Trigger',
				type: TRIGGER_TYPE,
				typeVersion: 1.1,
				position: [0, 0],
				webhookId: SILENCE.webhookId,
				// Silences only: no push kind starts a run by itself.
				parameters: { events: [], silentVehicles: 'wentSilentAndBack', silentAfterLocked: LIMIT_MINUTES, silentAfterUnlocked: LIMIT_MINUTES },
				credentials: { segwayFleetApi: DEMO_CREDENTIAL },
			},
			forwardNode('60000000-0000-4000-8000-000000000002', collectorUrl, forwardBody('silence')),
		],
		connections: { 'Segway Fleet Trigger': { main: [[{ node: 'Forward', type: 'main', index: 0 }]] } },
	};
}

function streamWorkflow(pushUrl: string, collectorUrl: string) {
	return {
		id: STREAM.id,
		name: 'e2e: push stream watch → collector',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: '60000000-0000-4000-8000-000000000003',
				name: 'Segway Fleet Poll Trigger',
				type: `${PACKAGE}.segwayFleetPollTrigger`,
				typeVersion: 1,
				position: [0, 0],
				parameters: { pollTimes: { item: POLL_TIMES }, watch: 'pushStream', pushUrl, streamQuietMinutes: STREAM_QUIET_MINUTES, streamResumed: true },
				credentials: { segwayFleetApi: DEMO_CREDENTIAL },
			},
			forwardNode('60000000-0000-4000-8000-000000000004', collectorUrl, forwardBody('stream')),
		],
		connections: { 'Segway Fleet Poll Trigger': { main: [[{ node: 'Forward', type: 'main', index: 0 }]] } },
	};
}

/** A probe the tap forwarded: when n8n's answer came back, and what it was. */
interface Probe {
	answeredAt: number;
	status: number;
	body: string;
}

/**
 * Between the poll trigger and n8n, as a reverse proxy in front of n8n would be: forwards each
 * request to n8n unchanged and notes the answer, so the test knows when a poll has happened.
 */
class ProbeTap {
	readonly probes: Probe[] = [];

	private constructor(private readonly server: Server) {}

	static async start(target: () => string): Promise<ProbeTap> {
		let tap: ProbeTap | undefined;
		const server = createServer((req, res) => {
			fetch(`${target()}${req.url ?? '/'}`, { method: req.method })
				.then(async (answer) => {
					const body = await answer.text();
					tap?.probes.push({ answeredAt: Date.now(), status: answer.status, body });
					res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
					res.end(body);
				})
				.catch((error: Error) => {
					tap?.probes.push({ answeredAt: Date.now(), status: 502, body: error.message });
					res.writeHead(502);
					res.end();
				});
		});
		tap = new ProbeTap(server);
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		return tap;
	}

	/** The base URL registered with Segway, as the poll trigger's Push URL takes it, through the tap. */
	baseUrl(webhookId: string): string {
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhook/${webhookId}`;
	}

	/** Probes n8n answered 200, after `since`. */
	answeredAfter(since: number): Probe[] {
		return this.probes.filter((probe) => probe.status === 200 && probe.answeredAt > since);
	}

	async close(): Promise<void> {
		await new Promise((resolve) => this.server.close(resolve));
	}
}

const iso = (ms: number) => new Date(ms).toISOString();
const mapUrl = (latitude: number, longitude: number) => `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=18/${latitude}/${longitude}`;
/** The answered attempt of a push (Segway retries once), if it was delivered. */
const deliveredAt = (record: PushRecord): number | undefined => record.attempts.find((attempt) => attempt.status === 200)?.at;

describe(`silent vehicles and a stopped push stream in n8n ${N8N.version}`, () => {
	let sim: Simulator;
	let n8n: N8nInstance;
	let rest: RestClient;
	let collector: Collector<Forwarded>;
	let tap: ProbeTap;
	/** The vehicle silenced; the others push on throughout. */
	let quiet: string;
	const phases: string[] = [];
	let phaseFrom = Date.now();
	const phase = (name: string) => {
		phases.push(`${name} ${((Date.now() - phaseFrom) / 1000).toFixed(0)} s`);
		phaseFrom = Date.now();
	};

	const triggerBase = () => `${n8n.url}/webhook/${SILENCE.webhookId}`;
	const items = (flow: Flow) => collector.received.filter((item) => item.flow === flow);
	const reportsOf = (iotCode: string) => items('silence').filter((item) => item.iotCode === iotCode);
	const streamEvents = () => items('stream').map((item) => item.event);

	/** The simulator's API, over HTTP as a person at the console uses it. */
	async function admin(path: string, body: unknown): Promise<unknown> {
		const answer = await fetch(`${sim.url}/_admin${path}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		const json = (await answer.json()) as unknown;
		expect({ path, status: answer.status }).toEqual({ path, status: 200 });
		return json;
	}

	/** The vehicle's newest push of the kind that n8n answered 200. */
	function lastDelivered(iotCode: string, event: PushRecord['event']): PushRecord | undefined {
		let newest: PushRecord | undefined;
		for (const record of sim.pushes) {
			if (record.iotCode !== iotCode || record.event !== event) continue;
			const at = deliveredAt(record);
			if (at !== undefined && (newest === undefined || at >= deliveredAt(newest)!)) newest = record;
		}
		return newest;
	}

	/** When n8n last answered a push of the vehicle (or of any vehicle), by the simulator's clock. */
	function lastHeard(iotCode?: string): number {
		let last = 0;
		for (const record of sim.pushes) if (iotCode === undefined || record.iotCode === iotCode) last = Math.max(last, deliveredAt(record) ?? 0);
		return last;
	}

	/** Resolves once every push made so far (of the vehicle, or all) has had its last attempt. */
	const pushesDone = (what: string, iotCode?: string) =>
		waitFor(`${what}: every push sent so far answered or given up`, () => sim.pushes.every((record) => record.done || (iotCode !== undefined && record.iotCode !== iotCode)), 60_000, 100);

	/**
	 * Resolves once n8n has answered pushes of the other vehicles for `ms` after `from`: a vehicle
	 * silent for a limit is found on such a push, so the trigger has had its chance to report.
	 */
	const othersPushedFor = (ms: number, from: number) =>
		waitFor(
			`the other vehicles' pushes answered for ${ms / 1000} s`,
			() => sim.pushes.some((record) => record.iotCode !== quiet && (deliveredAt(record) ?? 0) >= from + ms),
			ms + 120_000,
			250,
		);

	/** Resolves once the poll trigger has probed the push trigger `count` more times. */
	const pollsLater = async (count: number) => {
		const since = Date.now();
		await waitFor(`${count} more poll(s) of the push stream`, () => tap.answeredAfter(since).length >= count, count * 10_000 + 120_000, 250);
	};

	async function executions(workflowId: string): Promise<Array<{ id: string; status: string; mode: string }>> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const answer = await rest.get<{ data: { results: Array<{ id: string; status: string; mode: string }> } }>(`/rest/executions?filter=${filter}&limit=100`);
		return answer.data.results;
	}

	/** Every run of the workflow is finished and its items are here (a run ends after the collector answered). */
	async function settle(flow: Flow): Promise<Array<{ id: string; status: string; mode: string }>> {
		const workflowId = flow === 'silence' ? SILENCE.id : STREAM.id;
		return await waitFor(
			`every run of the ${flow} workflow finished and forwarded`,
			async () => {
				const runs = await executions(workflowId);
				const forwarded = new Set(items(flow).map((item) => item.executionId));
				const done = runs.every((run) => run.status === 'success') && runs.length === forwarded.size && runs.every((run) => forwarded.has(run.id));
				return done ? runs : undefined;
			},
			120_000,
			500,
		);
	}

	beforeAll(async () => {
		collector = await Collector.start<Forwarded>();
		n8n = await N8nInstance.create();
		tap = await ProbeTap.start(() => n8n.url);
		// Every vehicle locked (the simulator's default), on Segway's rhythm at 300 times the speed;
		// nothing is pushed until the webhooks answer.
		sim = await startSimulator({ vehicles: VEHICLES, seed: 'silence-e2e', timeScale: TIME_SCALE, pushTo: triggerBase(), pushEnabled: false, autoParkSeconds: Infinity });
		quiet = sim.iotCodes[2];
		await n8n.importCredentials([simulatorCredential(sim.url, DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)]);
		await n8n.importWorkflows([silenceWorkflow(collector.url), streamWorkflow(tap.baseUrl(SILENCE.webhookId), collector.url)]);
		await n8n.publish(SILENCE.id);
		await n8n.publish(STREAM.id);
		await n8n.start();
		rest = await n8n.login();
		// Webhooks answer a moment after readiness: an unsigned push gets 401 (not 404) once they do.
		await waitFor('the push trigger webhooks', async () => ((await fetch(`${triggerBase()}/v2/vehicle/status`, { method: 'POST' })).status === 401 ? true : undefined), 60_000, 250);
		await admin('/config', { pushEnabled: true });
		phase('start');
	}, 300_000);

	afterAll(async () => {
		console.log(`silence e2e on n8n ${N8N.version}: ${phases.join(', ')}`);
		await n8n?.dispose();
		await sim?.close();
		await tap?.close();
		await collector?.close();
	});

	it('the trigger hears every vehicle, reports nothing while they all push, and answers the stream probe', async () => {
		await waitFor(
			'a status and a location push of every vehicle answered',
			() => sim.iotCodes.every((code) => lastDelivered(code, 'status') !== undefined && lastDelivered(code, 'location') !== undefined),
			120_000,
			250,
		);
		// Every push answered 200, none refused.
		expect(sim.pushes.flatMap((record) => record.attempts.map((attempt) => attempt.status)).filter((status) => status !== 200)).toEqual([]);
		const since = Date.now();
		await pollsLater(1);
		const answer = JSON.parse(tap.answeredAfter(since)[0].body) as { code: number; lastPushAt: number | null; now: number };
		expect(answer).toEqual({ code: 0, lastPushAt: expect.any(Number), now: expect.any(Number) });
		expect(answer.now - answer.lastPushAt!).toBeLessThan(LIMIT_MS);
		expect(collector.received).toEqual([]);
		phase('heard');
	}, 300_000);

	let firstReport: Forwarded;

	it('a vehicle silenced in the simulator is reported once, in a run of its own, with its last status and location', async () => {
		// A battery of its own, so that the report's can be told from any other.
		await admin(`/vehicles/${quiet}`, { powerPercent: 37 });
		await waitFor('its status push at 37 %', () => lastDelivered(quiet, 'status')?.params.powerPercent === '37', 60_000, 100);
		await admin(`/vehicles/${quiet}`, { silent: true });
		await pushesDone('silenced', quiet);
		const status = lastDelivered(quiet, 'status')!;
		const fix = lastDelivered(quiet, 'location')!;
		const heardAt = lastHeard(quiet);

		firstReport = await waitFor('the silence report', () => reportsOf(quiet)[0], REPORT_WAIT_MS, 250);
		phase('reported');
		const latitude = Number(fix.params.latitude);
		const longitude = Number(fix.params.longitude);
		expect(firstReport).toMatchObject({
			event: 'silence',
			iotCode: quiet,
			silence: 'wentSilent',
			silentAfterMinutes: LIMIT_MINUTES,
			lockedWhenLastHeard: true,
			lastStatus: { locked: true, online: true, charging: false, powerPercent: 37, at: iso(Number(status.params.statusUtcTime) * 1000) },
			lastLocation: { latitude, longitude, valid: true, mapUrl: mapUrl(latitude, longitude) },
		});
		// Heard last when n8n took its last push, which it answered within the push timeout.
		const lastHeardAt = Date.parse(firstReport.lastHeardAt!);
		expect(lastHeardAt).toBeGreaterThanOrEqual(heardAt - 1000);
		expect(lastHeardAt).toBeLessThanOrEqual(heardAt + 10_000);
		expect(firstReport.silentForSeconds).toBeGreaterThanOrEqual(LIMIT_MS / 1000);

		// The others push on for a limit and more: a second report would have come by then.
		await othersPushedFor(LIMIT_MS + 10_000, Date.now());
		await settle('silence');
		expect(reportsOf(quiet)).toHaveLength(1);
		expect(items('silence')).toHaveLength(1);
		const runs = await executions(SILENCE.id);
		expect(runs.map((run) => [run.id, run.mode, run.status])).toEqual([[firstReport.executionId, 'webhook', 'success']]);
		phase('held at one');
	}, 600_000);

	it('heard again it starts one run saying for how long; silenced again it is reported again', async () => {
		// Its battery went on while nobody heard it.
		await admin(`/vehicles/${quiet}`, { powerPercent: 12 });
		const lastSeq = Math.max(...sim.pushes.map((record) => record.seq));
		const before = Date.now();
		// Heard again: it reports its status at once (and its overdue location at the simulator's next tick).
		await admin(`/vehicles/${quiet}`, { silent: false });
		const reconnect = sim.pushes.find((record) => record.iotCode === quiet && record.event === 'status' && record.seq > lastSeq)!;
		expect(reconnect.params.powerPercent).toBe('12');
		const back = await waitFor('the heard-again report', () => reportsOf(quiet)[1], 120_000, 100);
		const firstLocation = firstReport.lastLocation as { mapUrl: string };
		expect(back).toMatchObject({ event: 'silence', iotCode: quiet, silence: 'heardAgain', lastLocation: { mapUrl: firstLocation.mapUrl } });
		// The status push goes first, the location push a moment later: n8n may take them in either order.
		if (back.heardBy === 'status') {
			expect(back.lastStatus).toEqual({ locked: true, online: true, charging: false, powerPercent: 12, at: iso(Number(reconnect.params.statusUtcTime) * 1000) });
		} else {
			expect(back).toMatchObject({ heardBy: 'location', lastStatus: { powerPercent: 37 } });
		}
		// When it was last heard before the silence: the first report's time (kept to the second at least).
		expect(Math.abs(Date.parse(back.lastHeardAt!) - Date.parse(firstReport.lastHeardAt!))).toBeLessThan(1000);
		const heardAgainAt = Date.parse(back.heardAgainAt!);
		expect(heardAgainAt).toBeGreaterThanOrEqual(before);
		expect(Math.abs(back.silentForSeconds! - (heardAgainAt - Date.parse(back.lastHeardAt!)) / 1000)).toBeLessThanOrEqual(1);
		expect(back.silentForSeconds).toBeGreaterThan(2 * (LIMIT_MS / 1000));
		expect(back.executionId).not.toBe(firstReport.executionId);
		phase(`heard again (by ${String(back.heardBy)})`);

		// Watched again: silenced once more, it is reported once more.
		await admin(`/vehicles/${quiet}`, { silent: true });
		await pushesDone('silenced again', quiet);
		const heardAt = lastHeard(quiet);
		const again = await waitFor('the second silence report', () => reportsOf(quiet)[2], REPORT_WAIT_MS, 250);
		expect(again).toMatchObject({ silence: 'wentSilent', iotCode: quiet, silentAfterMinutes: LIMIT_MINUTES, lockedWhenLastHeard: true });
		expect(Date.parse(again.lastHeardAt!)).toBeGreaterThanOrEqual(heardAgainAt);
		expect(Date.parse(again.lastHeardAt!)).toBeGreaterThanOrEqual(heardAt - 1000);
		await settle('silence');
		expect(reportsOf(quiet).map((item) => item.silence)).toEqual(['wentSilent', 'heardAgain', 'wentSilent']);
		expect(new Set(reportsOf(quiet).map((item) => item.executionId)).size).toBe(3);
		expect(items('silence')).toHaveLength(3);
		phase('reported again');
	}, 600_000);

	let stopped: Forwarded;

	it('all pushes stopped: the poll trigger starts one streamStopped run, and no vehicle is reported silent for it', async () => {
		expect(items('stream')).toEqual([]);
		const stoppingAt = Date.now();
		await admin('/config', { pushEnabled: false });
		await pushesDone('pushes stopped');
		const heardAt = lastHeard();

		stopped = await waitFor('the streamStopped item', () => items('stream')[0], STOP_WAIT_MS, 250);
		phase('stream stopped');
		expect(stopped).toMatchObject({ event: 'streamStopped', reason: 'noPush', quietMinutes: STREAM_QUIET_MINUTES, pushUrl: tap.baseUrl(SILENCE.webhookId) });
		const lastPushAt = Date.parse(stopped.lastPushAt!);
		expect(lastPushAt).toBeGreaterThanOrEqual(heardAt - 1000);
		expect(lastPushAt).toBeLessThanOrEqual(Math.max(heardAt, stoppingAt) + 10_000);
		expect(stopped.quietSeconds).toBeGreaterThanOrEqual(STREAM_QUIET_MINUTES * 60);

		// Further polls while nothing comes: the outage stays one run.
		await pollsLater(3);
		await settle('stream');
		expect(streamEvents()).toEqual(['streamStopped']);
		// A stream that stopped is not every vehicle's silence.
		expect(items('silence')).toHaveLength(3);
		phase('held at one');
	}, 600_000);

	it('pushes resumed: one streamResumed run; the count of silence starts anew, so nobody is reported', async () => {
		const resumingAt = Date.now();
		await admin('/config', { pushEnabled: true });
		const resumed = await waitFor('the streamResumed item', () => items('stream')[1], 180_000, 250);
		phase('stream resumed');
		expect(resumed).toMatchObject({ event: 'streamResumed', pushUrl: tap.baseUrl(SILENCE.webhookId) });
		expect(resumed.executionId).not.toBe(stopped.executionId);
		const lastPushAt = Date.parse(resumed.lastPushAt!);
		expect(lastPushAt).toBeGreaterThanOrEqual(resumingAt - 1000);
		expect(resumed.stoppedForSeconds).toBeGreaterThanOrEqual(STREAM_QUIET_MINUTES * 60);

		// The others push on for a limit and more after the gap: none of them is reported, and the
		// vehicle still silent was reported already. Polls meanwhile add no stream run.
		await othersPushedFor(LIMIT_MS + 10_000, resumingAt);
		await pollsLater(2);
		await settle('stream');
		await settle('silence');
		expect(streamEvents()).toEqual(['streamStopped', 'streamResumed']);
		expect(items('silence').map((item) => `${item.iotCode} ${item.silence}`)).toEqual([`${quiet} wentSilent`, `${quiet} heardAgain`, `${quiet} wentSilent`]);
		phase('held at one');
	}, 600_000);

	it('each workflow ran exactly those runs, each successful; every push was answered 200', async () => {
		const silenceRuns = await executions(SILENCE.id);
		const streamRuns = await executions(STREAM.id);
		expect(silenceRuns.map((run) => [run.mode, run.status])).toEqual(Array(3).fill(['webhook', 'success']));
		expect(streamRuns.map((run) => [run.mode, run.status])).toEqual(Array(2).fill(['trigger', 'success']));
		expect(sim.pushes.flatMap((record) => record.attempts.map((attempt) => attempt.status)).filter((status) => status !== 200)).toEqual([]);
		// Every probe the poll trigger sent once the webhooks were up was answered.
		const answered = tap.probes.findIndex((probe) => probe.status === 200);
		expect(tap.probes.slice(answered).filter((probe) => probe.status !== 200)).toEqual([]);
	});
});
