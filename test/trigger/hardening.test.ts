/**
 * The trigger's URL is on the internet: each way a captured, re-shaped or junk push could make
 * it start a run it should not, or cost n8n more than a push should, is refused here.
 */
import { computeSignature } from '../../api/catalog/signature';
import { MAX_FIELDS } from '../../nodes/SegwayFleetTrigger/body';
import { decodeRecent } from '../../nodes/SegwayFleetTrigger/dedupe';
import { STATIC_KEY } from '../../nodes/SegwayFleetTrigger/mirror';
import { NODE_NAME, TriggerHarness } from '../../harness/webhook';
import {
	alertPush,
	faultPush,
	locationPush,
	nowSeconds,
	post,
	postForm,
	SECRET,
	signed,
	statusPush,
	SUCCESS,
	type Params,
} from './pushes';

let harness: TriggerHarness;

async function start(parameters: Record<string, unknown> = {}): Promise<void> {
	harness = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters: parameters as never });
	await harness.start();
}

afterEach(async () => await harness.stop());

const runs = () => harness.executions.length;

describe('replays: a push carries its own time, and only recent ones start anything', () => {
	test('a push older than the maximum age (300 s by default) is answered with success and starts nothing', async () => {
		await start();
		const old = await postForm(harness.urlFor('alert'), signed(alertPush({ statusUtcTime: nowSeconds(-301) })));
		expect(old.status).toBe(200);
		expect(old.json).toEqual(SUCCESS);
		expect((await postForm(harness.urlFor('status'), signed(statusPush({ statusUtcTime: String(Date.now() - 301_000) })))).status).toBe(200);
		expect((await postForm(harness.urlFor('location'), signed(locationPush({ gpsUtcTime: nowSeconds(-3600) })))).status).toBe(200);
		expect(runs()).toBe(0);
		expect(harness.loggedWarnings.join('\n')).toMatch(/s old \(maximum 300 s\) and starts nothing/);
		await postForm(harness.urlFor('alert'), signed(alertPush({ statusUtcTime: nowSeconds(-290) })));
		expect(runs()).toBe(1);
	});

	test('a push dated further ahead than the clock skew allowance (60 s) starts nothing', async () => {
		await start();
		await postForm(harness.urlFor('fault'), signed(faultPush({ statusUtcTime: nowSeconds(120) })));
		expect(runs()).toBe(0);
		await postForm(harness.urlFor('fault'), signed(faultPush({ statusUtcTime: nowSeconds(30) })));
		expect(runs()).toBe(1);
	});

	test('both bounds are settable, as numbers given as text too, and 0 turns a check off', async () => {
		await start({ options: { maxPushAge: '10', clockSkew: 0 } });
		await postForm(harness.urlFor('alert'), signed(alertPush({ statusUtcTime: nowSeconds(-20) })));
		expect(runs()).toBe(0);
		await postForm(harness.urlFor('alert'), signed(alertPush({ statusUtcTime: nowSeconds(3600) })));
		expect(runs()).toBe(1);
		harness.setParameters({ options: { maxPushAge: 0 } });
		await postForm(harness.urlFor('alert'), signed(alertPush({ statusUtcTime: '1591067719' })));
		expect(runs()).toBe(2);
	});

	test('a push that ran is remembered for as long as it could be replayed, not just for Segway\'s resend', async () => {
		// A filter decided the run, so its entry is written at once (memory.test.ts: every-push runs wait).
		await start({ alertStatus: 'appearing' });
		const before = Date.now();
		await postForm(harness.urlFor('alert'), signed(alertPush()));
		const node = harness.storedStaticData[`node:${NODE_NAME}`] as Record<string, Record<string, { recent: string }>>;
		const [[, expiresAt]] = decodeRecent(Object.values(node[STATIC_KEY])[0].recent);
		// Maximum age 300 s + clock skew 60 s: a replay inside that window is still the same push.
		expect(expiresAt).toBeGreaterThanOrEqual(before + 359_000);
	});

	test('an older status than one already seen cannot re-fire a charged battery', async () => {
		await start({ events: ['status'], statusMode: 'batteryLow', batteryThreshold: 20 });
		const low = signed(statusPush({ powerPercent: '15' }));
		await postForm(harness.urlFor('status'), low);
		await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '80' })));
		expect(runs()).toBe(1);
		await postForm(harness.urlFor('status'), low);
		expect(runs()).toBe(1);
		// Not even after a restart.
		harness.restartN8n();
		await postForm(harness.urlFor('status'), low);
		expect(runs()).toBe(1);
	});

	test('an older status than one already seen cannot forge "locked → unlocked"', async () => {
		await start({ events: ['status'], statusMode: 'stateChange' });
		await postForm(harness.urlFor('status'), signed(statusPush({ locked: 'true' })));
		const unlocked = signed(statusPush({ locked: 'false' }));
		await postForm(harness.urlFor('status'), unlocked);
		await postForm(harness.urlFor('status'), signed(statusPush({ locked: 'true' })));
		expect(harness.executions.map((e) => e.items[0].json.changes)).toEqual([
			{ locked: { from: true, to: false } },
			{ locked: { from: false, to: true } },
		]);
		expect((await postForm(harness.urlFor('status'), unlocked)).status).toBe(200);
		expect(runs()).toBe(2);
	});
});

describe('shape: each path takes only its own kind of push, with valid values', () => {
	test('a status push on the location path, a location push on the status path: 422, nothing started', async () => {
		await start();
		const onLocation = await postForm(harness.urlFor('location'), signed(statusPush()));
		expect(onLocation.status).toBe(422);
		expect(onLocation.json).toEqual({ code: 422, message: 'not a valid location push: online belongs to another kind of push (wrong path?)' });
		const onStatus = await postForm(harness.urlFor('status'), signed(locationPush()));
		expect(onStatus.status).toBe(422);
		expect(runs()).toBe(0);
	});

	test.each([
		['alert', 'iotCode "86112345678901" is not the 15-digit IoT IMEI', alertPush({ iotCode: '86112345678901' })],
		['alert', 'code is missing (a whole number)', (({ code: _c, ...rest }) => rest)(alertPush())],
		['fault', 'code "3.5" is not a whole number', faultPush({ code: '3.5' })],
		['fault', 'faultStatus "2" is not 0 (appearing) or 1 (disappeared)', faultPush({ faultStatus: '2' })],
		['status', 'powerPercent "101" is not a battery percentage from 0 to 100', statusPush({ powerPercent: '101' })],
		['status', 'locked "maybe" is not true or false', statusPush({ locked: 'maybe' })],
		['status', 'statusUtcTime is missing (a UTC timestamp in seconds (or milliseconds))', (({ statusUtcTime: _t, ...rest }) => rest)(statusPush())],
		['location', 'latitude "95" is not a latitude from -90 to 90', locationPush({ latitude: '95' })],
		['location', 'locationStatus "good" is not valid or invalid', locationPush({ locationStatus: 'good' })],
	] as Array<[string, string, Params]>)('a %s push is refused: %s', async (event, message, params) => {
		await start();
		const answer = await postForm(harness.urlFor(event), signed(params));
		expect(answer.status).toBe(422);
		expect(answer.json).toEqual({ code: 422, message: `not a valid ${event} push: ${message}` });
		expect(runs()).toBe(0);
	});

	test('fields the reference does not name are kept and signed; empty optional fields are allowed', async () => {
		await start();
		const answer = await postForm(harness.urlFor('status'), signed(statusPush({ firmware: '0151', lockVoltage: '' })));
		expect(answer.status).toBe(200);
		expect(harness.executions[0].items[0].json).toMatchObject({ firmware: '0151', lockVoltage: null });
	});

	test('field merging: a captured push re-split into other fields still verifies, and is refused', async () => {
		await start({ events: ['status'], statusMode: 'stateChange', emitFirstState: true });
		const genuine = statusPush({ iotCode: '861477038719116', lockVoltage: '412' });
		const { iotCode: _i, lockVoltage: _l, ...rest } = genuine;
		// `iotCode=861477038719116&lockVoltage=412` as one field signs exactly like the two.
		const merged: Params = { ...rest, iotCode: '861477038719116&lockVoltage=412' };
		const splitKey: Params = { ...rest, 'iotCode=861477038719116&lockVoltage': '412' };
		const signature = computeSignature(genuine, SECRET);
		expect(computeSignature(merged, SECRET)).toBe(signature);
		expect(computeSignature(splitKey, SECRET)).toBe(signature);
		const a = await postForm(harness.urlFor('status'), { ...merged, signature });
		const b = await postForm(harness.urlFor('status'), { ...splitKey, signature });
		expect([a.status, b.status]).toEqual([422, 422]);
		expect(a.json).toEqual({ code: 422, message: 'not a valid status push: field iotCode holds "&", which would make the signature ambiguous' });
		expect(runs()).toBe(0);
		expect((await postForm(harness.urlFor('status'), { ...genuine, signature })).status).toBe(200);
		expect(runs()).toBe(1);
	});
});

describe('work bounded before verification', () => {
	test('a 10 MB text body is refused with 413 before it is split, hashed or a credential read', async () => {
		await start();
		const started = harness.credentialReads;
		const junk = `${'a='.repeat(5 * 1024 * 1024)}&signature=${'0'.repeat(32)}`;
		const answer = await post(harness.urlFor('status'), junk, 'text/plain');
		expect(answer.status).toBe(413);
		expect(answer.json).toEqual({ code: 413, message: 'push too large' });
		expect(harness.credentialReads).toBe(started);
		expect(runs()).toBe(0);
	});

	test('a JSON body of 1,000,000 keys and a form body past the field bound are refused with 413, no credential read', async () => {
		// n8n parses the 14 MB body (its own cost); the trigger refuses it by its size without
		// enumerating a key (body.test.ts counts what the reader touches).
		await start();
		const keys: Record<string, string> = { signature: '0'.repeat(32) };
		for (let i = 0; i < 1_000_000; i++) keys[`k${i}`] = 'v';
		const huge = await post(harness.urlFor('alert'), JSON.stringify(keys), 'application/json');
		expect(huge.status).toBe(413);
		expect(huge.json).toEqual({ code: 413, message: 'push too large' });
		const form = signed({ ...alertPush(), ...Object.fromEntries(Array.from({ length: MAX_FIELDS }, (_, i) => [`x${i}`, '1'])) });
		expect((await postForm(harness.urlFor('alert'), form)).status).toBe(413);
		expect(harness.credentialReads).toBe(0);
		expect(runs()).toBe(0);
	}, 60_000);

	test('a signature that cannot be right is refused without a credential read', async () => {
		await start();
		for (const signature of ['', 'zz', 'g'.repeat(32), '0'.repeat(31)]) {
			expect((await postForm(harness.urlFor('alert'), { ...alertPush(), signature })).status).toBe(401);
		}
		expect(harness.credentialReads).toBe(0);
	});

	test('a flood of well-formed wrong signatures causes one fresh credential read, not one each', async () => {
		await start();
		expect((await postForm(harness.urlFor('alert'), signed(alertPush()))).status).toBe(200);
		for (let i = 0; i < 50; i++) {
			const answer = await postForm(harness.urlFor('alert'), signed(alertPush({ code: String(i) }), 'not-the-secret'));
			expect(answer.status).toBe(401);
		}
		expect(harness.credentialReads).toBe(2);
	});
});

describe('number parameters are numbers', () => {
	test('a threshold given as text ("20" from an expression) compares as a number and re-arms at 25', async () => {
		await start({ events: ['status'], statusMode: 'batteryLow', batteryThreshold: '20', batteryRearmMargin: '5' });
		for (const percent of [15, 24, 25, 15]) await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: String(percent) })));
		expect(harness.executions.map((e) => e.items[0].json)).toEqual([
			expect.objectContaining({ powerPercent: 15, batteryThreshold: 20, batteryRearmAt: 25 }),
			expect.objectContaining({ powerPercent: 15 }),
		]);
	});

	test('a parameter that is no number in range: 500, nothing started, the reason in the log', async () => {
		await start({ events: ['status'], statusMode: 'batteryLow', batteryThreshold: 'abc' });
		const answer = await postForm(harness.urlFor('status'), signed(statusPush({ powerPercent: '10' })));
		expect(answer.status).toBe(500);
		expect(answer.json).toEqual({ code: 500, message: "the trigger's parameters are invalid; see the n8n log" });
		expect(harness.loggedErrors.join('\n')).toContain('Battery Threshold (%) is "abc": expected a number from 1 to 100');
		expect(runs()).toBe(0);
	});
});

describe('memory that scales', () => {
	test('the first pushes of 2,000 vehicles write at most 2 KB per push to static data, not the whole table each', async () => {
		await start({ events: ['status'], statusMode: 'stateChange' });
		for (let i = 0; i < 2_000; i++) {
			const iotCode = `86112345${String(i).padStart(7, '0')}`;
			await postForm(harness.urlFor('status'), signed(statusPush({ iotCode })));
		}
		expect(runs()).toBe(0);
		expect(harness.staticDataBytes).toBeLessThanOrEqual(2_000 * 2048);
		expect(harness.staticDataWrites).toBeGreaterThan(0);
		// The vehicles recorded before the last write are in the mirror: after a restart their
		// next change fires.
		harness.restartN8n();
		await postForm(harness.urlFor('status'), signed(statusPush({ iotCode: '861123450000100', locked: 'true' })));
		expect(runs()).toBe(1);
	}, 60_000);
});
