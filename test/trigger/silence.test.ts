/**
 * Silent vehicles through n8n-core's webhook path, with signed pushes POSTed over loopback and the
 * clock moved forward as time passing would: a vehicle that stops talking is reported once, on
 * another vehicle's push, with its last status and position; heard again, it says how long it was
 * silent and is watched again; the limit follows its lock state; a stream that stopped is not
 * every vehicle's silence; a restart and a second process neither lose nor repeat a report; the
 * stream probe answers when the trigger last heard a push, and only to a signed, recent probe.
 */
import { probeQuery, probeUrl } from '../../api/catalog/probe';
import { NODE_NAME, TriggerHarness } from '../../harness/webhook';
import { ADOPT_AFTER_MS, HEARD_WRITE_MS, STATIC_KEY } from '../../nodes/SegwayFleetTrigger/mirror';
import { alertPush, locationPush, nowSeconds, postForm, rewindStatusClock, SECRET, signed, statusPush, SUCCESS } from './pushes';

const A = '861123456700001';
const B = '861123456700002';
const C = '861123456700003';
const MINUTE = 60_000;
const silence = { events: [], silentVehicles: 'wentSilentAndBack', silentAfterLocked: 45, silentAfterUnlocked: 5 };

let processes: TriggerHarness[] = [];
let clockOffset = 0;

async function start(parameters: Record<string, unknown> = silence, sameWorkflowAs?: TriggerHarness): Promise<TriggerHarness> {
	const h = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters: parameters as never, sameWorkflowAs });
	await h.start();
	processes.push(h);
	return h;
}

afterEach(async () => {
	jest.restoreAllMocks();
	rewindStatusClock();
	clockOffset = 0;
	for (const p of processes) await p.stop();
	processes = [];
});

/** Moves the clock the trigger and the pushes read forward, as time passing would. */
function advance(ms: number): void {
	clockOffset += ms;
	if (jest.isMockFunction(Date.now)) return;
	const real = Date.now.bind(Date);
	jest.spyOn(Date, 'now').mockImplementation(() => real() + clockOffset);
}

const status = (h: TriggerHarness, iotCode: string, overrides: Record<string, string> = {}) => postForm(h.urlFor('status'), signed(statusPush({ iotCode, ...overrides })));
const fix = (h: TriggerHarness, iotCode: string, latitude: string) => postForm(h.urlFor('location'), signed(locationPush({ iotCode, latitude, gpsUtcTime: nowSeconds() })));
const reports = (h: TriggerHarness) => h.executions.flatMap((run) => run.items.map((item) => item.json)).filter((json) => json.event === 'silence');

/** B keeps talking, a minute at a time, for `minutes`. */
async function chatter(h: TriggerHarness, minutes: number, iotCode = B): Promise<void> {
	for (let i = 0; i < minutes; i++) {
		advance(MINUTE);
		await status(h, iotCode, { locked: 'true' });
	}
}

test('a vehicle that stops talking is reported once, on another push, with its last status and position; heard again, it says for how long', async () => {
	const h = await start();
	await fix(h, A, '22.5431');
	await status(h, A, { locked: 'false', powerPercent: '37', online: 'true', charging: 'false' });
	await status(h, B, { locked: 'true' });
	expect(h.executions).toHaveLength(0);

	await chatter(h, 4);
	expect(reports(h)).toHaveLength(0);
	await chatter(h, 2);
	expect(reports(h)).toEqual([
		{
			event: 'silence',
			iotCode: A,
			silence: 'wentSilent',
			lastHeardAt: expect.any(String),
			silentForSeconds: expect.any(Number),
			silentAfterMinutes: 5,
			lockedWhenLastHeard: false,
			lastStatus: { locked: false, online: true, charging: false, powerPercent: 37, at: expect.any(String) },
			lastLocation: expect.objectContaining({ latitude: 22.5431, mapUrl: expect.stringContaining('mlat=22.5431') }),
		},
	]);
	const [report] = reports(h);
	expect(report.silentForSeconds).toBeGreaterThanOrEqual(300);
	expect(report.silentForSeconds).toBeLessThan(400);

	// Once: more pushes of others report nothing more.
	await chatter(h, 10);
	expect(reports(h)).toHaveLength(1);

	// Heard again: a run with how long it was silent, and its clock starts anew.
	expect(await fix(h, A, '22.6')).toMatchObject({ status: 200, json: SUCCESS });
	expect(reports(h)).toHaveLength(2);
	expect(reports(h)[1]).toMatchObject({ iotCode: A, silence: 'heardAgain', heardBy: 'location', lastLocation: { latitude: 22.6 } });
	expect(reports(h)[1].silentForSeconds).toBeGreaterThanOrEqual(16 * 60);
	await status(h, A, { locked: 'false' });
	await chatter(h, 6);
	expect(reports(h).map((r) => r.silence)).toEqual(['wentSilent', 'heardAgain', 'wentSilent']);
});

test('the limit follows the lock state of the last status; without "heard again" the next push reports nothing', async () => {
	const h = await start({ ...silence, silentVehicles: 'wentSilent' });
	await status(h, A, { locked: 'true' });
	await status(h, C); // no lock state known from a location push only: the locked (longer) limit
	await postForm(h.urlFor('location'), signed(locationPush({ iotCode: '861123456700004', gpsUtcTime: nowSeconds() })));
	await chatter(h, 30);
	expect(reports(h).map((r) => r.iotCode)).toEqual([C]);
	await chatter(h, 16);
	expect(reports(h).map((r) => r.iotCode)).toEqual([C, A, '861123456700004']);
	await status(h, A, { locked: 'true' });
	expect(h.executions).toHaveLength(2);
});

test('a stream that stopped is not every vehicle\'s silence: counted again from when pushes came back', async () => {
	const h = await start();
	await status(h, A, { locked: 'false' });
	await status(h, B, { locked: 'false' });
	// Nothing at all for an hour (Segway down, or n8n unreachable), then B is back.
	advance(60 * MINUTE);
	await status(h, B, { locked: 'false' });
	expect(reports(h)).toHaveLength(0);
	for (let i = 0; i < 4; i++) {
		advance(MINUTE);
		await status(h, B, { locked: 'false' });
	}
	expect(reports(h)).toHaveLength(0);
	advance(MINUTE + 1000);
	await status(h, B, { locked: 'false' });
	expect(reports(h).map((r) => [r.iotCode, r.silence])).toEqual([[A, 'wentSilent']]);
});

test('turned off and on again, a vehicle that talked meanwhile is not reported for the time it was off, and is watched from its next push', async () => {
	const h = await start();
	await status(h, A, { locked: 'false' });
	await status(h, B, { locked: 'false' });
	h.setParameters({ ...silence, events: ['alert'], silentVehicles: 'off' });
	for (let i = 0; i < 10; i++) {
		advance(MINUTE);
		await status(h, A, { locked: 'false' });
		await status(h, B, { locked: 'false' });
	}
	h.setParameters(silence);
	for (let i = 0; i < 4; i++) {
		advance(MINUTE);
		await status(h, B, { locked: 'false' });
	}
	expect(reports(h)).toEqual([]);
	// Watched again from its next push.
	await status(h, A, { locked: 'false' });
	for (let i = 0; i < 6; i++) {
		advance(MINUTE);
		await status(h, B, { locked: 'false' });
	}
	expect(reports(h).map((r) => r.iotCode)).toEqual([A]);
});

test('a report survives a restart: the vehicle is not reported again, and "heard again" still comes', async () => {
	const h = await start();
	await status(h, A, { locked: 'false' });
	await chatter(h, 6);
	expect(reports(h)).toHaveLength(1);

	h.restartN8n();
	await chatter(h, 60);
	advance(ADOPT_AFTER_MS);
	await chatter(h, 60);
	expect(reports(h)).toHaveLength(1);
	await status(h, A);
	expect(reports(h).map((r) => r.silence)).toEqual(['wentSilent', 'heardAgain']);
});

test('a vehicle silent across a restart is reported once, by the process that takes over its part', async () => {
	const h = await start();
	await status(h, A, { locked: 'false' });
	await status(h, B, { locked: 'true' });
	advance(HEARD_WRITE_MS);
	await status(h, B, { locked: 'true' }); // the part is written (at least once a minute while pushes arrive)
	h.restartN8n();
	// The new process hears B; A stays silent. Its old part is taken over 10 min after its last write.
	await chatter(h, 9);
	expect(reports(h)).toHaveLength(0);
	await chatter(h, 3);
	expect(reports(h).map((r) => [r.iotCode, r.silence])).toEqual([[A, 'wentSilent']]);
	await chatter(h, 20);
	expect(reports(h)).toHaveLength(1);
});

test('in a cluster, a vehicle heard by another process is not reported, and a gone process\'s silent vehicle is reported by one process only', async () => {
	const a = await start();
	const b = await start(silence, a);
	const c = await start(silence, a);
	// A talks to process a, then the balancer moves it to b (a is drained); C only ever talked to a.
	await status(a, A, { locked: 'false' });
	await status(a, C, { locked: 'false' });
	advance(HEARD_WRITE_MS);
	await status(a, B, { locked: 'true' });
	const minute = async () => {
		advance(MINUTE);
		await status(b, A, { locked: 'false' });
		await status(c, B, { locked: 'true' });
	};
	for (let i = 0; i < 9; i++) await minute();
	const all = () => processes.flatMap((p) => reports(p));
	expect(all()).toEqual([]);

	// a's part is now stale. b and c both load it before either's write removes it (requests at
	// the same moment): only one of them takes it over.
	advance(2 * MINUTE);
	const loaded = structuredClone(a.storedStaticData);
	await status(b, A, { locked: 'false' });
	a.storedStaticData = loaded;
	await status(c, B, { locked: 'true' });
	for (let i = 0; i < 20; i++) await minute();
	expect(all().map((r) => [r.iotCode, r.silence])).toEqual([[C, 'wentSilent']]);
});

test('a vehicle the balancer moves to another process is not reported by the one it left, even with a limit shorter than the spread-out writes', async () => {
	const quick = { ...silence, silentAfterUnlocked: 0.5 };
	const a = await start(quick);
	const b = await start(quick, a);
	// Known to a for a while: in its stored part (written at least once a minute).
	for (let i = 0; i < 8; i++) {
		advance(10_000);
		await status(a, A, { locked: 'false' });
		await status(a, B, { locked: 'false' });
	}
	for (let i = 0; i < 9; i++) {
		advance(10_000);
		await status(b, A, { locked: 'false' });
		await status(a, B, { locked: 'false' });
	}
	expect([...reports(a), ...reports(b)]).toEqual([]);
});

test('the stream probe answers when a push was last heard, in any process, and only to a signed, recent probe', async () => {
	const h = await start({ events: ['alert'] });
	const probe = async (p: TriggerHarness, query: Record<string, string>) => {
		const response = await fetch(`${probeUrl(p.registrationUrl)}?${new URLSearchParams(query).toString()}`);
		return { status: response.status, json: (await response.json()) as Record<string, unknown> };
	};
	expect(await probe(h, { ...probeQuery(SECRET, Date.now()) })).toMatchObject({ status: 200, json: { code: 0, lastPushAt: null } });
	expect((await probe(h, { ...probeQuery('wrong', Date.now()) })).status).toBe(401);
	expect((await probe(h, { ...probeQuery(SECRET, Date.now() - 6 * MINUTE) })).status).toBe(401);
	expect((await probe(h, { probe: 'stream', t: String(Date.now()) })).status).toBe(401);

	// A verified push too old to be taken (a replayed capture) does not say the stream is alive.
	expect(await postForm(h.urlFor('status'), signed(statusPush({ statusUtcTime: String(Date.now() - 10 * MINUTE) })))).toMatchObject({ status: 200 });
	expect((await probe(h, { ...probeQuery(SECRET, Date.now()) })).json.lastPushAt).toBeNull();

	const before = Date.now();
	await postForm(h.urlFor('alert'), signed(alertPush()));
	const answered = await probe(h, { ...probeQuery(SECRET, Date.now()) });
	expect(answered.json.lastPushAt).toBeGreaterThanOrEqual(before);

	// Another process of the same workflow that heard nothing answers from what this one stored.
	const other = await start({ events: ['alert'] }, h);
	expect((await probe(other, { ...probeQuery(SECRET, Date.now()) })).json.lastPushAt).toBeNull();
	advance(HEARD_WRITE_MS);
	await postForm(h.urlFor('alert'), signed(alertPush({ code: '2' })));
	const stored = (h.storedStaticData[`node:${NODE_NAME}`] as Record<string, Record<string, { heard: number }>>)[STATIC_KEY];
	expect(Object.values(stored)[0].heard).toBeGreaterThan(before);
	expect((await probe(other, { ...probeQuery(SECRET, Date.now()) })).json.lastPushAt).toBe(Object.values(stored)[0].heard);
});

test('with Events empty and Silent Vehicles off, activation names both ways to start runs', async () => {
	const h = await start({ events: [] });
	expect((await status(h, A)).status).toBe(500);
	expect(h.loggedErrors.some((m) => m.includes('neither Zone Rules nor Silent Vehicles'))).toBe(true);
});
