/**
 * The push stream's decision with plain objects (nodes/SegwayFleetPollTrigger/streamWatch.ts):
 * state + probe outcome + clock in, items + next state out. pushStream.test.ts runs the same
 * through the node against an HTTP stand-in of the trigger.
 */
import type { IDataObject } from 'n8n-workflow';

import {
	readPushUrl,
	readStreamState,
	saveStreamState,
	streamStatus,
	watchStream,
	type ProbeOutcome,
	type StreamSettings,
	type StreamState,
} from '../../nodes/SegwayFleetPollTrigger/streamWatch';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 4, 8, 0, 0);
const URL_A = 'https://n8n.example.com/webhook/aaa';
const settings: StreamSettings = { pushUrl: URL_A, quietMinutes: 15, resumed: true };
const answer = (now: number, lastPushAt: number | null): ProbeOutcome => ({ answer: { code: 0, lastPushAt, now } });
const iso = (ms: number) => new Date(ms).toISOString();

/** Polls in a row, each with its outcome; returns each poll's items and the final state. */
function run(steps: Array<[now: number, outcome: ProbeOutcome]>, start: StreamState = {}, given: StreamSettings = settings) {
	let state = start;
	const polls: IDataObject[][] = [];
	for (const [now, outcome] of steps) {
		const verdict = watchStream(given, state, outcome, now);
		polls.push(verdict.items);
		state = verdict.next;
	}
	return { polls, state };
}

describe('no push for the limit', () => {
	test('fires once, stays quiet while stopped, re-arms when pushes come back, fires again on the next stop', () => {
		const lastPush = T0;
		const { polls, state } = run([
			[T0 + 5 * MIN, answer(T0 + 5 * MIN, lastPush)],
			[T0 + 14 * MIN, answer(T0 + 14 * MIN + 59_999, lastPush)],
			[T0 + 15 * MIN, answer(T0 + 15 * MIN, lastPush)],
			[T0 + 20 * MIN, answer(T0 + 20 * MIN, lastPush)],
			[T0 + 60 * MIN, answer(T0 + 60 * MIN, lastPush)],
			[T0 + 61 * MIN, answer(T0 + 61 * MIN, T0 + 60.5 * MIN)],
			[T0 + 62 * MIN, answer(T0 + 62 * MIN, T0 + 61.5 * MIN)],
			[T0 + 80 * MIN, answer(T0 + 80 * MIN, T0 + 64 * MIN)],
		]);
		expect(polls.map((items) => items.map((i) => i.event))).toEqual([[], [], ['streamStopped'], [], [], ['streamResumed'], [], ['streamStopped']]);
		expect(polls[2][0]).toEqual({
			event: 'streamStopped',
			reason: 'noPush',
			lastPushAt: iso(lastPush),
			quietSeconds: 900,
			quietMinutes: 15,
			pushUrl: URL_A,
			polledAt: iso(T0 + 15 * MIN),
		});
		// Stopped at the last push (T0), seen back at the poll of T0 + 61 min.
		expect(polls[5][0]).toEqual({ event: 'streamResumed', lastPushAt: iso(T0 + 60.5 * MIN), stoppedForSeconds: 61 * 60, pushUrl: URL_A, polledAt: iso(T0 + 61 * MIN) });
		expect(polls[7][0]).toMatchObject({ reason: 'noPush', lastPushAt: iso(T0 + 64 * MIN), quietSeconds: 16 * 60 });
		expect(state.outage).toEqual({ reason: 'noPush', since: T0 + 64 * MIN });
	});

	test('quiet is the trigger\'s clock minus its last push; the poll\'s own clock does not count', () => {
		// The poll host's clock runs an hour ahead: nothing fires while the trigger says 10 minutes.
		expect(run([[T0 + 70 * MIN, answer(T0 + 10 * MIN, T0)]]).polls).toEqual([[]]);
		expect(run([[T0 - 60 * MIN, answer(T0 + 15 * MIN, T0)]]).polls[0]).toEqual([expect.objectContaining({ event: 'streamStopped', quietSeconds: 900 })]);
	});

	test('the limit is the setting: 60 minutes waits longer, a fraction of a minute is honoured', () => {
		expect(run([[T0, answer(T0 + 59 * MIN, T0)]], {}, { ...settings, quietMinutes: 60 }).polls).toEqual([[]]);
		expect(run([[T0, answer(T0 + 60 * MIN, T0)]], {}, { ...settings, quietMinutes: 60 }).polls[0]).toHaveLength(1);
		expect(run([[T0, answer(T0 + 89_000, T0)]], {}, { ...settings, quietMinutes: 1.5 }).polls).toEqual([[]]);
		expect(run([[T0, answer(T0 + 90_000, T0)]], {}, { ...settings, quietMinutes: 1.5 }).polls[0]).toHaveLength(1);
	});

	test('resumed off: the outage closes without an item, so the next stop still fires', () => {
		const { polls } = run(
			[
				[T0, answer(T0 + 16 * MIN, T0)],
				[T0, answer(T0 + 17 * MIN, T0 + 17 * MIN)],
				[T0, answer(T0 + 40 * MIN, T0 + 17 * MIN)],
			],
			{},
			{ ...settings, resumed: false },
		);
		expect(polls.map((items) => items.map((i) => i.event))).toEqual([['streamStopped'], [], ['streamStopped']]);
	});

	test('a trigger that forgets its last push (restarted) is measured from the last push it reported', () => {
		const { polls, state } = run([
			[T0, answer(T0 + MIN, T0)],
			[T0, answer(T0 + 10 * MIN, null)],
			[T0, answer(T0 + 15 * MIN, null)],
		]);
		expect(polls[1]).toEqual([]);
		expect(polls[2]).toEqual([expect.objectContaining({ reason: 'noPush', lastPushAt: iso(T0), quietSeconds: 900 })]);
		expect(state.lastPushAt).toBe(T0);
	});
});

describe('a trigger that never received a push', () => {
	test('is quiet from the first probe it answered, and fires once the limit has passed since', () => {
		const { polls, state } = run([
			[T0, answer(T0 + 1000, null)],
			[T0 + 10 * MIN, answer(T0 + 1000 + 10 * MIN, null)],
			[T0 + 15 * MIN, answer(T0 + 1000 + 15 * MIN, null)],
			[T0 + 16 * MIN, answer(T0 + 1000 + 16 * MIN, null)],
			[T0 + 17 * MIN, answer(T0 + 1000 + 17 * MIN, T0 + 16.5 * MIN)],
		]);
		expect(polls.map((items) => items.map((i) => i.event))).toEqual([[], [], ['streamStopped'], [], ['streamResumed']]);
		expect(polls[2][0]).toMatchObject({ reason: 'noPush', lastPushAt: null, quietSeconds: 900 });
		expect(polls[4][0]).toMatchObject({ lastPushAt: iso(T0 + 16.5 * MIN), stoppedForSeconds: 17 * 60 });
		expect(state.firstCheckedAt).toBe(T0 + 1000);
	});

	test('one never answered either: the count starts at the first failed probe', () => {
		const { polls, state } = run([
			[T0, { failure: 'unreachable', error: 'ENOTFOUND' }],
			[T0 + 14 * MIN, { failure: 'unreachable', error: 'ENOTFOUND' }],
			[T0 + 15 * MIN, { failure: 'unreachable', error: 'ENOTFOUND' }],
			// Answers at last, but has received nothing: still stopped, no second item.
			[T0 + 16 * MIN, answer(T0 + 16 * MIN, null)],
			[T0 + 17 * MIN, answer(T0 + 17 * MIN, T0 + 16.5 * MIN)],
		]);
		expect(polls.map((items) => items.map((i) => i.event))).toEqual([[], [], ['streamStopped'], [], ['streamResumed']]);
		expect(polls[2][0]).toEqual({
			event: 'streamStopped',
			reason: 'unreachable',
			error: 'ENOTFOUND',
			lastPushAt: null,
			quietSeconds: 900,
			quietMinutes: 15,
			pushUrl: URL_A,
			polledAt: iso(T0 + 15 * MIN),
		});
		expect(polls[4][0]).toMatchObject({ stoppedForSeconds: 17 * 60 });
		expect(state).toEqual({ url: URL_A, firstCheckedAt: T0 + 16 * MIN, lastPushAt: T0 + 16.5 * MIN });
	});
});

describe('a probe that fails', () => {
	test.each([
		['unreachable', 'ECONNREFUSED: connect ECONNREFUSED 203.0.113.7:443'],
		['unreachable', 'CERT_HAS_EXPIRED: certificate has expired'],
		['unreachable', 'no answer within 10 s (ECONNABORTED)'],
		['unreachable', 'HTTP 502'],
		['notPublished', 'HTTP 404: The requested webhook "GET aaa/stream" is not registered.'],
		['wrongSecret', 'HTTP 401'],
	] as const)('%s (%s): one item once no push was seen for the limit, quiet while it keeps failing, resumed when answered', (reason, error) => {
		const { polls, state } = run([
			[T0, answer(T0, T0 - MIN)],
			[T0 + 5 * MIN, { failure: reason, error }],
			[T0 + 14 * MIN - 1000, { failure: reason, error }],
			[T0 + 14 * MIN, { failure: reason, error }],
			[T0 + 15 * MIN, { failure: reason, error }],
			[T0 + 16 * MIN, { failure: 'unreachable', error: 'HTTP 503' }],
			[T0 + 20 * MIN, answer(T0 + 20 * MIN, T0 + 20 * MIN - 2000)],
		]);
		expect(polls.map((items) => items.map((i) => i.event))).toEqual([[], [], [], ['streamStopped'], [], [], ['streamResumed']]);
		expect(polls[3][0]).toEqual({
			event: 'streamStopped',
			reason,
			error,
			lastPushAt: iso(T0 - MIN),
			quietSeconds: 900,
			quietMinutes: 15,
			pushUrl: URL_A,
			polledAt: iso(T0 + 14 * MIN),
		});
		// From the last push before the stop to the poll that saw pushes again.
		expect(polls[6][0]).toMatchObject({ stoppedForSeconds: 21 * 60 });
		expect(state).toEqual({ url: URL_A, firstCheckedAt: T0, lastPushAt: T0 + 20 * MIN - 2000 });
	});

	test('shorter than the limit (n8n starting before the trigger\'s webhook is registered, a blip) it fires nothing and leaves nothing behind', () => {
		const { polls, state } = run([
			[T0, answer(T0, T0 - 10 * MIN)],
			[T0 + 1000, { failure: 'notPublished', error: 'HTTP 404' }],
			[T0 + 60_000, answer(T0 + 60_000, T0 + 50_000)],
		]);
		expect(polls).toEqual([[], [], []]);
		expect(state).toEqual({ url: URL_A, firstCheckedAt: T0, lastPushAt: T0 + 50_000 });
	});

	test('a failure after a quiet time that already passed the limit fires at once, with the failure as reason', () => {
		const { polls } = run([
			[T0, answer(T0, T0 - 10 * MIN)],
			[T0 + 6 * MIN, { failure: 'notPublished', error: 'HTTP 404' }],
		]);
		expect(polls[1]).toEqual([expect.objectContaining({ event: 'streamStopped', reason: 'notPublished', error: 'HTTP 404', quietSeconds: 16 * 60, lastPushAt: iso(T0 - 10 * MIN) })]);
	});

	test('a stream already stopped for no push stays one outage when the probe then fails', () => {
		const { polls } = run([
			[T0, answer(T0 + 20 * MIN, T0)],
			[T0, { failure: 'unreachable', error: 'HTTP 502' }],
			[T0, answer(T0 + 25 * MIN, T0)],
		]);
		expect(polls.map((items) => items.length)).toEqual([1, 0, 0]);
	});
});

test('another push URL: what was known of the old one is forgotten, an open outage is kept', () => {
	const urlB = 'https://n8n.example.com/webhook/bbb';
	const before: StreamState = { url: URL_A, firstCheckedAt: T0 - 60 * MIN, lastPushAt: T0 - 30 * MIN, outage: { reason: 'notPublished', since: T0 - 30 * MIN } };
	const verdict = watchStream({ ...settings, pushUrl: urlB }, before, answer(T0, T0 - MIN), T0);
	expect(verdict.items).toEqual([expect.objectContaining({ event: 'streamResumed', lastPushAt: iso(T0 - MIN), pushUrl: urlB, stoppedForSeconds: 30 * 60 })]);
	expect(verdict.next).toEqual({ url: urlB, firstCheckedAt: T0, lastPushAt: T0 - MIN });
	// The new trigger has received nothing yet: counted from this first answer, the outage stays open.
	const silent = watchStream({ ...settings, pushUrl: urlB }, before, answer(T0, null), T0);
	expect(silent.items).toEqual([]);
	expect(silent.next).toEqual({ url: urlB, firstCheckedAt: T0, lastPushAt: undefined, outage: before.outage });
	// With the same URL the remembered push (30 minutes ago) counts: still stopped, no second item.
	expect(watchStream(settings, before, answer(T0, null), T0)).toEqual({ items: [], next: before });
});

describe('a test poll (Fetch Test Event)', () => {
	test('describes the stream as it is, whether it would fire or not', () => {
		const state: StreamState = { url: URL_A, firstCheckedAt: T0 - 60 * MIN, lastPushAt: T0 - 20 * MIN };
		expect(streamStatus(settings, state, answer(T0, T0 - MIN), T0)).toEqual({
			event: 'streamStatus',
			stopped: false,
			reason: null,
			error: null,
			lastPushAt: iso(T0 - MIN),
			quietSeconds: 60,
			quietMinutes: 15,
			pushUrl: URL_A,
			polledAt: iso(T0),
		});
		expect(streamStatus(settings, state, answer(T0, null), T0)).toMatchObject({ stopped: true, reason: 'noPush', lastPushAt: iso(T0 - 20 * MIN), quietSeconds: 1200 });
		expect(streamStatus(settings, { ...state, outage: { reason: 'noPush', since: T0 - 20 * MIN } }, { failure: 'wrongSecret', error: 'HTTP 401' }, T0)).toEqual({
			event: 'streamStatus',
			stopped: true,
			reason: 'wrongSecret',
			error: 'HTTP 401',
			lastPushAt: iso(T0 - 20 * MIN),
			quietSeconds: 1200,
			quietMinutes: 15,
			pushUrl: URL_A,
			polledAt: iso(T0),
		});
		// A failed probe shows at once, before it counts as a stop.
		expect(streamStatus(settings, { ...state, lastPushAt: T0 - MIN }, { failure: 'notPublished', error: 'HTTP 404' }, T0)).toMatchObject({
			stopped: false,
			reason: 'notPublished',
			error: 'HTTP 404',
			quietSeconds: 60,
		});
		expect(streamStatus(settings, {}, { failure: 'unreachable', error: 'ENOTFOUND' }, T0)).toMatchObject({ stopped: false, reason: 'unreachable', lastPushAt: null, quietSeconds: 0 });
	});
});

describe('the state in static data', () => {
	test('round-trips, and unreadable values count as not known', () => {
		const stored: IDataObject = {};
		const state: StreamState = { url: URL_A, firstCheckedAt: T0, lastPushAt: T0 + 5, failingSince: T0 + 9, outage: { reason: 'wrongSecret', since: T0 + 5 } };
		saveStreamState(stored, state);
		expect(readStreamState(JSON.parse(JSON.stringify(stored)) as IDataObject)).toEqual(state);
		expect(readStreamState({})).toEqual({});
		expect(readStreamState({ segwayPushStream: 'x' })).toEqual({});
		expect(readStreamState({ segwayPushStream: { url: 3, firstCheckedAt: 'soon', lastPushAt: -1, outageReason: 'bored', outageSince: T0 } })).toEqual({});
		expect(readStreamState({ segwayPushStream: { outageReason: 'noPush' } })).toEqual({});
	});

	test('is assigned only when it changed (n8n saves static data that was assigned to)', () => {
		const state: StreamState = { url: URL_A, firstCheckedAt: T0, lastPushAt: T0 };
		const stored: IDataObject = {};
		saveStreamState(stored, state);
		const first = stored.segwayPushStream;
		saveStreamState(stored, { ...state });
		expect(stored.segwayPushStream).toBe(first);
		saveStreamState(stored, { ...state, lastPushAt: T0 + 1 });
		expect(stored.segwayPushStream).not.toBe(first);
		expect(stored.segwayPushStream).toEqual({ url: URL_A, firstCheckedAt: T0, lastPushAt: T0 + 1 });
		const empty: IDataObject = {};
		saveStreamState(empty, {});
		expect(empty).toEqual({});
	});
});

describe('the push URL', () => {
	test.each([
		['https://n8n.example.com/webhook/aaa', 'https://n8n.example.com/webhook/aaa'],
		['  http://10.0.0.5:5678/webhook/aaa/ ', 'http://10.0.0.5:5678/webhook/aaa'],
		['https://n8n.example.com/webhook/aaa/v2/vehicle/status', 'https://n8n.example.com/webhook/aaa'],
		['https://n8n.example.com/webhook/aaa/v2/vehicle/alert/', 'https://n8n.example.com/webhook/aaa'],
		['https://n8n.example.com/webhook/aaa/stream', 'https://n8n.example.com/webhook/aaa'],
	])('%j is read as %j', (raw, base) => {
		expect(readPushUrl(raw)).toBe(base);
	});

	test.each([
		['', /^is empty: expected/],
		[undefined, /^is empty: expected/],
		['ftp://n8n.example.com/webhook/aaa', /^"ftp:\/\/n8n\.exampl…" \(33 characters\) is not an http\(s\) URL/],
		['n8n.example.com/webhook/aaa', /^"n8n\.example\.com\/…" \(27 characters\) is not an http\(s\) URL/],
		['https://n8n.example.com/webhook/aaa?x=1', /has a query or fragment/],
	])('%j is refused', (raw, message) => {
		expect(() => readPushUrl(raw)).toThrow(message);
	});
});
