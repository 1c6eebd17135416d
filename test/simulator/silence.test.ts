/**
 * A vehicle that goes silent (its IoT module cut off: no push of any kind, API 15301) and comes
 * back (a status push at once, then its rhythm); pushes stopped for everyone (`pushEnabled`)
 * and resumed; the push rhythm as the reference and Set Upload Intervals give it, scaled by
 * `timeScale`. Pushes land on real loopback receivers. Waits follow observed events; where the
 * absence of pushes is proven, the wait is a multiple of the time the fleet was seen to need
 * for the same number of pushes.
 */
import { setTimeout as sleep } from 'timers/promises';
import { request } from 'undici';
import { findOperation, OPERATIONS } from '../../api/catalog/operations';
import { waitFor } from '../../harness/wait';
import { REFERENCE_IOT_CODE, startSimulator, type PushRecord, type Simulator } from '../../simulator';
import { call, getToken, startReceiver, validParams, type ReceivedPush } from './helpers';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const LAT = 22.6;
const LON = 114.1;
const M = 111_320;
/** A point `east` and `north` metres from (LON, LAT). */
const at = (east: number, north: number): [number, number] => [LON + east / (M * Math.cos((LAT * Math.PI) / 180)), LAT + north / M];

async function admin(sim: Simulator, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) {
	const res = await request(`${sim.url}/_admin${path}`, {
		method,
		headers: body === undefined ? {} : { 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: res.statusCode, body: (await res.body.json()) as any };
}

const fields = (push: ReceivedPush) => Object.fromEntries(new URLSearchParams(push.body));
const from = (pushes: ReceivedPush[], iotCode: string, event?: string) =>
	pushes.filter((p) => fields(p).iotCode === iotCode && (event === undefined || p.path.endsWith(`/v2/vehicle/${event}`)));
const lastSeq = (sim: Simulator) => Math.max(0, ...sim.pushes.map((p) => p.seq));
const after = (sim: Simulator, seq: number, iotCode?: string) =>
	sim.pushes.filter((p) => p.seq > seq && (iotCode === undefined || p.iotCode === iotCode));
const sent = (records: PushRecord[]) => records.filter((r) => r.attempts.length > 0);

describe('a silent vehicle', () => {
	let sim: Simulator;
	let receiver: Receiver;
	afterEach(async () => {
		await sim.close();
		await receiver.close();
	});

	it('sends no push of any kind while the others keep pushing, answers 15301, and reports at once when heard again', async () => {
		receiver = await startReceiver([200]);
		// 50×: a 10 s interval passes in 200 real ms.
		sim = await startSimulator({ vehicles: 3, seed: 7, pushTo: receiver.url, timeScale: 50, autoParkSeconds: Infinity });
		const [quiet, ...others] = sim.iotCodes;
		const token = await getToken(sim);
		// Its locked status every 20 s (instead of 900), so that its rhythm after the silence shows within seconds.
		const interval = findOperation('setting', 'interval')!;
		const set = await call(sim, interval, { iotCode: quiet, statusInterval: { lockStatus: 20 } }, token);
		expect(set.body.code).toBe(0);
		for (const iotCode of others) expect((await admin(sim, 'PATCH', `/vehicles/${iotCode}`, { locked: false })).status).toBe(200);
		// It rides a loop: the route's status and location every 10 s.
		const loop = { waypoints: [at(0, 0), at(300, 0), at(300, 300)], speedKph: 18, loop: true };
		expect((await admin(sim, 'PATCH', `/vehicles/${quiet}`, { route: loop })).body.riding).toBe(true);
		await waitFor('two ride status pushes of the vehicle to silence', () =>
			from(receiver.received, quiet, 'status').filter((p) => Number(fields(p).speed) > 0).length >= 2,
		);

		const silenced = await admin(sim, 'PATCH', `/vehicles/${quiet}`, { silent: true });
		expect(silenced.body).toMatchObject({ silent: true, online: true, riding: true });
		const mark = lastSeq(sim);
		// Pushes it had under way when cut off may still land; none made after.
		const underWay = sim.pushes.filter((p) => p.iotCode === quiet);
		expect((await admin(sim, 'GET', `/vehicles/${quiet}`)).body).toMatchObject({ silent: true, online: true });

		// Nothing it would have pushed goes out: an alert, a fault, one asked for, a route's end with its lock.
		expect((await admin(sim, 'PATCH', `/vehicles/${quiet}`, { alert: { code: 3 }, fault: { code: 24 } })).status).toBe(200);
		const manual = await admin(sim, 'POST', `/vehicles/${quiet}/push`, { event: 'location' });
		expect(manual.body).toMatchObject({ skipped: true, stoppedBy: 'silent', attempts: [], done: true });
		const toLock = { waypoints: [at(0, 0), at(0, 100)], speedKph: 36, end: 'lock' };
		expect((await admin(sim, 'PATCH', `/vehicles/${quiet}`, { route: toLock })).body).toMatchObject({ riding: true, locked: false });

		// Segway cannot reach it: every query and command answers 15301; the others answer.
		for (const spec of OPERATIONS) {
			expect((await call(sim, spec, validParams(spec, quiet), token)).body.code).toBe(15301);
		}
		expect((await call(sim, findOperation('query', 'status')!, { iotCode: others[0] }, token)).body.code).toBe(0);

		await waitFor('the others pushing five statuses each, and the silent one locked at its route end', () => {
			const vehicle = sim.fleet.get(quiet)!;
			const enough = others.every((code) => after(sim, mark, code).filter((p) => p.event === 'status' && p.delivered).length >= 5);
			return enough && vehicle.locked && vehicle.route === null;
		});
		await waitFor('what it had under way', () => underWay.every((p) => p.done));
		// Since the silence: only the pushes asked of it, each skipped; nothing scheduled, no lock push.
		const since = after(sim, mark, quiet);
		expect(since.map((p) => [p.event, p.reason, p.skipped, p.stoppedBy])).toEqual([
			['alert', 'event', true, 'silent'],
			['fault', 'event', true, 'silent'],
			['location', 'manual', true, 'silent'],
		]);
		expect(from(receiver.received, quiet)).toHaveLength(sent(underWay).length);
		const underWayBodies = new Set(underWay.map((p) => p.body));
		expect(from(receiver.received, quiet).every((p) => underWayBodies.has(p.body))).toBe(true);

		// Heard again: its status at once, before the PATCH answers, saying what happened meanwhile.
		const statusesBefore = from(receiver.received, quiet, 'status').length;
		const back = await admin(sim, 'PATCH', `/vehicles/${quiet}`, { silent: false });
		expect(back.body).toMatchObject({ silent: false, locked: true });
		const reports = from(receiver.received, quiet, 'status').slice(statusesBefore);
		expect(reports).toHaveLength(1);
		expect(fields(reports[0])).toMatchObject({ locked: 'true', online: 'true', speed: '0' });
		const reconnect = sim.pushes.find((p) => p.seq > mark && p.iotCode === quiet && p.event === 'status')!;
		expect(reconnect).toMatchObject({ reason: 'event', delivered: true });
		expect((await call(sim, findOperation('query', 'status')!, { iotCode: quiet }, token)).body.code).toBe(0);

		// Then its own rhythm: the locked status every 20 s (400 real ms), the first a whole interval after the report.
		const scheduled = await waitFor('two scheduled status pushes after the report', () => {
			const found = after(sim, reconnect.seq, quiet).filter((p) => p.event === 'status' && p.reason === 'schedule' && p.attempts.length > 0);
			return found.length >= 2 && found;
		});
		const gapMs = scheduled[0].attempts[0].at - reconnect.attempts[0].at;
		expect(gapMs).toBeGreaterThanOrEqual(0.5 * ((20 * 1000) / 50));
		await waitFor('its location push', () => after(sim, reconnect.seq, quiet).some((p) => p.event === 'location' && p.delivered));
	}, 120_000);

	it('refuses a silent that is not true or false, changing nothing', async () => {
		receiver = await startReceiver([200]);
		sim = await startSimulator({ vehicles: 1, pushSchedule: false, pushTo: receiver.url });
		const refused = await admin(sim, 'PATCH', `/vehicles/${REFERENCE_IOT_CODE}`, { silent: 'yes', powerPercent: 5 });
		expect(refused.status).toBe(400);
		expect(refused.body.error).toMatch(/silent must be true or false/);
		expect(sim.fleet.get(REFERENCE_IOT_CODE)).toMatchObject({ silent: false });
		expect(sim.fleet.get(REFERENCE_IOT_CODE)!.battery).not.toBe(5);
		// Un-silencing a vehicle that was never silent pushes nothing; one that is offline stays quiet.
		await sim.fleet.update(REFERENCE_IOT_CODE, { silent: false });
		await sim.fleet.update(REFERENCE_IOT_CODE, { silent: true, online: false });
		await sim.fleet.update(REFERENCE_IOT_CODE, { silent: false });
		expect(receiver.received).toHaveLength(0);
		// Back online, it reports as a reconnecting vehicle does, even without the schedule.
		await sim.fleet.update(REFERENCE_IOT_CODE, { silent: true, online: true });
		await sim.fleet.update(REFERENCE_IOT_CODE, { silent: false });
		expect(receiver.received.map((r) => r.path)).toEqual(['/v2/vehicle/status']);
	});
});

describe('pushEnabled', () => {
	let sim: Simulator;
	const receivers: Receiver[] = [];
	afterEach(async () => {
		await sim.close();
		for (const r of receivers.splice(0)) await r.close();
	});

	it('false stops every push to every receiver (schedule, routes, events, manual); true resumes them', async () => {
		const [first, second] = [await startReceiver([200]), await startReceiver([200])];
		receivers.push(first, second);
		sim = await startSimulator({
			vehicles: 3,
			seed: 11,
			pushTo: first.url,
			alsoPushTo: [`${second.url}/copy`],
			timeScale: 50,
			autoParkSeconds: Infinity,
		});
		const codes = sim.iotCodes;
		const [rider] = codes;
		await sim.fleet.setRoute(rider, { waypoints: [at(0, 0), at(300, 0)], speedKph: 18, loop: true });
		for (const iotCode of codes.slice(1)) await sim.fleet.update(iotCode, { locked: false });
		const everyone = (received: ReceivedPush[], count: number) =>
			codes.every((code) => from(received, code, 'status').length >= count && from(received, code, 'location').length >= count);
		const started = Date.now();
		await waitFor('three status and location pushes of each vehicle at both receivers', () => everyone(first.received, 3) && everyone(second.received, 3));
		const flowingMs = Date.now() - started;

		expect((await admin(sim, 'PATCH', '/config', { pushEnabled: false })).body.pushEnabled).toBe(false);
		const mark = lastSeq(sim);
		await waitFor('pushes under way', () => sim.pushes.every((p) => p.done));
		const counts = [first.received.length, second.received.length];

		// What would push now: an alert, one asked for, a rider locking at its route's end.
		await sim.fleet.update(codes[1], { alert: { code: 2 } });
		expect(await sim.sendPush('fault', codes[2], { code: 24, faultStatus: 0 })).toMatchObject({ skipped: true, stoppedBy: 'pushes' });
		await sim.fleet.setRoute(rider, { waypoints: [at(0, 0), at(0, 100)], speedKph: 36, end: 'lock' });
		await waitFor('the rider locked at the end', () => sim.fleet.get(rider)!.locked);
		// Three times as long as the fleet took for three rounds of pushes: nine rounds or more would have come.
		await sleep(Math.max(1000, 3 * flowingMs));
		expect([first.received.length, second.received.length]).toEqual(counts);
		expect(after(sim, mark).map((p) => [p.event, p.iotCode, p.skipped, p.stoppedBy])).toEqual([
			['alert', codes[1], true, 'pushes'],
			['fault', codes[2], true, 'pushes'],
		]);

		expect((await admin(sim, 'PATCH', '/config', { pushEnabled: true })).body.pushEnabled).toBe(true);
		const unlocked = codes.slice(1);
		const since = (received: ReceivedPush[], count: number, iotCode: string, event: string) => from(received.slice(count), iotCode, event);
		await waitFor('three more rounds of the unlocked vehicles and the locked rider’s report, at both receivers', () =>
			[first, second].every((r, i) =>
				unlocked.every((code) => since(r.received, counts[i], code, 'status').length >= 3 && since(r.received, counts[i], code, 'location').length >= 3) &&
				since(r.received, counts[i], rider, 'status').length >= 1 &&
				since(r.received, counts[i], rider, 'location').length >= 1,
			),
		);
		// What fell due while stopped goes once, not as a backlog: the first tick sends each vehicle's status and location once.
		// (A record per receiver: the first receiver's.)
		const firstTick = after(sim, mark)
			.filter((p) => p.reason === 'schedule' && p.url?.startsWith(`${first.url}/`))
			.slice(0, 2 * codes.length);
		expect(new Set(firstTick.map((p) => `${p.event} ${p.iotCode}`)).size).toBe(2 * codes.length);
		// The rider, locked while pushes were stopped, reports its lock (then every 900 s, 18 real seconds here).
		for (const [i, r] of [first, second].entries()) {
			const reports = since(r.received, counts[i], rider, 'status');
			expect(reports.length).toBeGreaterThanOrEqual(1);
			expect(reports.every((p) => fields(p).locked === 'true')).toBe(true);
		}
	}, 120_000);

	it('false leaves out the retry of a push that failed, even when true again before it was due', async () => {
		const receiver = await startReceiver([503]);
		receivers.push(receiver);
		// timeScale 1: the retry is due 5 real seconds after the failure.
		sim = await startSimulator({ vehicles: 1, pushSchedule: false, pushTo: receiver.url });
		const started = Date.now();
		const failing = sim.sendPush('alert', REFERENCE_IOT_CODE, { code: 1, alertStatus: 0 });
		await waitFor('the first attempt', () => receiver.received.length === 1);
		sim.configure({ pushEnabled: false });
		sim.configure({ pushEnabled: true });
		const record = await failing;
		expect(record).toMatchObject({ attempts: [{ status: 503 }], delivered: false, done: true, stoppedBy: 'pushes' });
		// Left out at once, not after the retry delay.
		expect(Date.now() - started).toBeLessThan(5000);
		expect(receiver.received).toHaveLength(1);
		// Pushes made after that get their retry as before.
		const fresh = await admin(sim, 'POST', `/vehicles/${REFERENCE_IOT_CODE}/push`, { event: 'alert' });
		expect(fresh.body.attempts).toHaveLength(2);
		expect(fresh.body.stoppedBy).toBeUndefined();
		expect(receiver.received).toHaveLength(3);
	}, 60_000);

	it('a vehicle silenced before its retry was due sends no retry', async () => {
		const receiver = await startReceiver([503]);
		receivers.push(receiver);
		// timeScale 1: the retry is due 5 real seconds after the failure.
		sim = await startSimulator({ vehicles: 1, pushSchedule: false, pushTo: receiver.url });
		const failing = sim.sendPush('status', REFERENCE_IOT_CODE);
		await waitFor('the first attempt', () => receiver.received.length === 1);
		await sim.fleet.update(REFERENCE_IOT_CODE, { silent: true });
		expect(await failing).toMatchObject({ attempts: [{ status: 503 }], delivered: false, done: true, stoppedBy: 'silent' });
		expect(receiver.received).toHaveLength(1);
	}, 60_000);
});

describe('push rhythm', () => {
	let sim: Simulator;
	let receiver: Receiver;
	afterEach(async () => {
		await sim.close();
		await receiver.close();
	});

	it('follows each vehicle’s intervals from Set Upload Intervals, in simulated seconds', async () => {
		receiver = await startReceiver([200]);
		const scale = 50;
		const started = Date.now();
		sim = await startSimulator({ vehicles: 2, seed: 3, pushTo: receiver.url, timeScale: scale });
		const [tuned, untouched] = sim.iotCodes;
		const token = await getToken(sim);
		// Locked: status every 10 s and location every 30 s instead of 900 s each.
		const intervals = { statusInterval: { lockStatus: 10 }, locationInterval: { lockStatus: 30 } };
		expect((await call(sim, findOperation('setting', 'interval')!, { iotCode: tuned, ...intervals }, token)).body.code).toBe(0);
		const mine = (event: string) =>
			sim.pushes.filter((p) => p.iotCode === tuned && p.event === event && p.reason === 'schedule' && p.attempts.length > 0);
		await waitFor('three location pushes', () => mine('location').length >= 3, 120_000);
		/** Simulated seconds between pushes, from the second on (the first follows the change). */
		const gaps = (records: PushRecord[]) =>
			records.slice(2).map((r, i) => ((r.attempts[0].at - records[i + 1].attempts[0].at) * scale) / 1000);
		// Never sooner than the interval (a tick may make one later: its 100 real ms are 5 simulated seconds here).
		for (const gap of gaps(mine('status'))) expect(gap).toBeGreaterThanOrEqual(9);
		for (const gap of gaps(mine('location'))) expect(gap).toBeGreaterThanOrEqual(29);
		expect(mine('status').length).toBeGreaterThan(mine('location').length);
		// The other locked vehicle is on the 900 s default (18 real seconds here): its first push of each
		// kind, spread over that interval, and one more per 900 s that passed.
		const simulatedSeconds = ((Date.now() - started) * scale) / 1000;
		const most = 1 + Math.floor(simulatedSeconds / 900);
		const other = sim.pushes.filter((p) => p.iotCode === untouched);
		expect(other.filter((p) => p.event === 'status').length).toBeLessThanOrEqual(most);
		expect(other.filter((p) => p.event === 'location').length).toBeLessThanOrEqual(most);
	}, 150_000);
});
