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
 *    dropped by a rule, start nothing; the rest start one run. The memory is read once
 *    (recall), the rules decide without side effects (decide.ts), and what changed is handed
 *    back once (afterPush).
 */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { PUSH_EVENTS, PUSH_PATHS, type PushEvent } from '../../api/catalog/pushes';
import { freshness, type FreshnessLimits } from '../shared/rules/freshness';
import { readSignedPush } from './body';
import { decidePush, looksAt } from './decide';
import { MIN_DEDUPE_WINDOW_MS, pushKey } from './dedupe';
import { enrichPush } from './enrich';
import { nodeMemory } from './memory';
import { answer, errorBody, INVALID_SIGNATURE_BODY, SUCCESS_BODY, type PlainResponse } from './respond';
import { checkSignature, type Verdict } from './secret';
import { readSettings, type TriggerSettings } from './settings';
import { shapeProblem } from './shape';
import { typePushFields } from './typing';
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
	// Location and status pushes that start nothing may still be learnt from: where the vehicle
	// is, whether it is locked.
	if (!selected && !settings.rules.some((rule) => looksAt(rule, event, false))) return answer(res, 200, SUCCESS_BODY);

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
	const recalled = memory.recall(params.iotCode, pushKey(event, signature), staticData, now);
	// A push that started a run before (Segway's resend, a replay) starts none again; one that
	// did not (only learnt from) never has a run entry.
	if (recalled.ranBefore) return answer(res, 200, SUCCESS_BODY);
	const decision = decidePush(settings.rules, { event, fields: params, atMs: time.atMs }, selected, recalled.vehicle, now);
	const run = decision.emit ? { expiresAt: now + dedupeWindowMs(settings.freshness), urgency: decision.runUrgency } : undefined;
	memory.afterPush(recalled, { vehicle: decision.vehicle, urgency: decision.urgency, run }, staticData, now);
	if (!decision.emit) return answer(res, 200, SUCCESS_BODY);

	const item = Object.assign(enrichPush(event, typePushFields(event, params)), decision.details);
	const items = decision.items.length === 0 ? [item] : decision.items.map((entry) => ({ ...item, ...entry }));
	return answer(res, 200, SUCCESS_BODY, [items.map((json) => ({ json }))]);
}

/** An identical push is refused as long as the freshness check would still let it through. */
function dedupeWindowMs({ maxAgeMs, skewMs }: FreshnessLimits): number {
	return maxAgeMs > 0 ? Math.max(MIN_DEDUPE_WINDOW_MS, maxAgeMs + skewMs) : MIN_DEDUPE_WINDOW_MS;
}
