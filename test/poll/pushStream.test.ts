/**
 * The poll trigger watching the push stream: the real node's poll() through n8n-core's
 * PollContext (harness/poll.ts), its probe sent by n8n's own HTTP helper to a loopback stand-in of
 * the push trigger (fakeTrigger.ts) that checks the signature as the trigger does. Time passes by
 * the trigger's reported clock and last push, so nothing waits for minutes.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { computeSignature } from '../../api/catalog/signature';
import type { StoredCredential } from '../../harness/engine';
import { PollHarness } from '../../harness/poll';
import { FakeTrigger, WEBHOOK_ID, type TriggerMode } from './fakeTrigger';

const MIN = 60_000;
const SECRET = 'probe-secret-1';

let trigger: FakeTrigger;
beforeAll(async () => (trigger = await FakeTrigger.start(SECRET)));
afterAll(async () => await trigger.close());
beforeEach(() => {
	trigger.mode = 'answer';
	trigger.lastPushAt = null;
	trigger.clockOffsetMs = 0;
	trigger.requests.length = 0;
});

/**
 * The Segway API side of the credential points at the stand-in too: a request to Segway (a token,
 * a status query) would show up there under another path.
 */
const credential = (clientSecret = SECRET): StoredCredential => ({
	data: { clientId: 'A20081', clientSecret, region: 'custom', baseUrl: trigger.url.replace(/\/webhook\/.*$/, ''), accessToken: '' },
	updates: 0,
});
const watching = (extra: INodeParameters = {}): INodeParameters => ({ watch: 'pushStream', pushUrl: trigger.url, ...extra });
const events = (items: IDataObject[]) => items.map((item) => item.event);
const iso = (ms: number) => new Date(ms).toISOString();

/** Moves the clock the node and the stand-in read (one process) `ms` ahead of the real one. */
function clockAhead(ms: number): void {
	const real = Date.now.bind(Date);
	jest.spyOn(Date, 'now').mockImplementation(() => real() + ms);
}

test('the probe: one signed GET on the trigger\'s own URL, no Segway request and no bearer token; a live stream starts nothing', async () => {
	trigger.lastPushAt = Date.now() - 2 * MIN;
	const poll = new PollHarness(watching(), credential());
	const before = Date.now();
	expect(await poll.poll()).toEqual([]);
	expect(trigger.requests).toHaveLength(1);
	const [probe] = trigger.requests;
	expect(probe).toMatchObject({ method: 'GET', path: `/webhook/${WEBHOOK_ID}/stream`, verified: true });
	expect(Object.keys(probe.query).sort()).toEqual(['probe', 'signature', 't']);
	expect(probe.query.probe).toBe('stream');
	expect(Number(probe.query.t)).toBeGreaterThanOrEqual(before);
	expect(Number(probe.query.t)).toBeLessThanOrEqual(Date.now());
	expect(probe.query.signature).toBe(computeSignature({ probe: 'stream', t: probe.query.t }, SECRET));
	expect(probe.headers.authorization).toBeUndefined();
	expect(JSON.stringify(probe.headers)).not.toMatch(/bearer/i);
});

test('no push for the limit: one item, none while it stays stopped, "streamResumed" when pushes come back, and again at the next stop', async () => {
	const poll = new PollHarness(watching({ streamQuietMinutes: 15 }), credential());
	const lastPush = Date.now() - 16 * MIN;
	trigger.lastPushAt = lastPush;
	const [stopped, ...more] = await poll.poll();
	expect(more).toEqual([]);
	expect(stopped).toMatchObject({ event: 'streamStopped', reason: 'noPush', lastPushAt: iso(lastPush), quietMinutes: 15, pushUrl: trigger.url });
	expect(stopped.quietSeconds).toBeGreaterThanOrEqual(16 * 60);
	expect(stopped.quietSeconds).toBeLessThan(16 * 60 + 30);
	expect(await poll.poll()).toEqual([]);
	expect(await poll.poll()).toEqual([]);

	trigger.lastPushAt = Date.now() - 1000;
	const resumed = await poll.poll();
	expect(resumed).toEqual([{ event: 'streamResumed', lastPushAt: iso(trigger.lastPushAt), stoppedForSeconds: expect.any(Number), pushUrl: trigger.url, polledAt: expect.any(String) }]);
	expect(resumed[0].stoppedForSeconds).toBeGreaterThanOrEqual(16 * 60);
	expect(resumed[0].stoppedForSeconds).toBeLessThan(16 * 60 + 30);
	expect(await poll.poll()).toEqual([]);

	// The trigger's time moves on without a push (its last push cannot move back: the poll trigger keeps the newest).
	trigger.clockOffsetMs = 15 * MIN + 5000;
	expect(events(await poll.poll())).toEqual(['streamStopped']);
	expect(trigger.requests.every((r) => r.verified === true)).toBe(true);
});

test('a trigger that never received a push is quiet from the first check', async () => {
	const poll = new PollHarness(watching({ streamQuietMinutes: 15 }), credential());
	expect(await poll.poll()).toEqual([]);
	trigger.clockOffsetMs = 14 * MIN;
	expect(await poll.poll()).toEqual([]);
	trigger.clockOffsetMs = 15 * MIN + 5000;
	const items = await poll.poll();
	expect(items).toEqual([expect.objectContaining({ event: 'streamStopped', reason: 'noPush', lastPushAt: null, quietMinutes: 15 })]);
	expect(items[0].quietSeconds).toBeGreaterThanOrEqual(15 * 60);
});

test('a stop survives a restart of n8n: the outage that started a run is not reported twice', async () => {
	const poll = new PollHarness(watching(), credential());
	trigger.lastPushAt = Date.now() - 30 * MIN;
	expect(events(await poll.poll())).toEqual(['streamStopped']);
	poll.restart();
	expect(await poll.poll()).toEqual([]);
	trigger.lastPushAt = Date.now();
	expect(events(await poll.poll())).toEqual(['streamResumed']);
});

test('"Fire When Pushes Resume" off: no item when pushes come back, and the next stop fires again', async () => {
	const poll = new PollHarness(watching({ streamResumed: false }), credential());
	trigger.lastPushAt = Date.now() - 20 * MIN;
	expect(events(await poll.poll())).toEqual(['streamStopped']);
	trigger.lastPushAt = Date.now();
	expect(await poll.poll()).toEqual([]);
	expect(await poll.poll()).toEqual([]);
	trigger.clockOffsetMs = 20 * MIN;
	expect(events(await poll.poll())).toEqual(['streamStopped']);
});

describe('a probe that fails: a stop once no push was seen for the limit, reported once, with what failed', () => {
	afterEach(() => jest.restoreAllMocks());

	test.each([
		['notPublished', 'notPublished', /^HTTP 404: The requested webhook "GET .*\/stream" is not registered\.$/],
		['badGateway', 'unreachable', /^HTTP 502$/],
		['notAnAnswer', 'unreachable', /^HTTP 200, but the answer is not a Segway Fleet Trigger's stream answer$/],
		['reset', 'unreachable', /ECONNRESET|socket hang up/],
	] as Array<[TriggerMode, string, RegExp]>)('%s → reason %s', async (mode, reason, error) => {
		const poll = new PollHarness(watching(), credential());
		const lastPush = Date.now() - MIN;
		trigger.lastPushAt = lastPush;
		expect(await poll.poll()).toEqual([]);
		trigger.mode = mode;
		// Failing for a minute since the last push: no stop yet (n8n starting, a blip).
		expect(await poll.poll()).toEqual([]);
		clockAhead(14 * MIN);
		const items = await poll.poll();
		expect(items).toEqual([
			{ event: 'streamStopped', reason, error: expect.stringMatching(error), lastPushAt: iso(lastPush), quietSeconds: expect.any(Number), quietMinutes: 15, pushUrl: trigger.url, polledAt: expect.any(String) },
		]);
		expect(items[0].quietSeconds).toBeGreaterThanOrEqual(15 * 60);
		expect(await poll.poll()).toEqual([]);
		trigger.mode = 'answer';
		trigger.lastPushAt = Date.now();
		expect(events(await poll.poll())).toEqual(['streamResumed']);
	});

	test('a credential with another client secret → reason wrongSecret (HTTP 401)', async () => {
		trigger.lastPushAt = Date.now();
		const poll = new PollHarness(watching(), credential('another-secret'));
		expect(await poll.poll()).toEqual([]);
		clockAhead(15 * MIN);
		const items = await poll.poll();
		expect(items).toEqual([expect.objectContaining({ event: 'streamStopped', reason: 'wrongSecret', error: expect.stringMatching(/^HTTP 401: refused/), lastPushAt: null })]);
		expect(trigger.requests.map((r) => r.verified)).toEqual([false, false]);
		expect(await poll.poll()).toEqual([]);
	});

	test('a URL whose webhook ID is not the trigger\'s → reason notPublished', async () => {
		const poll = new PollHarness(watching({ pushUrl: trigger.url.replace(WEBHOOK_ID, 'not-the-trigger') }), credential());
		expect(await poll.poll('manual')).toEqual([expect.objectContaining({ event: 'streamStatus', reason: 'notPublished', error: expect.stringMatching(/^HTTP 404/) })]);
	});

	test('nothing listening → reason unreachable with the error code', async () => {
		const closed = await FakeTrigger.start(SECRET);
		const url = closed.url;
		await closed.close();
		const poll = new PollHarness(watching({ pushUrl: url }), credential());
		expect(await poll.poll()).toEqual([]);
		clockAhead(15 * MIN);
		expect(await poll.poll()).toEqual([
			expect.objectContaining({ event: 'streamStopped', reason: 'unreachable', error: expect.stringMatching(/^connect ECONNREFUSED 127\.0\.0\.1:\d+$/), lastPushAt: null }),
		]);
	});

	test('a TLS certificate the host does not trust → reason unreachable with the TLS error code', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'segway-probe-tls-'));
		try {
			execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
			const tls = await FakeTrigger.start(SECRET, { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') });
			try {
				expect(tls.url).toMatch(/^https:/);
				const poll = new PollHarness(watching({ pushUrl: tls.url }), credential());
				expect(await poll.poll('manual')).toEqual([expect.objectContaining({ reason: 'unreachable', error: expect.stringMatching(/^DEPTH_ZERO_SELF_SIGNED_CERT: self[- ]signed certificate$/) })]);
				// The TLS handshake failed: no request reached the stand-in.
				expect(tls.requests).toEqual([]);
			} finally {
				await tls.close();
			}
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	test('no answer within 10 s → reason unreachable, and the poll does not hang', async () => {
		trigger.mode = 'hang';
		const poll = new PollHarness(watching(), credential());
		const started = Date.now();
		expect(await poll.poll('manual')).toEqual([expect.objectContaining({ reason: 'unreachable', error: expect.stringMatching(/^no answer within 10 s \(E[A-Z]+\)$/) })]);
		expect(Date.now() - started).toBeGreaterThanOrEqual(9_500);
		expect(Date.now() - started).toBeLessThan(20_000);
	}, 30_000);
});

test('a test poll (Fetch Test Event) always shows one item and changes nothing the published workflow remembers', async () => {
	const poll = new PollHarness(watching(), credential());
	trigger.lastPushAt = Date.now() - 3 * MIN;
	const [live] = await poll.poll('manual');
	expect(live).toMatchObject({ event: 'streamStatus', stopped: false, reason: null, error: null, lastPushAt: iso(trigger.lastPushAt), quietMinutes: 15, pushUrl: trigger.url });
	expect(live.quietSeconds).toBeGreaterThanOrEqual(180);

	trigger.lastPushAt = Date.now() - 30 * MIN;
	expect(await poll.poll('manual')).toEqual([expect.objectContaining({ event: 'streamStatus', stopped: true, reason: 'noPush' })]);
	trigger.mode = 'notPublished';
	// The failure shows at once; as a stop it would count only after the limit (nothing is known here: test polls keep nothing).
	expect(await poll.poll('manual')).toEqual([expect.objectContaining({ event: 'streamStatus', stopped: false, reason: 'notPublished', error: expect.stringMatching(/^HTTP 404/), lastPushAt: null })]);
	expect(poll.staticData).toEqual({});

	trigger.mode = 'answer';
	expect(events(await poll.poll())).toEqual(['streamStopped']);
});

test('a full push URL pasted from the trigger is read as its base URL', async () => {
	trigger.lastPushAt = Date.now();
	const poll = new PollHarness(watching({ pushUrl: `${trigger.url}/v2/vehicle/status` }), credential());
	expect(await poll.poll()).toEqual([]);
	expect(trigger.requests.map((r) => r.path)).toEqual([`/webhook/${WEBHOOK_ID}/stream`]);
});

describe('bad parameters are refused before any probe', () => {
	test.each([
		['a URL that is not http(s)', { pushUrl: 'ftp://n8n.example.com/webhook/x' }, /^Push URL: "ftp:\/\/n8n\.exampl…" \(31 characters\) is not an http\(s\) URL/],
		['no URL', { pushUrl: '' }, /^Push URL: is empty/],
		['a limit out of range', { streamQuietMinutes: 0 }, /^Stopped After \(Minutes\) is 0: expected a number from 1 to 10080/],
		['a limit that is no number', { streamQuietMinutes: '={{ "soon" }}' }, /^Stopped After \(Minutes\) is "soon"/],
		['an unknown watch', { watch: 'vehicle' }, /^Watch is "vehicle": expected one of vehicles, pushStream/],
	])('%s', async (_name, parameters, message) => {
		const poll = new PollHarness(watching(parameters as INodeParameters), credential());
		await expect(poll.poll()).rejects.toMatchObject({ name: 'NodeOperationError', message: expect.stringMatching(message) });
		expect(trigger.requests).toEqual([]);
	});
});
