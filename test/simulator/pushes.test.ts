import { computeSignature } from '../../api/catalog/signature';
import { REFERENCE_IOT_CODE, startSimulator, type Simulator } from '../../simulator';
import { setTimeout as sleep } from 'timers/promises';

import { waitFor } from '../../harness/wait';
import { call, getToken, startReceiver } from './helpers';
import { findOperation } from '../../api/catalog/operations';

const SECRET = 'e2651be5-12d3-48f3-ba6c-bc2b04a447b6';
const ALERT = { statusUtcTime: 1591067719, alertStatus: 0, code: 1 };

/**
 * Computed by hand from the reference's algorithm, not with the code under test:
 * printf '%s' 'alertStatus=0&code=1&iotCode=861477038719116&platformCode=A20081&statusUtcTime=1591067719&client_secret=e2651be5-12d3-48f3-ba6c-bc2b04a447b6' | md5sum
 */
const ALERT_SIGNATURE = '44439d68dc0885793400051be6051e36';
/**
 * Keys in ASCII order (upper case first), decoded values with their &, =, +, %, / and UTF-8:
 * printf '%s' 'Zone=Ünïcode €&alertStatus=0&code=1&iotCode=861477038719116&note=a b&c=d+e%f/ü€&platformCode=A20081&statusUtcTime=1591067719&client_secret=e2651be5-12d3-48f3-ba6c-bc2b04a447b6' | md5sum
 */
const SPECIAL_SIGNATURE = '100551fbf009233f744a0dbbc9865c6b';

describe('pushes', () => {
	let sim: Simulator;
	let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
	afterEach(async () => {
		await sim.close();
		await receiver?.close();
		receiver = undefined;
	});

	it('signs as the reference says (hand-computed vector) and encodes the form body', async () => {
		sim = await startSimulator({ vehicles: 1, clients: [{ clientId: 'A20081', clientSecret: SECRET }] });
		const signed = sim.signPush('alert', REFERENCE_IOT_CODE, ALERT);
		expect(signed.params.signature).toBe(ALERT_SIGNATURE);
		expect(signed.body).toBe(
			`iotCode=861477038719116&platformCode=A20081&statusUtcTime=1591067719&alertStatus=0&code=1&signature=${ALERT_SIGNATURE}`,
		);
		expect(signed.url).toBeUndefined();
		const wrong = sim.signPush('alert', REFERENCE_IOT_CODE, { ...ALERT, signature: 'deadbeef' });
		expect(wrong.params.signature).toBe('deadbeef');
	});

	it('percent-encodes special characters and non-ASCII, and signs the decoded values', async () => {
		receiver = await startReceiver([200]);
		sim = await startSimulator({ vehicles: 1, pushSchedule: false, pushTo: `${receiver.url}/webhook/abc/`, clients: [{ clientId: 'A20081', clientSecret: SECRET }] });
		const record = await sim.sendPush('alert', REFERENCE_IOT_CODE, { ...ALERT, note: 'a b&c=d+e%f/ü€', Zone: 'Ünïcode €' });
		expect(record).toMatchObject({ delivered: true, done: true, attempts: [{ status: 200 }] });
		const [push] = receiver.received;
		expect(push.path).toBe('/webhook/abc/v2/vehicle/alert');
		expect(push.headers['content-type']).toBe('application/x-www-form-urlencoded');
		expect(push.body).toContain('note=a%20b%26c%3Dd%2Be%25f%2F%C3%BC%E2%82%AC');
		expect(push.body).toContain('Zone=%C3%9Cn%C3%AFcode%20%E2%82%AC');
		const decoded = Object.fromEntries(new URLSearchParams(push.body));
		expect(decoded.note).toBe('a b&c=d+e%f/ü€');
		expect(decoded.signature).toBe(SPECIAL_SIGNATURE);
	});

	it.each([
		['answers 500 then 200', [500, 200], 2, true],
		['answers 200', [200], 1, true],
		['never answers 200', [503], 2, false],
	] as const)('retries exactly once when the receiver %s', async (_name, statuses, attempts, delivered) => {
		receiver = await startReceiver([...statuses]);
		// timeScale 100: the reference's 5 s retry delay passes in 50 ms.
		sim = await startSimulator({ vehicles: 1, pushSchedule: false, pushTo: receiver.url, timeScale: 100 });
		const record = await sim.sendPush('fault', REFERENCE_IOT_CODE, { code: 24, faultStatus: 0 });
		expect(record.attempts).toHaveLength(attempts);
		expect(record.delivered).toBe(delivered);
		await sleep(200);
		expect(receiver.received).toHaveLength(attempts);
		expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
		expect(receiver.received[0].path).toBe('/v2/vehicle/fault');
		expect(sim.pushes).toHaveLength(1);
	});

	it('retries once when the receiver cannot be reached', async () => {
		receiver = await startReceiver();
		const url = receiver.url;
		await receiver.close();
		receiver = undefined;
		sim = await startSimulator({ vehicles: 1, pushSchedule: false, pushTo: url, timeScale: 100 });
		const record = await sim.sendPush('status', REFERENCE_IOT_CODE);
		expect(record.attempts).toHaveLength(2);
		expect(record.attempts.every((a) => a.error !== undefined && a.status === undefined)).toBe(true);
		expect(record.delivered).toBe(false);
	});

	it('pushes status and location every 10 simulated seconds while unlocked, signed, with remainingRange', async () => {
		receiver = await startReceiver([200]);
		const client = { clientId: 'E55555', clientSecret: 'another-secret' };
		sim = await startSimulator({ vehicles: 2, pushTo: `${receiver.url}/webhook/abc`, timeScale: 100, clients: [client] });
		const iotCode = sim.iotCodes[1];
		const token = await getToken(sim, client);
		expect((await call(sim, findOperation('control', 'unlock')!, { iotCode }, token)).body.code).toBe(0);
		const mine = (path: string) => receiver!.received.filter((r) => r.path === `/webhook/abc/v2/vehicle/${path}` && r.body.includes(iotCode));
		await waitFor('three status and three location pushes', () => mine('status').length >= 3 && mine('location').length >= 3);
		const status = Object.fromEntries(new URLSearchParams(mine('status')[0].body));
		expect(status).toMatchObject({ iotCode, platformCode: 'E55555', locked: 'false', online: 'true' });
		expect(Number(status.speed)).toBeGreaterThan(0);
		expect(status.remainingRange).toMatch(/^\d+$/);
		expect(status.remainderRange).toBeUndefined();
		const { signature, ...rest } = status;
		expect(signature).toBe(computeSignature(rest, 'another-secret'));
		const location = Object.fromEntries(new URLSearchParams(mine('location')[0].body));
		expect(Object.keys(location).sort()).toEqual(
			['altitude', 'gpsUtcTime', 'hdop', 'iotCode', 'latitude', 'locationStatus', 'longitude', 'platformCode', 'satelliteNumber', 'signature'],
		);
		expect(location.locationStatus).toBe('valid');
		// The locked vehicle is on its 900 s interval (9 real seconds at this scale): at most the
		// first push of each kind, whose time is spread over that interval.
		const locked = (path: string) =>
			receiver!.received.filter((r) => r.path === `/webhook/abc/v2/vehicle/${path}` && r.body.includes(`iotCode=${sim.iotCodes[0]}`));
		expect(locked('status').length).toBeLessThanOrEqual(1);
		expect(locked('location').length).toBeLessThanOrEqual(1);
	});

	it('pushes the illegal-moving alert when a locked vehicle is moved, and admin alerts and faults', async () => {
		receiver = await startReceiver([200]);
		sim = await startSimulator({ vehicles: 1, pushSchedule: false, pushTo: receiver.url });
		await sim.fleet.update(REFERENCE_IOT_CODE, { latitude: 22.64 });
		await sim.fleet.update(REFERENCE_IOT_CODE, { fault: { code: 41 } });
		await sim.fleet.update(REFERENCE_IOT_CODE, { alert: { code: 1, alertStatus: 1 } });
		const bodies = receiver.received.map((r) => [r.path, Object.fromEntries(new URLSearchParams(r.body))] as const);
		expect(bodies).toEqual([
			['/v2/vehicle/alert', expect.objectContaining({ code: '1', alertStatus: '0' })],
			['/v2/vehicle/fault', expect.objectContaining({ code: '41', faultStatus: '0' })],
			['/v2/vehicle/alert', expect.objectContaining({ code: '1', alertStatus: '1' })],
		]);
		expect(sim.fleet.get(REFERENCE_IOT_CODE)).toMatchObject({ activeAlerts: [], activeFaults: [41] });
	});

	it('sends only the pushes asked for while pushSchedule is off', async () => {
		receiver = await startReceiver([200]);
		// 1000×: an unlocked vehicle's 10 s status interval is due at every scheduler tick (100 real ms).
		sim = await startSimulator({ vehicles: 1, pushSchedule: false, pushTo: receiver.url, timeScale: 1000 });
		await sim.fleet.update(REFERENCE_IOT_CODE, { locked: false });
		await sleep(300);
		expect(receiver.received).toHaveLength(0);
		await sim.sendPush('alert', REFERENCE_IOT_CODE, ALERT);
		expect(receiver.received.map((r) => r.path)).toEqual(['/v2/vehicle/alert']);
		sim.configure({ pushSchedule: true });
		await waitFor('a scheduled status push', () => receiver!.received.some((r) => r.path === '/v2/vehicle/status'));
	});

	it('stamps pushes with the wall clock however fast or far simulated time runs', async () => {
		sim = await startSimulator({ vehicles: 1, pushSchedule: false, timeScale: 1000 });
		sim.advanceTime(86_400);
		const wall = () => Math.floor(Date.now() / 1000);
		const near = (value: string) => Math.abs(Number(value) - wall()) <= 2;
		expect(near(sim.signPush('status', REFERENCE_IOT_CODE).params.statusUtcTime)).toBe(true);
		expect(near(sim.signPush('alert', REFERENCE_IOT_CODE).params.statusUtcTime)).toBe(true);
		expect(near(sim.signPush('location', REFERENCE_IOT_CODE).params.gpsUtcTime)).toBe(true);
		// Without a fix the location push says when the last fix was.
		await sim.fleet.update(REFERENCE_IOT_CODE, { gpsFix: false });
		const lost = Number(sim.signPush('location', REFERENCE_IOT_CODE).params.gpsUtcTime);
		await sleep(1100);
		expect(Number(sim.signPush('location', REFERENCE_IOT_CODE).params.gpsUtcTime)).toBe(lost);
		expect(sim.signPush('location', REFERENCE_IOT_CODE).params.locationStatus).toBe('invalid');
	});

	it('sends a copy of every push to each further receiver (alsoPushTo)', async () => {
		receiver = await startReceiver([200]);
		const second = await startReceiver([200]);
		try {
			sim = await startSimulator({ vehicles: 1, pushSchedule: false, pushTo: receiver.url, alsoPushTo: [`${second.url}/webhook/two`] });
			await sim.sendPush('alert', REFERENCE_IOT_CODE, ALERT);
			await waitFor('the copy', () => second.received.length === 1);
			expect(second.received[0].path).toBe('/webhook/two/v2/vehicle/alert');
			expect(second.received[0].body).toBe(receiver.received[0].body);
		} finally {
			await second.close();
		}
	});

	it('pushes the status at once when what it reports changes (battery, lock, network, charger)', async () => {
		receiver = await startReceiver([200]);
		sim = await startSimulator({ vehicles: 1, pushTo: receiver.url });
		// The first scheduled push comes within the locked interval (900 s): none so far.
		await sim.fleet.update(REFERENCE_IOT_CODE, { powerPercent: 12 });
		await waitFor('the status push', () => receiver!.received.some((r) => r.path === '/v2/vehicle/status' && r.body.includes('powerPercent=12')));
	});

	it('records pushes without sending them when no receiver is set', async () => {
		sim = await startSimulator({ vehicles: 1 });
		const record = await sim.sendPush('location', REFERENCE_IOT_CODE);
		expect(record).toMatchObject({ skipped: true, attempts: [], delivered: false });
	});
});
