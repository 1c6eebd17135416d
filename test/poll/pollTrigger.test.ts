/**
 * The Segway Fleet Poll Trigger through n8n-core's PollContext against the simulator over
 * loopback: the push trigger's status filters applied to polled statuses, its memory across polls
 * and a restart, vehicles that do not answer, and bad parameters refused before any request.
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { PollHarness } from '../../harness/poll';
import { startFixture, type Fixture } from '../node/fixtures';

let fx: Fixture;
beforeAll(async () => (fx = await startFixture({ vehicles: 40 })));
afterAll(async () => await fx.sim.close());
beforeEach(() => {
	fx.sim.clearRequests();
	fx.sim.resetFaults();
	fx.sim.resetStats();
});

const codes = (from: number, count: number) => fx.sim.iotCodes.slice(from, from + count);
const battery = (iotCodes: string[], extra: INodeParameters = {}): INodeParameters => ({
	iotCodes: iotCodes.join('\n'),
	statusMode: 'batteryLow',
	batteryThreshold: 20,
	batteryRearmMargin: 5,
	options: { retryDelay: 5 },
	...extra,
});
const setBattery = (iotCodes: string[], powerPercent: number) => Promise.all(iotCodes.map((iot) => fx.sim.fleet.update(iot, { powerPercent, online: true, charging: false })));
const fired = (items: IDataObject[]) => items.filter((i) => i.event === 'status').map((i) => i.iotCode);

describe('battery falling below the threshold', () => {
	test('fires once per crossing, re-arms when charged, fires again when drained again', async () => {
		const vehicles = codes(0, 6);
		await setBattery(vehicles, 60);
		const poll = new PollHarness(battery(vehicles), fx.credential);
		expect(await poll.poll()).toEqual([]);

		await setBattery(vehicles.slice(0, 2), 15);
		const first = await poll.poll();
		expect(fired(first)).toEqual(vehicles.slice(0, 2));
		expect(first[0]).toMatchObject({ event: 'status', iotCode: vehicles[0], powerPercent: 15, batteryThreshold: 20, batteryRearmAt: 25 });
		expect(typeof first[0].polledAt).toBe('string');

		await setBattery(vehicles.slice(0, 2), 12);
		expect(await poll.poll()).toEqual([]);

		// Charged, but not to threshold + margin: no re-arm; then charged enough.
		await setBattery(vehicles.slice(0, 1), 22);
		expect(await poll.poll()).toEqual([]);
		await setBattery(vehicles.slice(0, 1), 80);
		expect(await poll.poll()).toEqual([]);
		await setBattery(vehicles.slice(0, 1), 10);
		expect(fired(await poll.poll())).toEqual([vehicles[0]]);

		// One status query per vehicle per poll, one token for all of them.
		expect(fx.apiRequests().length).toBe(6 * 6);
		expect(fx.apiRequests().every((r) => r.path === '/api/v2/vehicle/query/current/status')).toBe(true);
		expect(fx.tokenRequests()).toBeLessThanOrEqual(1);
	});

	test('a vehicle already low when first polled fires; a threshold given as text is a number', async () => {
		const vehicles = codes(6, 2);
		await setBattery(vehicles, 9);
		const poll = new PollHarness(battery(vehicles, { batteryThreshold: '={{ "20" }}' }), fx.credential);
		expect(fired(await poll.poll())).toEqual(vehicles);
	});

	test('what fired survives a restart of n8n: no second alert for the same crossing', async () => {
		const vehicles = codes(8, 3);
		await setBattery(vehicles, 50);
		const poll = new PollHarness(battery(vehicles), fx.credential);
		await poll.poll();
		await setBattery(vehicles.slice(0, 1), 10);
		expect(fired(await poll.poll())).toEqual([vehicles[0]]);
		poll.restart();
		expect(await poll.poll()).toEqual([]);
		await setBattery(vehicles.slice(1, 2), 10);
		expect(fired(await poll.poll())).toEqual([vehicles[1]]);
	});
});

test('state changes: the first poll records, a lock change fires with what changed', async () => {
	const vehicles = codes(11, 3);
	await Promise.all(vehicles.map((iot) => fx.sim.fleet.update(iot, { online: true, locked: true, charging: false })));
	const poll = new PollHarness({ iotCodes: vehicles.join(','), statusMode: 'stateChange', watchedStates: ['locked'] }, fx.credential);
	expect(await poll.poll()).toEqual([]);
	await fx.sim.fleet.update(vehicles[1], { locked: false });
	const items = await poll.poll();
	expect(items).toHaveLength(1);
	expect(items[0]).toMatchObject({ event: 'status', iotCode: vehicles[1], locked: false, changes: { locked: { from: true, to: false } }, firstSeen: false });
	expect(await poll.poll()).toEqual([]);
});

test('every status: one item per vehicle and poll', async () => {
	const vehicles = codes(14, 3);
	const poll = new PollHarness({ iotCodes: vehicles, statusMode: 'all' }, fx.credential);
	const items = await poll.poll();
	expect(items.map((i) => i.iotCode)).toEqual(vehicles);
	expect(items[0]).toHaveProperty('powerPercent');
	expect(items[0]).toHaveProperty('remainingRange');
});

describe('vehicles that do not answer', () => {
	const offline = async (iot: string, online: boolean) => await fx.sim.fleet.update(iot, { online });

	test('reported once when they stop answering and once when they answer again (default)', async () => {
		const vehicles = codes(17, 3);
		await setBattery(vehicles, 60);
		const poll = new PollHarness(battery(vehicles), fx.credential);
		await offline(vehicles[2], false);
		const first = await poll.poll();
		expect(first).toEqual([expect.objectContaining({ event: 'unanswered', iotCode: vehicles[2], code: 15301, message: expect.stringMatching(/offline device/) })]);
		expect(await poll.poll()).toEqual([]);
		await offline(vehicles[2], true);
		expect(await poll.poll()).toEqual([expect.objectContaining({ event: 'answering', iotCode: vehicles[2] })]);
	});

	test('reported at every poll when chosen', async () => {
		const vehicles = codes(20, 2);
		await offline(vehicles[0], false);
		const poll = new PollHarness(battery(vehicles, { unanswered: 'everyPoll' }), fx.credential);
		expect((await poll.poll()).map((i) => i.event)).toEqual(['unanswered']);
		expect((await poll.poll()).map((i) => i.event)).toEqual(['unanswered']);
		await offline(vehicles[0], true);
	});

	test('"fail the poll" fails it and keeps the other vehicles\' alerts for the next poll', async () => {
		const vehicles = codes(22, 2);
		await setBattery(vehicles, 10);
		await offline(vehicles[1], false);
		const poll = new PollHarness(battery(vehicles, { unanswered: 'fail' }), fx.credential);
		await expect(poll.poll()).rejects.toMatchObject({ name: 'NodeApiError', message: expect.stringMatching(/15301/) });
		await offline(vehicles[1], true);
		expect(fired(await poll.poll())).toEqual(vehicles);
	});

	test('a transient failure is retried before the vehicle counts as not answering', async () => {
		const vehicles = codes(24, 1);
		await setBattery(vehicles, 10);
		fx.sim.failNext(vehicles[0], 2, '15302');
		const poll = new PollHarness(battery(vehicles), fx.credential);
		expect(fired(await poll.poll())).toEqual(vehicles);
		expect(fx.apiRequests()).toHaveLength(3);
	});
});

test('requests in flight stay within Max Requests in Flight', async () => {
	fx.sim.configure({ latencyMs: 20 });
	try {
		const poll = new PollHarness({ iotCodes: codes(0, 40), statusMode: 'all', options: { concurrency: 4 } }, fx.credential);
		expect(await poll.poll()).toHaveLength(40);
		expect(fx.sim.stats.maxInFlight).toBeLessThanOrEqual(4);
		expect(fx.sim.stats.maxInFlight).toBeGreaterThan(1);
	} finally {
		fx.sim.configure({ latencyMs: 0 });
	}
});

test('a test poll (Fetch Test Event) changes nothing the published workflow remembers, and shows a status when nothing fires', async () => {
	const vehicles = codes(25, 2);
	await setBattery(vehicles, 70);
	const poll = new PollHarness(battery(vehicles), fx.credential);
	const sample = await poll.poll('manual');
	expect(sample).toEqual([expect.objectContaining({ event: 'status', iotCode: vehicles[0], sample: true })]);
	await setBattery(vehicles, 10);
	expect(fired(await poll.poll('manual'))).toEqual(vehicles);
	expect(poll.staticData).toEqual({});
	expect(fired(await poll.poll())).toEqual(vehicles);
});

test('the memory holds only the listed vehicles', async () => {
	const vehicles = codes(27, 4);
	await setBattery(vehicles, 10);
	const poll = new PollHarness(battery(vehicles), fx.credential);
	await poll.poll();
	const before = String(poll.staticData.segwayPolledVehicles);
	expect(vehicles.every((iot) => before.includes(iot))).toBe(true);
	const shorter = new PollHarness(battery(vehicles.slice(0, 1)), fx.credential);
	Object.assign(shorter.staticData, poll.staticData);
	await shorter.poll();
	const after = String(shorter.staticData.segwayPolledVehicles);
	expect(after).toContain(vehicles[0]);
	expect(vehicles.slice(1).some((iot) => after.includes(iot))).toBe(false);
});

describe('bad parameters are refused before any request', () => {
	test.each([
		['a code that is not 15 digits', { iotCodes: '861477038719116, 12345' }, /IoT Codes holds "12345": expected the 15-digit IoT IMEI/],
		['an empty list', { iotCodes: ' \n ' }, /IoT Codes is empty/],
		['too many vehicles', { iotCodes: Array.from({ length: 5001 }, (_, i) => String(861477000000000 + i)).join(',') }, /lists 5001 vehicles: expected at most 5000/],
		['a threshold that is no number', { iotCodes: '861477038719116', batteryThreshold: '={{ "abc" }}' }, /Battery Threshold \(%\) is "abc": expected a number from 1 to 100/],
		['a concurrency out of range', { iotCodes: '861477038719116', options: { concurrency: 0 } }, /Max Requests in Flight is 0: expected a whole number from 1 to 500/],
		['an unknown choice for vehicles that do not answer', { iotCodes: '861477038719116', unanswered: 'drop' }, /Vehicles That Do Not Answer is "drop": expected one of fail, everyPoll, onChange/],
	])('%s', async (_name, parameters, message) => {
		const poll = new PollHarness({ statusMode: 'batteryLow', ...parameters } as INodeParameters, fx.credential);
		await expect(poll.poll()).rejects.toMatchObject({ name: 'NodeOperationError', message: expect.stringMatching(message) });
		expect(fx.apiRequests()).toHaveLength(0);
	});
});
