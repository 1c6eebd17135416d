/**
 * Segway's retry, and the per-vehicle memory: persisted to static data on changes only,
 * restored after a restart, and not lost when pushes arrive concurrently.
 */
import { DEDUPE_WINDOW_MS, RecentPushes } from '../../nodes/SegwayFleetTrigger/dedupe';
import { VehicleTable } from '../../nodes/SegwayFleetTrigger/vehicleMemory';
import { NODE_NAME, TriggerHarness } from '../../harness/webhook';
import {
	alertPush,
	formBody,
	post,
	postForm,
	SECRET,
	signed,
	statusPush,
	SUCCESS,
} from './pushes';

let harness: TriggerHarness;

async function start(parameters: Record<string, unknown> = {}): Promise<void> {
	harness = new TriggerHarness({
		credential: { clientId: 'A20081', clientSecret: SECRET },
		parameters: parameters as never,
	});
	await harness.start();
}

afterEach(async () => await harness.stop());

describe("Segway's retry", () => {
	test('the same push twice: both 200, one run; a different push runs', async () => {
		await start();
		const push = signed(alertPush());
		const first = await postForm(harness.urlFor('alert'), push);
		const retry = await postForm(harness.urlFor('alert'), push);
		expect([first.status, retry.status]).toEqual([200, 200]);
		expect(retry.json).toEqual(SUCCESS);
		expect(harness.executions).toHaveLength(1);

		await postForm(harness.urlFor('alert'), signed(alertPush({ statusUtcTime: '1700000005000' })));
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

	test('the same fields on another path are another push', async () => {
		await start();
		const push = signed(alertPush());
		await postForm(harness.urlFor('alert'), push);
		await postForm(harness.urlFor('fault'), push);
		expect(harness.executions.map((e) => e.event)).toEqual(['alert', 'fault']);
	});

	test('the retry memory is bounded in time and in size', () => {
		const recent = new RecentPushes(1_000, 3);
		recent.remember('a', 0);
		expect(recent.has('a', 999)).toBe(true);
		expect(recent.has('a', 1_000)).toBe(false);
		for (const key of ['b', 'c', 'd', 'e']) recent.remember(key, 10);
		expect(recent.size).toBe(3);
		expect(recent.has('b', 10)).toBe(false);
		expect(recent.has('e', 10)).toBe(true);
		recent.remember('f', 5_000);
		expect(recent.size).toBe(1);
		expect(DEDUPE_WINDOW_MS).toBeGreaterThan(5_000);
	});
});

describe('static data persistence', () => {
	const battery = { events: ['status'], statusMode: 'batteryLow', batteryThreshold: 20 };

	test('state changes are mirrored to static data; pushes that change nothing write nothing', async () => {
		await start(battery);
		for (let i = 0; i < 20; i++) await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '80' })));
		expect(harness.staticDataWrites).toBe(0);

		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '15' })));
		expect(harness.staticDataWrites).toBe(1);
		expect(harness.storedStaticData[`node:${NODE_NAME}`]).toMatchObject({
			lowBattery: { '861123456789012': 1 },
		});
		for (let i = 0; i < 20; i++) await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '14' })));
		expect(harness.staticDataWrites).toBe(1);

		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '90' })));
		expect(harness.staticDataWrites).toBe(2);
		expect(harness.storedStaticData[`node:${NODE_NAME}`]).toMatchObject({ lowBattery: {} });
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
		await start({ events: ['status'], statusMode: 'stateChange' });
		await postForm(harness.urlFor('status'), signed(statusPush({ locked: 'true' })));
		expect(harness.storedStaticData[`node:${NODE_NAME}`]).toMatchObject({
			lastStates: { '861123456789012': '110' },
		});
		harness.restartN8n();
		await postForm(harness.urlFor('status'), signed(statusPush({ locked: 'false' })));
		expect(harness.executions).toHaveLength(1);
		expect(harness.executions[0].items[0].json.changes).toEqual({ locked: { from: true, to: false } });
	});

	test('concurrent pushes lose no state (each request starts from the stored copy)', async () => {
		await start(battery);
		const vehicles = Array.from({ length: 60 }, (_, i) => `8611234567${String(i).padStart(5, '0')}`);
		const answers = await Promise.all(
			vehicles.map(async (iotCode) =>
				await postForm(harness.urlFor('status'), signed(statusPush({ iotCode, powerPercent: '10' }))),
			),
		);
		expect(answers.every((a) => a.status === 200)).toBe(true);
		expect(harness.executions).toHaveLength(60);
		const stored = harness.storedStaticData[`node:${NODE_NAME}`] as { lowBattery: Record<string, number> };
		expect(Object.keys(stored.lowBattery).sort()).toEqual([...vehicles].sort());

		harness.restartN8n();
		await Promise.all(
			vehicles.map(async (iotCode) =>
				await postForm(harness.urlFor('status'), signed(statusPush({ iotCode, powerPercent: '9' }))),
			),
		);
		expect(harness.executions).toHaveLength(60);
	});

	test('corrupt stored data is ignored rather than trusted', async () => {
		await start(battery);
		harness.storedStaticData = {
			[`node:${NODE_NAME}`]: { lowBattery: { '861123456789012': 'yes', other: 1 }, lastStates: [1, 2] },
		};
		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '10' })));
		expect(harness.executions).toHaveLength(1);
	});

	test('test pushes (manual mode) do not share memory with the active workflow', async () => {
		await start(battery);
		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '10' })));
		await harness.stop();
		harness = new TriggerHarness({
			credential: { clientId: 'A20081', clientSecret: SECRET },
			parameters: battery as never,
			mode: 'manual',
		});
		await harness.start();
		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '10' })));
		expect(harness.executions).toHaveLength(1);
	});

	test('the vehicle table is bounded and drops the vehicle added longest ago', () => {
		const table = new VehicleTable<number>(2);
		table.set('a', 1);
		table.set('b', 1);
		table.set('a', 1);
		table.set('c', 1);
		expect(Object.keys(table.data)).toEqual(['b', 'c']);
		expect(table.count).toBe(2);
		table.delete('b');
		expect(table.count).toBe(1);
	});
});
