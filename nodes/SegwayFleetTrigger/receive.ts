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
 *    back once (afterPush), which also judges other vehicles whose quiet clock ran out: their
 *    reports join the run (silence.ts).
 *
 * A GET on the stream probe's path is answered by probe.ts.
 */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { freshness, type FreshnessLimits } from '../shared/rules/freshness';
import { readSignedPush, receivedBytes, type ReceivedRequest } from './body';
import { decidePush, looksAt } from './decide';
import { MIN_DEDUPE_WINDOW_MS, pushKey } from './dedupe';
import { enrichPush } from './enrich';
import { nodeMemory } from './memory';
import { answer, errorBody, INVALID_SIGNATURE_BODY, SUCCESS_BODY, type PlainResponse } from './respond';
import { eventOfPath, isProbePath } from './paths';
import { answerProbe } from './probe';
import { refuseUnverified } from './secret';
import { readSettings, type TriggerSettings } from './settings';
import { shapeProblem } from './shape';
import { typePushFields } from './typing';
import { isSignatureValid, isWellFormedSignature } from './verify';

/** A flood of stale pushes (a clock gone wrong) is logged once a minute, not once a push. */
const STALE_LOG_INTERVAL_MS = 60_000;

export async function receivePush(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const res = this.getResponseObject() as unknown as PlainResponse;
	const req = this.getRequestObject() as unknown as ReceivedRequest & { originalUrl?: string; url?: string };
	const path = req.originalUrl ?? req.url ?? '';
	const event = eventOfPath(path);
	if (event === undefined) return isProbePath(path) ? await answerProbe(this, res) : answer(res, 404, errorBody(404, 'unknown push path'));

	const read = readSignedPush(this.getBodyData(), receivedBytes(req));
	if ('refused' in read) {
		return read.refused === 'too-large' ? answer(res, 413, errorBody(413, 'push too large')) : answer(res, 401, INVALID_SIGNATURE_BODY);
	}
	const { params, signature } = read.push;
	if (!isWellFormedSignature(signature)) return answer(res, 401, INVALID_SIGNATURE_BODY);

	const node = this.getNode();
	const memory = nodeMemory(this.getWorkflow().id, node.name, this.getMode(), () => this.getWorkflowStaticData('node'));
	const refused = await refuseUnverified(this, res, memory, (secret) => isSignatureValid(params, signature, secret), Date.now());
	if (refused !== undefined) return refused;
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
	const now = Date.now();
	const pushTime = freshness(event, params, settings.freshness, now);
	// The stream is alive (the probe's answer, the silence clocks): any verified push, but not a
	// replay of an old one, which could hide a stopped stream.
	if (pushTime.fresh) memory.heardStream(now);
	// Silence turned off: its clocks are no longer kept up to date, so they go; turned on again, a
	// vehicle is watched from its next push.
	if (settings.time === undefined) memory.quiet.clear();
	const selected = settings.events.includes(event);
	// Location and status pushes that start nothing may still be learnt from: where the vehicle
	// is, whether it is locked.
	if (!selected && !settings.rules.some((rule) => looksAt(rule, event, false))) return answer(res, 200, SUCCESS_BODY);

	if (!pushTime.fresh) {
		if (memory.staleLoggedAt === undefined || now - memory.staleLoggedAt >= STALE_LOG_INTERVAL_MS) {
			memory.staleLoggedAt = now;
			this.logger.warn(
				`Segway Fleet Trigger "${node.name}": a ${event} push of ${params.iotCode} is ${pushTime.reason} and starts nothing (a replay, or a clock that is off); further ones are logged once a minute`,
			);
		}
		return answer(res, 200, SUCCESS_BODY);
	}

	const staticData = this.getWorkflowStaticData('node');
	const time = settings.time;
	const recalled = memory.recall(params.iotCode, pushKey(event, signature), staticData, now, time);
	// A push that started a run before (Segway's resend, a replay) starts none again; one that
	// did not (only learnt from) never has a run entry.
	if (recalled.ranBefore) return answer(res, 200, SUCCESS_BODY);
	const decision = decidePush(settings.rules, { event, fields: params, atMs: pushTime.atMs }, selected, recalled.vehicle, now);
	const run = decision.emit ? { expiresAt: now + dedupeWindowMs(settings.freshness), urgency: decision.runUrgency } : undefined;
	const silent = memory.afterPush(recalled, { vehicle: decision.vehicle, urgency: decision.urgency, run }, staticData, now, time);

	const reports = [
		...decision.reports.map((report) => stamped(params.iotCode, report)),
		...silent.flatMap(({ iotCode, reports: its }) => its.map((report) => stamped(iotCode, report))),
	];
	if (!decision.pushItems && reports.length === 0) return answer(res, 200, SUCCESS_BODY);
	const items: IDataObject[] = [];
	if (decision.pushItems) {
		const item = Object.assign(enrichPush(event, typePushFields(event, params)), decision.details);
		items.push(...(decision.items.length === 0 ? [item] : decision.items.map((entry) => ({ ...item, ...entry }))));
	}
	items.push(...reports);
	return answer(res, 200, SUCCESS_BODY, [items.map((json) => ({ json }))]);
}

/** A report about a vehicle (not a push): its event first, then the vehicle. */
function stamped(iotCode: string, report: IDataObject): IDataObject {
	return { event: report.event, iotCode, ...report };
}

/** An identical push is refused as long as the freshness check would still let it through. */
function dedupeWindowMs({ maxAgeMs, skewMs }: FreshnessLimits): number {
	return maxAgeMs > 0 ? Math.max(MIN_DEDUPE_WINDOW_MS, maxAgeMs + skewMs) : MIN_DEDUPE_WINDOW_MS;
}
