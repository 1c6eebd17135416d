/**
 * One push, from the open internet to a run or to nothing. Every push is treated as hostile
 * until its signature is verified, and the work before that is bounded:
 *
 * 1. unknown path → 404; body over the bounds → 413; unverifiable body or a signature that is no
 *    32-digit hex → 401, without reading the credential or hashing anything;
 * 2. wrong signature → 401 (the secret is cached; see secret.ts);
 * 3. a push that lacks its kind's fields or holds values the reference does not allow → 422;
 * 4. verified and well-formed: 200 `{"code":0,"message":"success"}` whatever follows, since a
 *    resend would change nothing: not selected, too old or too new (freshness.ts), the same
 *    push again (Segway's resend, or a replay), an older status than one already seen, or
 *    dropped by a filter, start nothing; the rest start one run.
 */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { PUSH_EVENTS, PUSH_PATHS, type PushEvent } from '../../api/catalog/pushes';
import { readSignedPush } from './body';
import { MIN_DEDUPE_WINDOW_MS, pushKey } from './dedupe';
import { enrichPush } from './enrich';
import { decideStatus, DROP, PASS, passesCodeFilter, type Outcome } from './filters';
import { freshness } from './freshness';
import { decideMoved, lastLocation, observeFix, observeLock } from './location';
import { knownRecord, nodeMemory, ranBefore, vehicleRecord, type Change } from './memory';
import { answer, errorBody, INVALID_SIGNATURE_BODY, SUCCESS_BODY, type PlainResponse } from './respond';
import { checkSignature, type Verdict } from './secret';
import { readSettings, type TriggerSettings } from './settings';
import { shapeProblem } from './shape';
import { typePushFields } from './typing';
import type { VehicleRecord } from './vehicles';
import { isSignatureValid, isWellFormedSignature } from './verify';

/** A flood of stale pushes (a clock gone wrong) is logged once a minute, not once a push. */
const STALE_LOG_INTERVAL_MS = 60_000;

/**
 * The four webhooks share the name `default` (so one lifecycle covers them) and differ only in
 * their path, so the push's kind is read from the requested path.
 */
export function eventOfPath(url: string): PushEvent | undefined {
	const query = url.indexOf('?');
	let path = query < 0 ? url : url.slice(0, query);
	if (path.endsWith('/')) path = path.slice(0, -1);
	for (const event of PUSH_EVENTS) {
		if (path.endsWith(`/${PUSH_PATHS[event]}`)) return event;
	}
	return undefined;
}

export async function receivePush(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const res = this.getResponseObject() as unknown as PlainResponse;
	const req = this.getRequestObject() as unknown as { originalUrl?: string; url?: string };
	const event = eventOfPath(req.originalUrl ?? req.url ?? '');
	if (event === undefined) return answer(res, 404, errorBody(404, 'unknown push path'));

	const read = readSignedPush(this.getBodyData());
	if ('refused' in read) {
		return read.refused === 'too-large' ? answer(res, 413, errorBody(413, 'push too large')) : answer(res, 401, INVALID_SIGNATURE_BODY);
	}
	const { params, signature } = read.push;
	if (!isWellFormedSignature(signature)) return answer(res, 401, INVALID_SIGNATURE_BODY);

	const node = this.getNode();
	const memory = nodeMemory(this.getWorkflow().id, node.name, this.getMode(), () => this.getWorkflowStaticData('node'));
	let verdict: Verdict;
	try {
		verdict = await checkSignature(this, memory, (secret) => isSignatureValid(params, signature, secret), Date.now());
	} catch (error) {
		this.logger.warn(`Segway Fleet Trigger "${node.name}": cannot read its credential: ${(error as Error).message}`);
		return answer(res, 500, errorBody(500, 'the trigger has no usable Segway Fleet API credential'));
	}
	if (verdict === 'no-secret') {
		this.logger.warn(`Segway Fleet Trigger "${node.name}": the credential has no client secret; every push is refused`);
		return answer(res, 500, errorBody(500, 'the Segway Fleet API credential has no client secret'));
	}
	if (verdict === 'invalid') return answer(res, 401, INVALID_SIGNATURE_BODY);
	// From here on nothing awaits, so checking and remembering a push cannot interleave with a
	// concurrent copy of it.

	const problem = shapeProblem(event, params);
	if (problem !== undefined) return answer(res, 422, errorBody(422, `not a valid ${event} push: ${problem}`));

	let settings: TriggerSettings;
	try {
		settings = readSettings(this);
	} catch (error) {
		this.logger.error(`Segway Fleet Trigger "${node.name}": ${(error as Error).message}`);
		return answer(res, 500, errorBody(500, "the trigger's parameters are invalid; see the n8n log"));
	}
	const selected = settings.events.includes(event);
	const watching = watchesLocks(settings);
	// Location and status pushes that start nothing may still be remembered: where the vehicle
	// is (for the other events' items) and whether it is locked (for "moved while locked").
	const remembered = (event === 'location' && (settings.lastLocation || watching)) || (event === 'status' && watching);
	if (!selected && !remembered) return answer(res, 200, SUCCESS_BODY);

	const now = Date.now();
	const time = freshness(event, params, settings.freshness, now);
	if (!time.fresh) {
		if (memory.staleLoggedAt === undefined || now - memory.staleLoggedAt >= STALE_LOG_INTERVAL_MS) {
			memory.staleLoggedAt = now;
			this.logger.warn(
				`Segway Fleet Trigger "${node.name}": a ${event} push of ${params.iotCode} is ${time.reason} and starts nothing (a replay, or a clock that is off); further ones are logged once a minute`,
			);
		}
		return answer(res, 200, SUCCESS_BODY);
	}

	const staticData = this.getWorkflowStaticData('node');
	memory.mirror?.observe(memory, staticData, now);
	const key = pushKey(event, signature);
	if (selected && ranBefore(memory, key, now)) return answer(res, 200, SUCCESS_BODY);

	const statusFilter = event === 'status' && selected && settings.status.mode !== 'all';
	const vehicle = statusFilter || remembered ? vehicleRecord(memory, params.iotCode) : undefined;
	let outcome: Outcome = selected ? decide(event, params, settings, statusFilter ? vehicle : undefined, time.atMs, now) : DROP;
	if (vehicle !== undefined && remembered) outcome = withLocation(event, params, settings, vehicle, outcome, time.atMs, now);
	if (outcome.emit) memory.recent.remember(key, now + dedupeWindowMs(settings), now);
	memory.mirror?.afterPush(outcome.emit ? moreUrgent(outcome.change, retryUrgency(event, settings)) : outcome.change, memory, staticData, now);
	if (!outcome.emit) return answer(res, 200, SUCCESS_BODY);

	const item: IDataObject = enrichPush(event, typePushFields(event, params));
	if (outcome.details !== undefined) Object.assign(item, outcome.details);
	if (settings.lastLocation && event !== 'location') item.lastLocation = lastLocation(vehicle ?? knownRecord(memory, params.iotCode), now);
	return answer(res, 200, SUCCESS_BODY, [[{ json: item }]]);
}

/** "Moved while locked" needs each vehicle's lock state, from status pushes even when those start nothing. */
function watchesLocks(settings: TriggerSettings): boolean {
	return settings.location.mode === 'movedWhileLocked' && settings.events.includes('location');
}

/**
 * The push's part in where the vehicle is: a location push may be its new position (and, for a
 * locked vehicle, a movement), a status push its lock state.
 */
function withLocation(
	event: PushEvent,
	params: Readonly<Record<string, string>>,
	settings: TriggerSettings,
	vehicle: VehicleRecord,
	outcome: Outcome,
	atMs: number,
	now: number,
): Outcome {
	if (event === 'status') {
		return { ...outcome, change: moreUrgent(outcome.change, observeLock(vehicle, params, atMs, now)) };
	}
	const { newFix, change } = observeFix(vehicle, params, atMs, now);
	const { location } = settings;
	if (location.mode !== 'movedWhileLocked' || !watchesLocks(settings)) return { ...outcome, change: moreUrgent(outcome.change, change) };
	// Only a locked vehicle that moved starts a run in this mode, whatever decide() said.
	if (!newFix) return { emit: false, change };
	const moved = decideMoved(vehicle, location.distanceMetres, now);
	return { emit: moved.emit, change: moreUrgent(change, moved.change), details: moved.details };
}

/**
 * How soon a run's retry-memory entry must be stored. Where a filter decided, a resend after a
 * restart must not run again: the entry is written at once. Where every push of the kind starts
 * a run, a resend that a restart lets through repeats a run the user asked to have on every push,
 * so the entry waits for the spread-out writes: one database write less per run.
 */
function retryUrgency(event: PushEvent, settings: TriggerSettings): Change {
	switch (event) {
		case 'alert':
		case 'fault':
			return settings[event].codes.length === 0 && settings[event].status === 'any' ? 'changed' : 'critical';
		case 'status':
			return settings.status.mode === 'all' ? 'changed' : 'critical';
		case 'location':
			return watchesLocks(settings) ? 'critical' : 'changed';
	}
}

const URGENCY: Readonly<Record<Change, number>> = { none: 0, changed: 1, critical: 2 };
const moreUrgent = (a: Change, b: Change): Change => (URGENCY[b] > URGENCY[a] ? b : a);

/** An identical push is refused as long as the freshness check would still let it through. */
function dedupeWindowMs(settings: TriggerSettings): number {
	const { maxAgeMs, skewMs } = settings.freshness;
	return maxAgeMs > 0 ? Math.max(MIN_DEDUPE_WINDOW_MS, maxAgeMs + skewMs) : MIN_DEDUPE_WINDOW_MS;
}

function decide(
	event: PushEvent,
	params: Readonly<Record<string, string>>,
	settings: TriggerSettings,
	vehicle: VehicleRecord | undefined,
	atMs: number,
	now: number,
): Outcome {
	switch (event) {
		case 'alert':
		case 'fault':
			return passesCodeFilter(settings[event], params.code, params[`${event}Status`]) ? PASS : DROP;
		case 'status':
			return vehicle === undefined ? PASS : decideStatus(settings.status, vehicle, params, atMs, now);
		default:
			return PASS;
	}
}
