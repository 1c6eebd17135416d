/**
 * Both sides of the stream probe for real: the poll trigger's poll() through n8n-core's
 * PollContext asks the Segway Fleet Trigger's own webhook() (n8n-core's WebhookContext behind
 * harness/webhook.ts, n8n's URL layout) over loopback, after signed pushes reached that trigger.
 * Time is moved by Date.now, which both nodes read in this one process, so the probe's signature
 * time and the trigger's clock stay together.
 */
import type { INodeParameters } from 'n8n-workflow';

import type { StoredCredential } from '../../harness/engine';
import { PollHarness } from '../../harness/poll';
import { TriggerHarness } from '../../harness/webhook';
import { postForm, rewindStatusClock, SECRET, signed, statusPush } from '../trigger/pushes';

const MIN = 60_000;

let trigger: TriggerHarness;
beforeEach(async () => {
	trigger = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters: {} });
	await trigger.start();
});
afterEach(async () => {
	jest.restoreAllMocks();
	// Status times continue from the real clock, not from one a test moved ahead.
	rewindStatusClock();
	await trigger.stop();
});

const credential = (clientSecret = SECRET): StoredCredential => ({
	data: { clientId: 'A20081', clientSecret, region: 'custom', baseUrl: 'http://127.0.0.1:9', accessToken: '' },
	updates: 0,
});
const watching = (extra: INodeParameters = {}): INodeParameters => ({ watch: 'pushStream', pushUrl: trigger.registrationUrl, streamQuietMinutes: 15, ...extra });

/** Moves the clock both nodes read by `ms` from the real one. */
function clockAhead(ms: number): void {
	const real = Date.now.bind(Date);
	jest.spyOn(Date, 'now').mockImplementation(() => real() + ms);
}

async function push(): Promise<number> {
	const answer = await postForm(trigger.urlFor('status'), signed(statusPush()));
	expect(answer.status).toBe(200);
	return Date.now();
}

test('the trigger answers the probe with its last push; a stream that stops and comes back gives one item each', async () => {
	const poll = new PollHarness(watching(), credential());
	// Published, nothing received yet: quiet from this first check.
	expect(await poll.poll('manual')).toEqual([expect.objectContaining({ event: 'streamStatus', stopped: false, lastPushAt: null, quietSeconds: 0 })]);
	expect(await poll.poll()).toEqual([]);

	const before = Date.now();
	const pushedAt = await push();
	const [status] = await poll.poll('manual');
	expect(status).toMatchObject({ event: 'streamStatus', stopped: false, reason: null });
	expect(Date.parse(status.lastPushAt as string)).toBeGreaterThanOrEqual(before);
	expect(Date.parse(status.lastPushAt as string)).toBeLessThanOrEqual(pushedAt);
	expect(await poll.poll()).toEqual([]);

	// 16 minutes without a push.
	clockAhead(16 * MIN);
	const stopped = await poll.poll();
	expect(stopped).toEqual([expect.objectContaining({ event: 'streamStopped', reason: 'noPush', lastPushAt: status.lastPushAt, quietMinutes: 15 })]);
	expect(stopped[0].quietSeconds).toBeGreaterThanOrEqual(15 * 60);
	expect(await poll.poll()).toEqual([]);

	// Pushes arrive again (on the moved clock).
	const again = await push();
	const resumed = await poll.poll();
	expect(resumed).toEqual([expect.objectContaining({ event: 'streamResumed', pushUrl: trigger.registrationUrl })]);
	expect(Date.parse(resumed[0].lastPushAt as string)).toBeLessThanOrEqual(again);
	expect(Date.parse(resumed[0].lastPushAt as string)).toBeGreaterThan(Date.parse(status.lastPushAt as string) + 15 * MIN);
	expect(resumed[0].stoppedForSeconds).toBeGreaterThanOrEqual(16 * 60);
	// A probe starts no run of the push trigger.
	expect(trigger.executions.map((e) => e.event)).not.toContain('stream');
});

test('a trigger that has never received a push counts as stopped once the limit has passed since the first check', async () => {
	const poll = new PollHarness(watching(), credential());
	expect(await poll.poll()).toEqual([]);
	clockAhead(15 * MIN + 1000);
	expect(await poll.poll()).toEqual([expect.objectContaining({ event: 'streamStopped', reason: 'noPush', lastPushAt: null })]);
});

test('a credential with another client secret: the trigger refuses the probe (401), the poll reports wrongSecret', async () => {
	await push();
	const poll = new PollHarness(watching(), credential('not-the-trigger-secret'));
	expect(await poll.poll('manual')).toEqual([expect.objectContaining({ event: 'streamStatus', reason: 'wrongSecret', error: 'HTTP 401: invalid signature' })]);
	expect(await poll.poll()).toEqual([]);
	clockAhead(15 * MIN);
	expect(await poll.poll()).toEqual([expect.objectContaining({ event: 'streamStopped', reason: 'wrongSecret', error: 'HTTP 401: invalid signature', lastPushAt: null })]);
	expect(await poll.poll()).toEqual([]);
});

test('a webhook ID n8n does not know: 404, notPublished', async () => {
	const poll = new PollHarness(watching({ pushUrl: trigger.registrationUrl.replace(/[^/]+$/, 'another-id') }), credential());
	expect(await poll.poll('manual')).toEqual([expect.objectContaining({ reason: 'notPublished', error: expect.stringMatching(/^HTTP 404/) })]);
});

test('n8n down: unreachable with the last push the poll trigger knew of', async () => {
	const poll = new PollHarness(watching(), credential());
	await push();
	const [status] = await poll.poll('manual');
	expect(status.lastPushAt).toEqual(expect.any(String));
	expect(await poll.poll()).toEqual([]);
	await trigger.stop();
	// Down for less than the limit since the last push: no stop yet.
	expect(await poll.poll()).toEqual([]);
	clockAhead(15 * MIN);
	const items = await poll.poll();
	expect(items).toEqual([expect.objectContaining({ event: 'streamStopped', reason: 'unreachable', error: expect.stringMatching(/ECONNREFUSED/), lastPushAt: status.lastPushAt })]);
	expect(items[0].quietSeconds).toBeGreaterThanOrEqual(15 * 60);
});
