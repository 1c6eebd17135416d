/**
 * Whether the whole push stream stopped, decided without any I/O: what the poll trigger
 * remembers (static data), what the push trigger answered to the probe (or why it did not), and
 * the poll's clock in; the items to output and what to remember next out. streamPoll.ts asks.
 *
 * The stream counts as stopped when no push was seen for the limit: because the trigger says
 * none came (`noPush`), or because it could not be asked (a failed probe: its reason). A failed
 * probe alone does not fire: n8n polls a poll trigger as it activates it, at a start often before
 * the push trigger's webhooks are registered (404 for a second or two, seen in n8n 2.41.1), and
 * a blip shorter than the limit is no stop. Quiet time runs from the newest push the trigger ever
 * reported; for a trigger that never received one, from the first probe it answered (or the first
 * failed probe, when none answered yet). When the probe answers, it is measured on the trigger's
 * own clock (its `now`); when it fails, on the poll's.
 *
 * One stop, one item: an outage opens with a `streamStopped` item and stays open, quietly, until
 * a probe answers with a push younger than the limit; it then closes (with a `streamResumed` item
 * when chosen), so the next stop fires again. A probe that answers without any push known does
 * not close it: pushes have not come again.
 */
import type { IDataObject } from 'n8n-workflow';

import type { ProbeAnswer } from '../../api/catalog/probe';
import { STREAM_PROBE_PATH } from '../../api/catalog/probe';
import { PUSH_PATHS } from '../../api/catalog/pushes';
import { describeValue } from '../../api/describe';

/** Why the stream counts as stopped: no push for too long, or the probe failed (streamPoll.ts). */
export type StopReason = 'noPush' | ProbeFailure;
/** 404: n8n has no such webhook (not published, or not this trigger's URL); 401: signature refused. */
export type ProbeFailure = 'unreachable' | 'notPublished' | 'wrongSecret';

export type ProbeOutcome = { answer: ProbeAnswer } | { failure: ProbeFailure; error: string };

export interface StreamSettings {
	/** The base URL registered with Segway, as readPushUrl gives it. */
	pushUrl: string;
	quietMinutes: number;
	/** Whether closing an outage outputs a `streamResumed` item. */
	resumed: boolean;
}

export interface Outage {
	reason: StopReason;
	/** When the stream was last known to work, epoch ms: its last push, the first probe, or the failed poll. */
	since: number;
}

export interface StreamState {
	/** The base URL the three facts below are about; they are forgotten when it changes (an open outage is kept). */
	url?: string;
	/** The trigger's clock at the first probe it answered. */
	firstCheckedAt?: number;
	/** The newest push the trigger ever reported (kept when a restarted trigger forgets it). */
	lastPushAt?: number;
	/** The poll's clock at the first of the failed probes since the last answered one. */
	failingSince?: number;
	outage?: Outage;
}

export interface StreamVerdict {
	items: IDataObject[];
	next: StreamState;
}

const STATE_KEY = 'segwayPushStream';
const STOP_REASONS: readonly StopReason[] = ['noPush', 'unreachable', 'notPublished', 'wrongSecret'];
const EXAMPLE_URL = 'https://your-n8n/webhook/<webhook ID>';

/**
 * The base URL from what the user entered: an http(s) URL without query or fragment, trailing
 * slashes and a pasted push path (`/v2/vehicle/status`) or probe path (`/stream`) left out.
 * Throws a message that follows the parameter's name.
 */
export function readPushUrl(raw: unknown): string {
	if (typeof raw !== 'string' && raw !== undefined && raw !== null) throw new Error(`is ${describeValue(raw)}: expected the Segway Fleet Trigger's base URL, such as ${EXAMPLE_URL}`);
	const text = typeof raw === 'string' ? raw.trim() : '';
	if (text === '') throw new Error(`is empty: expected the Segway Fleet Trigger's base URL, such as ${EXAMPLE_URL}`);
	let url: URL | undefined;
	try {
		url = new URL(text);
	} catch {
		url = undefined;
	}
	if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
		throw new Error(`${describeValue(text)} is not an http(s) URL: expected the Segway Fleet Trigger's base URL, such as ${EXAMPLE_URL}`);
	}
	if (url.search !== '' || url.hash !== '') {
		throw new Error(`${describeValue(text)} has a query or fragment: expected the Segway Fleet Trigger's base URL, such as ${EXAMPLE_URL}`);
	}
	let base = text.replace(/[/]+$/, '');
	for (const path of [...Object.values(PUSH_PATHS), STREAM_PROBE_PATH]) {
		if (base.endsWith(`/${path}`)) base = base.slice(0, -path.length - 1);
	}
	return base;
}

/** A scheduled poll: the items that start a run (none: no run) and the state to remember. */
export function watchStream(settings: StreamSettings, state: Readonly<StreamState>, outcome: ProbeOutcome, now: number): StreamVerdict {
	const seen = assess(settings, state, outcome, now);
	const { outage } = state;
	if (seen.stopped && outage === undefined) {
		const reason: StopReason = seen.failure?.reason ?? 'noPush';
		const failure = seen.failure === undefined ? {} : { error: seen.failure.error };
		return {
			items: [{ event: 'streamStopped', reason, ...failure, ...quietFields(settings, seen), pushUrl: settings.pushUrl, polledAt: iso(now) }],
			next: { ...seen.facts, outage: { reason, since: seen.quietFrom } },
		};
	}
	// Back only when the trigger answers with a push to show for it: a trigger reached again that
	// never received one stays stopped.
	if (!seen.stopped && seen.failure === undefined && outage !== undefined && seen.facts.lastPushAt !== undefined) {
		const items = settings.resumed
			? [
					{
						event: 'streamResumed',
						lastPushAt: iso(seen.facts.lastPushAt),
						stoppedForSeconds: Math.max(0, Math.round((seen.at - outage.since) / 1000)),
						pushUrl: settings.pushUrl,
						polledAt: iso(now),
					},
				]
			: [];
		return { items, next: seen.facts };
	}
	return { items: [], next: { ...seen.facts, outage } };
}

/** A test poll ("Fetch Test Event"): one item describing the stream now; nothing is remembered. */
export function streamStatus(settings: StreamSettings, state: Readonly<StreamState>, outcome: ProbeOutcome, now: number): IDataObject {
	const seen = assess(settings, state, outcome, now);
	return {
		event: 'streamStatus',
		stopped: seen.stopped,
		// A failed probe shows at once here, before it has lasted long enough to count as a stop.
		reason: seen.failure?.reason ?? (seen.stopped ? 'noPush' : null),
		error: seen.failure?.error ?? null,
		...quietFields(settings, seen),
		pushUrl: settings.pushUrl,
		polledAt: iso(now),
	};
}

interface Seen {
	/** Set when the probe failed. */
	failure?: { reason: ProbeFailure; error: string };
	stopped: boolean;
	quietMs: number;
	/** When the stream was last known to work: its newest push, else the first check. */
	quietFrom: number;
	/** The clock the quiet time was measured on: the trigger's when it answered, else the poll's. */
	at: number;
	/** What to remember whatever the verdict. */
	facts: StreamState;
}

function assess(settings: StreamSettings, state: Readonly<StreamState>, outcome: ProbeOutcome, now: number): Seen {
	// What was learnt about another URL (another trigger) says nothing about this one.
	const known: StreamState =
		state.url === settings.pushUrl
			? { url: state.url, firstCheckedAt: state.firstCheckedAt, lastPushAt: state.lastPushAt, failingSince: state.failingSince }
			: { url: settings.pushUrl };
	const limitMs = settings.quietMinutes * 60_000;
	if ('failure' in outcome) {
		const failingSince = known.failingSince ?? now;
		const quietFrom = known.lastPushAt ?? known.firstCheckedAt ?? failingSince;
		const quietMs = Math.max(0, now - quietFrom);
		return { failure: { reason: outcome.failure, error: outcome.error }, stopped: quietMs >= limitMs, quietMs, quietFrom, at: now, facts: { ...known, failingSince } };
	}
	const { answer } = outcome;
	const lastPushAt = latest(answer.lastPushAt ?? undefined, known.lastPushAt);
	const firstCheckedAt = known.firstCheckedAt ?? answer.now;
	const quietFrom = lastPushAt ?? firstCheckedAt;
	const quietMs = Math.max(0, answer.now - quietFrom);
	return { stopped: quietMs >= limitMs, quietMs, quietFrom, at: answer.now, facts: { url: settings.pushUrl, firstCheckedAt, lastPushAt } };
}

function quietFields(settings: StreamSettings, seen: Seen): IDataObject {
	return { lastPushAt: iso(seen.facts.lastPushAt), quietSeconds: Math.floor(seen.quietMs / 1000), quietMinutes: settings.quietMinutes };
}

function latest(a: number | undefined, b: number | undefined): number | undefined {
	if (a === undefined) return b;
	return b === undefined ? a : Math.max(a, b);
}

function iso(ms: number | undefined): string | null {
	return ms === undefined ? null : new Date(ms).toISOString();
}

/** What the node's static data holds; anything unreadable counts as not known. */
export function readStreamState(stored: IDataObject): StreamState {
	const raw = stored[STATE_KEY];
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
	const { url, firstCheckedAt, lastPushAt, failingSince, outageReason, outageSince } = raw as IDataObject;
	const state: StreamState = {};
	if (typeof url === 'string') state.url = url;
	if (isTime(firstCheckedAt)) state.firstCheckedAt = firstCheckedAt;
	if (isTime(lastPushAt)) state.lastPushAt = lastPushAt;
	if (isTime(failingSince)) state.failingSince = failingSince;
	if (STOP_REASONS.includes(outageReason as StopReason) && isTime(outageSince)) state.outage = { reason: outageReason as StopReason, since: outageSince };
	return state;
}

/**
 * Writes the state into the node's static data, only when it changed (n8n saves static data
 * that was assigned to, and only when the poll starts a run: an outage opened, or closed with an
 * item, survives a restart; a change without a run is made again by the next poll).
 */
export function saveStreamState(stored: IDataObject, state: Readonly<StreamState>): void {
	const value: IDataObject = {};
	if (state.url !== undefined) value.url = state.url;
	if (state.firstCheckedAt !== undefined) value.firstCheckedAt = state.firstCheckedAt;
	if (state.lastPushAt !== undefined) value.lastPushAt = state.lastPushAt;
	if (state.failingSince !== undefined) value.failingSince = state.failingSince;
	if (state.outage !== undefined) {
		value.outageReason = state.outage.reason;
		value.outageSince = state.outage.since;
	}
	if (JSON.stringify(stored[STATE_KEY] ?? {}) !== JSON.stringify(value)) stored[STATE_KEY] = value;
}

function isTime(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
