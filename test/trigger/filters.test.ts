/** Filters decided in the webhook: a dropped push is answered 200 and starts nothing. */
import { TriggerHarness } from '../../harness/webhook';
import {
	alertPush,
	faultPush,
	IOT,
	nowSeconds,
	locationPush,
	postForm,
	SECRET,
	signed,
	statusPush,
	SUCCESS,
	type Params,
} from './pushes';

const A = '861123456700001';
const B = '861123456700002';

let harness: TriggerHarness;

async function start(parameters: Record<string, unknown>): Promise<void> {
	harness = new TriggerHarness({
		credential: { clientId: 'A20081', clientSecret: SECRET },
		parameters: parameters as never,
	});
	await harness.start();
}

async function push(event: string, params: Params): Promise<void> {
	const answer = await postForm(harness.urlFor(event), signed(params));
	expect(answer.status).toBe(200);
	expect(answer.json).toEqual(SUCCESS);
}

afterEach(async () => await harness.stop());

describe('events', () => {
	test('a verified push of an event not selected is answered 200 and starts nothing', async () => {
		await start({ events: ['alert'] });
		await push('status', statusPush());
		await push('location', locationPush());
		await push('fault', faultPush());
		expect(harness.executions).toHaveLength(0);
		await push('alert', alertPush());
		expect(harness.executions.map((e) => e.event)).toEqual(['alert']);
	});

	test('an unselected event with a wrong signature is still refused', async () => {
		await start({ events: ['alert'] });
		const answer = await postForm(harness.urlFor('status'), signed(statusPush(), 'nope'));
		expect(answer.status).toBe(401);
	});
});

describe('alert and fault codes', () => {
	test('only the selected alert codes start a run', async () => {
		await start({ events: ['alert'], alertCodes: [3, 6] });
		for (const code of ['1', '2', '3', '4', '6']) await push('alert', alertPush({ code }));
		expect(harness.executions.map((e) => e.items[0].json.code)).toEqual([3, 6]);
	});

	test('alert status: appeared only', async () => {
		await start({ events: ['alert'], alertStatus: 'appearing' });
		await push('alert', alertPush({ alertStatus: '1' }));
		await push('alert', alertPush({ alertStatus: '0' }));
		expect(harness.executions).toHaveLength(1);
		expect(harness.executions[0].items[0].json).toMatchObject({ appeared: true, alertName: 'illegalMoving' });
	});

	test('only the selected fault codes start a run; none selected means all, unknown codes too', async () => {
		await start({ events: ['fault'], faultCodes: [19, 21] });
		for (const code of ['19', '20', '21', '99']) await push('fault', faultPush({ code }));
		expect(harness.executions.map((e) => e.items[0].json.code)).toEqual([19, 21]);

		harness.setParameters({ events: ['fault'] });
		// Another push (another time), so not taken for Segway's resend of the first 99.
		await push('fault', faultPush({ code: '99', statusUtcTime: nowSeconds(1) }));
		expect(harness.executions).toHaveLength(3);
	});

	test('fault status: disappeared only', async () => {
		await start({ events: ['fault'], faultStatus: 'disappeared' });
		await push('fault', faultPush({ faultStatus: '0' }));
		await push('fault', faultPush({ faultStatus: '1' }));
		expect(harness.executions.map((e) => e.items[0].json.appeared)).toEqual([false]);
	});
});

describe('battery falls below', () => {
	const battery = { events: ['status'], statusMode: 'batteryLow', batteryThreshold: 20 };

	test('30,25,19,15,12,25,30,18 with threshold 20 (re-arm at 25) fires exactly twice', async () => {
		await start(battery);
		for (const percent of [30, 25, 19, 15, 12, 25, 30, 18]) {
			await push('status', statusPush({ powerPercent: String(percent) }));
		}
		expect(harness.executions.map((e) => e.items[0].json.powerPercent)).toEqual([19, 18]);
		expect(harness.executions[0].items[0].json).toMatchObject({
			event: 'status',
			batteryThreshold: 20,
			batteryRearmAt: 25,
		});
	});

	test('a battery hovering around the threshold fires once until it re-arms', async () => {
		await start(battery);
		for (const percent of [19, 20, 19, 21, 19, 24, 18]) {
			await push('status', statusPush({ powerPercent: String(percent) }));
		}
		expect(harness.executions).toHaveLength(1);
		await push('status', statusPush({ powerPercent: '25' }));
		await push('status', statusPush({ powerPercent: '17' }));
		expect(harness.executions.map((e) => e.items[0].json.powerPercent)).toEqual([19, 17]);
	});

	test('the re-arm margin is configurable, 0 re-arms at the threshold itself', async () => {
		await start({ ...battery, batteryRearmMargin: 0 });
		for (const percent of [19, 20, 19]) await push('status', statusPush({ powerPercent: String(percent) }));
		expect(harness.executions).toHaveLength(2);
	});

	test('vehicles are tracked separately; a first push already low fires', async () => {
		await start(battery);
		await push('status', statusPush({ iotCode: A, powerPercent: '15' }));
		await push('status', statusPush({ iotCode: B, powerPercent: '50' }));
		await push('status', statusPush({ iotCode: B, powerPercent: '10' }));
		await push('status', statusPush({ iotCode: A, powerPercent: '12' }));
		expect(harness.executions.map((e) => e.items[0].json.iotCode)).toEqual([A, B]);
	});

	test('a push without a usable powerPercent never fires', async () => {
		await start(battery);
		await push('status', statusPush({ powerPercent: '' }));
		// Not a number at all: the push is refused as malformed (422) and starts nothing.
		expect((await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: 'n/a' })))).status).toBe(422);
		expect(harness.executions).toHaveLength(0);
	});
});

describe('online / locked / charging changes', () => {
	const changes = { events: ['status'], statusMode: 'stateChange' };

	test('the first push of a vehicle only records it; later changes fire with what changed', async () => {
		await start(changes);
		await push('status', statusPush({ locked: 'true' }));
		await push('status', statusPush({ locked: 'true', powerPercent: '70' }));
		expect(harness.executions).toHaveLength(0);
		await push('status', statusPush({ locked: 'false' }));
		await push('status', statusPush({ locked: 'false', speed: '20' }));
		await push('status', statusPush({ locked: 'false', charging: 'true' }));
		expect(harness.executions).toHaveLength(2);
		expect(harness.executions[0].items[0].json).toMatchObject({
			locked: false,
			changes: { locked: { from: true, to: false } },
			firstSeen: false,
		});
		expect(harness.executions[1].items[0].json.changes).toEqual({ charging: { from: false, to: true } });
	});

	test('with "fire on first push" the first push of each vehicle fires', async () => {
		await start({ ...changes, emitFirstState: true });
		await push('status', statusPush({ iotCode: A }));
		await push('status', statusPush({ iotCode: B }));
		await push('status', statusPush({ iotCode: A }));
		expect(harness.executions.map((e) => e.items[0].json.firstSeen)).toEqual([true, true]);
	});

	test('only watched states fire; unwatched changes are still remembered', async () => {
		await start({ ...changes, watchedStates: ['online'] });
		await push('status', statusPush());
		await push('status', statusPush({ locked: 'true' }));
		await push('status', statusPush({ charging: 'true', locked: 'true' }));
		expect(harness.executions).toHaveLength(0);
		await push('status', statusPush({ online: 'false', charging: 'true', locked: 'true' }));
		expect(harness.executions).toHaveLength(1);
		expect(harness.executions[0].items[0].json.changes).toEqual({ online: { from: true, to: false } });
	});

	test('a state missing from a push keeps its last value', async () => {
		await start(changes);
		await push('status', statusPush({ iotCode: IOT }));
		const { locked: _locked, ...withoutLocked } = statusPush();
		await push('status', withoutLocked);
		expect(harness.executions).toHaveLength(0);
	});
});

describe('filters leave other events alone', () => {
	test('the status mode does not filter alerts or locations', async () => {
		await start({ statusMode: 'batteryLow', batteryThreshold: 20 });
		await push('location', locationPush());
		await push('alert', alertPush());
		await push('status', statusPush({ powerPercent: '90' }));
		expect(harness.executions.map((e) => e.event)).toEqual(['location', 'alert']);
	});
});
