/**
 * Segway's retry, and the per-vehicle memory: bounded, mirrored to static data (at once for what
 * must survive a restart, spread out for the rest), restored after a restart, and not lost when
 * pushes arrive concurrently.
 */
import { MIN_DEDUPE_WINDOW_MS, RecentPushes } from '../../nodes/SegwayFleetTrigger/dedupe';
import { ADOPT_AFTER_MS, MIN_PUSHES_BETWEEN_WRITES, STATIC_KEY } from '../../nodes/SegwayFleetTrigger/mirror';
import { VehicleRecords } from '../../nodes/SegwayFleetTrigger/vehicles';
import { decodeVehicles, emptyRecord, encodeVehicles, type VehicleRecord } from '../../nodes/shared/memory/codec';
import { NODE_NAME, TriggerHarness } from '../../harness/webhook';
import { alertPush, faultPush, formBody, IOT, post, postForm, SECRET, signed, statusPush, SUCCESS, rewindStatusClock } from './pushes';

let harness: TriggerHarness;

async function start(parameters: Record<string, unknown> = {}): Promise<void> {
	harness = new TriggerHarness({
		credential: { clientId: 'A20081', clientSecret: SECRET },
		parameters: parameters as never,
	});
	await harness.start();
}

afterEach(async () => {
	jest.restoreAllMocks();
	rewindStatusClock();
	await harness.stop();
});

/** The vehicles every shard of the stored mirror holds, merged. */
function storedVehicles(): Map<string, VehicleRecord> {
	const shards = (harness.storedStaticData[`node:${NODE_NAME}`] as Record<string, unknown> | undefined)?.[STATIC_KEY] as
		| Record<string, { vehicles: string }>
		| undefined;
	const merged = new Map<string, VehicleRecord>();
	for (const shard of Object.values(shards ?? {})) for (const [iotCode, record] of decodeVehicles(shard.vehicles)) merged.set(iotCode, record);
	return merged;
}

describe("Segway's retry", () => {
	test('the same push twice: both 200, one run; a different push runs', async () => {
		await start();
		const push = signed(alertPush());
		const first = await postForm(harness.urlFor('alert'), push);
		const retry = await postForm(harness.urlFor('alert'), push);
		expect([first.status, retry.status]).toEqual([200, 200]);
		expect(retry.json).toEqual(SUCCESS);
		expect(harness.executions).toHaveLength(1);

		await postForm(harness.urlFor('alert'), signed(alertPush({ code: '6' })));
		expect(harness.executions).toHaveLength(2);
	});

	test('a retry arriving while the first copy is still being handled starts nothing', async () => {
		await start();
		const body = formBody(signed(alertPush({ code: '3' })));
		const answers = await Promise.all([
			post(harness.urlFor('alert'), body),
			post(harness.urlFor('alert'), body),
			post(harness.urlFor('alert'), body),
		]);
		expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
		expect(harness.executions).toHaveLength(1);
	});

	test('a push refused on the wrong path still runs on its own', async () => {
		await start();
		const push = signed(faultPush());
		expect((await postForm(harness.urlFor('alert'), push)).status).toBe(422);
		expect((await postForm(harness.urlFor('fault'), push)).status).toBe(200);
		expect(harness.executions.map((e) => e.event)).toEqual(['fault']);
	});

	test('the retry memory is bounded in time and in size', () => {
		const recent = new RecentPushes(3);
		recent.remember('a', 1_000, 0);
		expect(recent.has('a', 999)).toBe(true);
		expect(recent.has('a', 1_000)).toBe(false);
		for (const key of ['b', 'c', 'd', 'e']) recent.remember(key, 2_000, 10);
		expect(recent.size).toBe(3);
		expect(recent.has('b', 10)).toBe(false);
		expect(recent.has('e', 10)).toBe(true);
		recent.remember('f', 9_000, 5_000);
		expect(recent.size).toBe(1);
		expect(MIN_DEDUPE_WINDOW_MS).toBeGreaterThan(5_000);
	});

	test('where a filter decided, the retry memory survives a restart: a resend after it starts nothing', async () => {
		for (const filter of [{ alertCodes: [2] }, { alertStatus: 'appearing' }]) {
			await start({ events: ['alert'], ...filter });
			const push = signed(alertPush({ code: '2' }));
			await postForm(harness.urlFor('alert'), push);
			expect(harness.staticDataWrites).toBe(1);
			harness.restartN8n();
			await postForm(harness.urlFor('alert'), push);
			expect(harness.executions).toHaveLength(1);
			await harness.stop();
		}
	});

	test('where every push of its kind starts a run, its retry memory waits for the spread-out writes', async () => {
		await start({ events: ['alert', 'fault', 'location', 'status'] });
		const pushes = MIN_PUSHES_BETWEEN_WRITES - 1;
		for (let i = 0; i < pushes; i++) await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: String(50 + (i % 40)) })));
		expect(harness.executions).toHaveLength(pushes);
		expect(harness.staticDataWrites).toBe(0);
		// Within the process a resend still starts nothing.
		const push = signed(alertPush({ code: '6' }));
		await postForm(harness.urlFor('alert'), push);
		await postForm(harness.urlFor('alert'), push);
		expect(harness.executions).toHaveLength(pushes + 1);
		// The spread-out write stores the retry memory: a resend after a restart starts nothing.
		expect(harness.staticDataWrites).toBe(1);
		harness.restartN8n();
		await postForm(harness.urlFor('alert'), push);
		expect(harness.executions).toHaveLength(pushes + 1);
	});
});

describe('static data mirror', () => {
	const battery = { events: ['status'], statusMode: 'batteryLow', batteryThreshold: 20 };

	test('a fire or a re-arm is written at once; pushes that only refresh a vehicle are written rarely', async () => {
		await start(battery);
		for (let i = 0; i < 20; i++) await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '80' })));
		expect(harness.staticDataWrites).toBe(0);

		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '15' })));
		expect(harness.staticDataWrites).toBe(1);
		expect(storedVehicles().get(IOT)).toMatchObject({ lowBattery: true });
		for (let i = 0; i < 20; i++) await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '14' })));
		expect(harness.staticDataWrites).toBe(1);

		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '90' })));
		expect(harness.staticDataWrites).toBe(2);
		expect(storedVehicles().get(IOT)).toMatchObject({ lowBattery: false });

		for (let i = 0; i < MIN_PUSHES_BETWEEN_WRITES; i++) await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '91' })));
		expect(harness.staticDataWrites).toBe(3);
	});

	test('after a restart the memory is restored from static data: no second low-battery run', async () => {
		await start(battery);
		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '15' })));
		expect(harness.executions).toHaveLength(1);

		harness.restartN8n(); // module memory is gone, the database is not
		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '12' })));
		expect(harness.executions).toHaveLength(1);
		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '30' })));
		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '10' })));
		expect(harness.executions).toHaveLength(2);
	});

	test('after a restart the last known states are restored: the next change fires', async () => {
		await start({ events: ['status'], statusMode: 'stateChange', emitFirstState: true });
		await postForm(harness.urlFor('status'), signed(statusPush({ locked: 'true' })));
		expect(storedVehicles().get(IOT)).toMatchObject({ states: '110' });
		harness.restartN8n();
		await postForm(harness.urlFor('status'), signed(statusPush({ locked: 'false' })));
		expect(harness.executions).toHaveLength(2);
		expect(harness.executions[1].items[0].json.changes).toEqual({ locked: { from: true, to: false } });
	});

	test("a restarted process reads the earlier process's part as it goes, and takes it over once that part is old", async () => {
		await start(battery);
		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '15' })));
		const mirror = () => (harness.storedStaticData[`node:${NODE_NAME}`] as Record<string, Record<string, { at: number }>>)[STATIC_KEY];
		const [first] = Object.keys(mirror());
		harness.restartN8n();
		// The earlier process's part stays: in a cluster its process may well be alive.
		await postForm(harness.urlFor('status'), signed(statusPush({ iotCode: '861123456700009', powerPercent: '5' })));
		expect(Object.keys(mirror())).toHaveLength(2);
		// Its vehicle is read from it: still low, so no second run.
		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '12' })));
		expect(harness.executions).toHaveLength(2);

		// Not written for longer than ADOPT_AFTER_MS: its process is gone, its vehicles move here.
		const real = Date.now.bind(Date);
		jest.spyOn(Date, 'now').mockImplementation(() => real() + ADOPT_AFTER_MS + 1000);
		for (let i = 0; i < MIN_PUSHES_BETWEEN_WRITES; i++) {
			await postForm(harness.urlFor('status'), signed(statusPush({ iotCode: '861123456700009', powerPercent: String(5 + (i % 2)) })));
		}
		expect(Object.keys(mirror())).toHaveLength(1);
		expect(Object.keys(mirror())[0]).not.toBe(first);
		expect([...storedVehicles().keys()].sort()).toEqual(['861123456700009', IOT]);
		expect(storedVehicles().get(IOT)).toMatchObject({ lowBattery: true });
	});

	test('concurrent pushes lose no state (each request starts from the stored copy)', async () => {
		await start(battery);
		const vehicles = Array.from({ length: 60 }, (_, i) => `8611234567${String(i).padStart(5, '0')}`);
		const answers = await Promise.all(
			vehicles.map(async (iotCode) => await postForm(harness.urlFor('status'), signed(statusPush({ iotCode, powerPercent: '10' })))),
		);
		expect(answers.every((a) => a.status === 200)).toBe(true);
		expect(harness.executions).toHaveLength(60);
		expect([...storedVehicles()].filter(([, r]) => r.lowBattery).map(([iotCode]) => iotCode).sort()).toEqual([...vehicles].sort());

		harness.restartN8n();
		await Promise.all(
			vehicles.map(async (iotCode) => await postForm(harness.urlFor('status'), signed(statusPush({ iotCode, powerPercent: '9' })))),
		);
		expect(harness.executions).toHaveLength(60);
	});

	test('what the first version stored is taken over; corrupt stored data is ignored rather than trusted', async () => {
		await start(battery);
		harness.storedStaticData = {
			[`node:${NODE_NAME}`]: { lowBattery: { [IOT]: 1, '861123456700002': 'yes', other: 1 }, lastStates: [1, 2] },
		};
		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '10' })));
		await postForm(harness.urlFor('status'), signed(statusPush({ iotCode: '861123456700002', powerPercent: '10' })));
		expect(harness.executions.map((e) => e.items[0].json.iotCode)).toEqual(['861123456700002']);
		expect(harness.storedStaticData[`node:${NODE_NAME}`]).not.toHaveProperty('lowBattery');

		harness.storedStaticData = {
			[`node:${NODE_NAME}`]: { [STATIC_KEY]: { x: { at: 1, vehicles: 'iotCode,lowBattery\n12345,1\n861123456700003,1\n\n,,,', recent: 42 } } },
		};
		harness.restartN8n();
		await postForm(harness.urlFor('status'), signed(statusPush({ iotCode: '861123456700003', powerPercent: '10' })));
		await postForm(harness.urlFor('status'), signed(statusPush({ iotCode: '861123456700004', powerPercent: '10' })));
		expect(harness.executions.map((e) => e.items[0].json.iotCode)).toEqual(['861123456700002', '861123456700004']);
	});

	test('test pushes (manual mode) neither share memory with the active workflow nor write it', async () => {
		await start(battery);
		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '10' })));
		const stored = harness.storedStaticData;
		await harness.stop();
		harness = new TriggerHarness({
			credential: { clientId: 'A20081', clientSecret: SECRET },
			parameters: battery as never,
			mode: 'manual',
		});
		harness.storedStaticData = stored;
		await harness.start();
		await postForm(harness.urlFor('status'), signed(statusPush({ iotCode: '861123456700005', powerPercent: '10' })));
		expect(harness.executions).toHaveLength(1);
		expect(harness.staticDataWrites).toBe(0);
	});
});

describe('the vehicle memory', () => {
	test('is bounded and drops the vehicle seen longest ago, in constant time', () => {
		const records = new VehicleRecords(2);
		records.put('a', { ...emptyRecord(), lowBattery: true });
		records.put('b', emptyRecord());
		records.put('a', records.get('a')!);
		records.put('c', emptyRecord());
		expect([...records.entries()].map(([iotCode]) => iotCode)).toEqual(['a', 'c']);
		expect(records.get('a')?.lowBattery).toBe(true);
		expect(records.size).toBe(2);
	});
});

describe('the stored text of the vehicle memory', () => {
	const fired: VehicleRecord = { seenAt: 1_795_000_000_123, lowBattery: true, states: '110', statusAt: 1_795_000_000_000 };

	test('round-trips a record, with the change time to the millisecond', () => {
		const text = encodeVehicles([['861123456700001', fired]]);
		expect(text.split('\n')[0]).toBe('iotCode,seenAtMs,lowBattery,states,statusAt,fixLat,fixLon,fixAt,fixSats,fixHdop,fixInvalidAt,lock,lockAt,lockLat,lockLon,lockFixAt,zoneDoc,zoneAt,zoneIn,zoneFired,heardAt,silent,heardStates,heardPower,heardStatusAt');
		expect(decodeVehicles(text).get('861123456700001')).toEqual(fired);
	});

	test('reads what the previous version wrote (change time in seconds)', () => {
		const text = 'iotCode,seenAt,lowBattery,states,statusAt\n861123456700001,1795000000,1,110,1795000000';
		expect(decodeVehicles(text).get('861123456700001')).toEqual({ ...fired, seenAt: 1_795_000_000_000 });
	});

	test('puts the vehicles that must not fire twice first when it has to leave some out', () => {
		const calm = (i: number): [string, VehicleRecord] => [`86112345670${String(i).padStart(4, '0')}`, { seenAt: i, lowBattery: false, states: undefined, statusAt: 0 }];
		const records = [['861123456799999', fired] as [string, VehicleRecord], ...Array.from({ length: 100 }, (_, i) => calm(i))];
		const kept = decodeVehicles(encodeVehicles(records, 300));
		expect(kept.has('861123456799999')).toBe(true);
		expect(kept.size).toBeLessThan(10);
	});
});
