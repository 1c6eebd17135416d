/**
 * Where the vehicle is, through n8n-core's webhook path: alert, fault and battery items carry the
 * vehicle's last valid fix from its location pushes (also when those start nothing), never a
 * made-up one; the position survives a restart without a write per location push; and a locked
 * vehicle carried further than the set distance starts one run, not one per GPS wobble.
 */
import { STATIC_KEY } from '../../nodes/SegwayFleetTrigger/mirror';
import { decodeVehicles, encodeVehicles, MIRROR_CHARS, type VehicleRecord } from '../../nodes/shared/memory/codec';
import { distanceMetres, mapUrl } from '../../nodes/shared/rules/position';
import { NODE_NAME, TriggerHarness } from '../../harness/webhook';
import { alertPush, faultPush, IOT, locationPush, nowSeconds, postForm, rewindStatusClock, SECRET, signed, statusPush, SUCCESS } from './pushes';

let harness: TriggerHarness;
let processes: TriggerHarness[] = [];

async function start(parameters: Record<string, unknown>, sameWorkflowAs?: TriggerHarness): Promise<TriggerHarness> {
	const h = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters: parameters as never, sameWorkflowAs });
	await h.start();
	processes.push(h);
	return h;
}

afterEach(async () => {
	jest.restoreAllMocks();
	rewindStatusClock();
	for (const p of processes) await p.stop();
	processes = [];
});

/** Where the tests park: 0.001° of latitude is ≈ 111 m. */
const HOME = { latitude: 52.52, longitude: 13.405 };
/** Alerts where a filter decides, so that a run is written to the mirror at once (memory.test.ts). */
const ALERTS_FILTERED = { events: ['alert'], alertStatus: 'appearing' };
/** Six decimals (≈ 0.1 m), as the mirror keeps them. */
const north = (metres: number) => (HOME.latitude + metres / 111_195).toFixed(6);

const at = (h: TriggerHarness, event: string, params: Record<string, string>) => postForm(h.urlFor(event), signed(params));
const fix = (h: TriggerHarness, secondsAgo: number, latitude = String(HOME.latitude), overrides: Record<string, string> = {}) =>
	at(h, 'location', locationPush({ latitude, longitude: String(HOME.longitude), gpsUtcTime: nowSeconds(-secondsAgo), ...overrides }));
const lastItem = (h: TriggerHarness) => h.executions[h.executions.length - 1].items[0].json;

describe('lastLocation on alert, fault and status items', () => {
	test('an alert carries the last location push, though location pushes start nothing', async () => {
		harness = await start({ events: ['alert', 'fault'] });
		expect(await fix(harness, 30, '52.5201', { satelliteNumber: '11', hdop: '0.9' })).toMatchObject({ status: 200, json: SUCCESS });
		expect(harness.executions).toHaveLength(0);

		await at(harness, 'alert', alertPush({ code: '1' }));
		const { lastLocation } = lastItem(harness) as { lastLocation: Record<string, unknown> };
		expect(lastLocation).toEqual({
			latitude: 52.5201,
			longitude: 13.405,
			at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
			ageSeconds: expect.any(Number),
			valid: true,
			satellites: 11,
			hdop: 0.9,
			mapUrl: 'https://www.openstreetmap.org/?mlat=52.5201&mlon=13.405#map=18/52.5201/13.405',
		});
		expect(lastLocation.ageSeconds).toBeGreaterThanOrEqual(29);
		expect(lastLocation.ageSeconds).toBeLessThan(120);

		await at(harness, 'fault', faultPush({ code: '32' }));
		expect(lastItem(harness)).toMatchObject({ event: 'fault', lastLocation: { latitude: 52.5201, valid: true } });
	});

	test('a battery crossing carries it; another vehicle has none yet: null, never a made-up position', async () => {
		harness = await start({ events: ['status'], statusMode: 'batteryLow', batteryThreshold: 20 });
		await fix(harness, 20);
		await at(harness, 'status', statusPush({ powerPercent: '15' }));
		expect(lastItem(harness)).toMatchObject({ event: 'status', powerPercent: 15, batteryThreshold: 20, lastLocation: { latitude: HOME.latitude, longitude: HOME.longitude } });

		await at(harness, 'status', statusPush({ iotCode: '861123456700077', powerPercent: '10' }));
		expect(lastItem(harness)).toMatchObject({ iotCode: '861123456700077', lastLocation: null });
	});

	test('an invalid fix is never the position: alone it gives null, after a valid one it marks that one not valid', async () => {
		harness = await start({ events: ['alert'] });
		await fix(harness, 50, '0', { locationStatus: 'invalid', longitude: '0' });
		await at(harness, 'alert', alertPush({ code: '6' }));
		expect(lastItem(harness).lastLocation).toBeNull();

		await fix(harness, 40);
		await fix(harness, 30, '0', { locationStatus: 'invalid', longitude: '0' });
		await at(harness, 'alert', alertPush({ code: '2' }));
		expect(lastItem(harness).lastLocation).toMatchObject({ latitude: HOME.latitude, longitude: HOME.longitude, valid: false });

		// A new valid fix is the position again.
		await fix(harness, 20, north(50));
		await at(harness, 'alert', alertPush({ code: '3' }));
		expect(lastItem(harness).lastLocation).toMatchObject({ latitude: Number(north(50)), valid: true });
	});

	test('an older fix (a late resend), a stale one (a replay) or a forged one changes nothing', async () => {
		harness = await start({ events: ['alert'] });
		await fix(harness, 10);
		await fix(harness, 60, north(1000)); // older than the remembered fix
		await fix(harness, 400, north(2000)); // beyond the maximum push age
		await postForm(harness.urlFor('location'), { ...signed(locationPush({ latitude: north(3000), gpsUtcTime: nowSeconds() })), latitude: north(4000) });
		await at(harness, 'alert', alertPush());
		expect(lastItem(harness).lastLocation).toMatchObject({ latitude: HOME.latitude });
	});

	test('with the option off, items have no lastLocation', async () => {
		harness = await start({ events: ['alert'], options: { lastLocation: false } });
		await fix(harness, 10);
		await at(harness, 'alert', alertPush());
		expect(lastItem(harness)).not.toHaveProperty('lastLocation');
	});

	test('location pushes every 10 s do not write static data each; the position survives a restart with the next write', async () => {
		harness = await start(ALERTS_FILTERED);
		for (let i = 0; i < 30; i++) await fix(harness, 60 - i, north(i * 10));
		expect(harness.staticDataWrites).toBe(0);

		await at(harness, 'alert', alertPush({ code: '1' })); // a run: written at once, with the position
		expect(harness.staticDataWrites).toBe(1);
		harness.restartN8n();
		await at(harness, 'alert', alertPush({ code: '6' }));
		expect(lastItem(harness).lastLocation).toMatchObject({ latitude: Number(north(290)), longitude: HOME.longitude, valid: true });
	});

	test('another process of the cluster knows the position from its part of the mirror', async () => {
		const a = await start(ALERTS_FILTERED);
		const b = await start(ALERTS_FILTERED, a);
		await fix(a, 20, north(5));
		await at(a, 'alert', alertPush({ code: '1' })); // A writes its part
		await at(b, 'alert', alertPush({ code: '6' }));
		expect(lastItem(b).lastLocation).toMatchObject({ latitude: Number(north(5)) });
	});
});

describe('moved while locked', () => {
	const watch = { events: ['location'], locationMode: 'movedWhileLocked', movedDistance: 100 };
	const lock = (h: TriggerHarness, locked: boolean) => at(h, 'status', statusPush({ locked: String(locked) }));

	test('fires once when a locked vehicle is carried further than the distance, not on GPS jitter', async () => {
		harness = await start(watch);
		await fix(harness, 55); // last fix of the ride
		await lock(harness, true); // status pushes only tell the lock state: they start nothing
		await fix(harness, 50, north(30)); // jitter
		await fix(harness, 45, north(-60));
		expect(harness.executions).toHaveLength(0);

		await fix(harness, 40, north(500)); // on a van
		await fix(harness, 35, north(900));
		await fix(harness, 30, north(1500));
		expect(harness.executions).toHaveLength(1);
		const item = lastItem(harness);
		expect(item).toMatchObject({ event: 'location', latitude: Number(north(500)) });
		expect(item.movedWhileLocked).toEqual({
			lockedAt: { latitude: HOME.latitude, longitude: HOME.longitude, at: expect.any(String), mapUrl: mapUrl(HOME.latitude, HOME.longitude) },
			now: { latitude: Number(north(500)), longitude: HOME.longitude, at: expect.any(String), mapUrl: mapUrl(Number(north(500)), HOME.longitude) },
			distanceMetres: 500,
			limitMetres: 100,
			lockedSince: expect.any(String),
		});
	});

	test('re-arms when unlocked (the next lock is the new place) and when brought back', async () => {
		harness = await start(watch);
		await fix(harness, 58);
		await lock(harness, true);
		await fix(harness, 56, north(300));
		expect(harness.executions).toHaveLength(1);

		// Brought back within half the distance: the next movement fires again.
		await fix(harness, 54, north(40));
		await fix(harness, 52, north(400));
		expect(harness.executions).toHaveLength(2);

		// Unlocked, ridden, locked 400 m north: that is where it stays now.
		await lock(harness, false);
		await fix(harness, 50, north(400));
		await lock(harness, true);
		await fix(harness, 48, north(420));
		expect(harness.executions).toHaveLength(2);
		await fix(harness, 46, north(0));
		expect(harness.executions).toHaveLength(3);
		expect(lastItem(harness).movedWhileLocked).toMatchObject({ lockedAt: { latitude: Number(north(400)) }, distanceMetres: 400 });
	});

	test('an unlocked vehicle, or one whose lock is not known, never fires', async () => {
		harness = await start(watch);
		await fix(harness, 50);
		await fix(harness, 40, north(1000));
		await lock(harness, false);
		await fix(harness, 30, north(3000));
		expect(harness.executions).toHaveLength(0);
	});

	test('a vehicle locked without a recent fix is watched from its first fix after the lock', async () => {
		harness = await start(watch);
		await lock(harness, true);
		await fix(harness, 40, north(0));
		await fix(harness, 30, north(50));
		expect(harness.executions).toHaveLength(0);
		await fix(harness, 20, north(250));
		expect(lastItem(harness).movedWhileLocked).toMatchObject({ distanceMetres: 250 });
	});

	test('where it was locked, and that it fired, survive a restart', async () => {
		harness = await start(watch);
		await fix(harness, 58);
		await lock(harness, false);
		await lock(harness, true); // a lock is written at once
		harness.restartN8n();
		await fix(harness, 50, north(200));
		expect(harness.executions).toHaveLength(1);
		harness.restartN8n();
		await fix(harness, 40, north(500));
		expect(harness.executions).toHaveLength(1);
	});

	test('every push, as before, when the mode is All', async () => {
		harness = await start({ events: ['location'] });
		await fix(harness, 50);
		await fix(harness, 40);
		expect(harness.executions).toHaveLength(2);
	});

	test('a distance out of range fails naming the parameter, the value and the range', async () => {
		harness = await start({ ...watch, movedDistance: 5 });
		const answer = await fix(harness, 10);
		expect(answer.status).toBe(500);
		expect(harness.loggedErrors.join('\n')).toContain('Moved Distance (Metres) is 5: expected a number from 20 to 100000');
	});
});

describe('the memory of positions', () => {
	const record = (i: number, fired = false): [string, VehicleRecord] => [
		`86112345${String(i).padStart(7, '0')}`,
		{
			seenAt: 1_795_000_000_000 + i,
			lowBattery: false,
			states: undefined,
			statusAt: 0,
			fix: { latitude: 52.123456, longitude: 13.654321, at: 1_795_000_000_000, satellites: 9, hdop: 0.8 },
			lock: { locked: true, at: 1_795_000_000_000, fired, anchor: { latitude: 52.1, longitude: 13.6, at: 1_794_999_990_000 } },
		},
	];

	test('round-trips through the mirror text', () => {
		const [iotCode, r] = record(1, true);
		expect(decodeVehicles(encodeVehicles([[iotCode, r]])).get(iotCode)).toEqual(r);
	});

	test('the mirror stays within its bound, keeping the vehicles that fired for a movement first', () => {
		const records = [record(0, true), ...Array.from({ length: 10_000 }, (_, i) => record(i + 1))];
		const text = encodeVehicles(records, MIRROR_CHARS);
		expect(text.length).toBeLessThanOrEqual(MIRROR_CHARS);
		const kept = decodeVehicles(text);
		expect(kept.has(record(0)[0])).toBe(true);
		expect(kept.size).toBeGreaterThan(2_000);
		expect(kept.size).toBeLessThan(10_000);
	});

	test('haversine distance: 0.001° of latitude is 111 m', () => {
		expect(Math.round(distanceMetres({ latitude: 52, longitude: 13, at: 0 }, { latitude: 52.001, longitude: 13, at: 0 }))).toBe(111);
	});
});

test('the stored part holds the position in its columns', async () => {
	harness = await start(ALERTS_FILTERED);
	await fix(harness, 10);
	await at(harness, 'alert', alertPush());
	const shards = (harness.storedStaticData[`node:${NODE_NAME}`] as Record<string, Record<string, { vehicles: string }>>)[STATIC_KEY];
	const [part] = Object.values(shards);
	expect(decodeVehicles(part.vehicles).get(IOT)?.fix).toMatchObject({ latitude: HOME.latitude, longitude: HOME.longitude });
});
