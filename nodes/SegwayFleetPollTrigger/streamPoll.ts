/**
 * One poll of the push stream: the probe (api/catalog/probe.ts) sent to the push trigger's own
 * URL, its answer or failure read into a ProbeOutcome, and streamWatch.ts's verdict applied to
 * the node's static data.
 *
 * The probe goes to n8n, not to Segway: a plain GET through n8n's HTTP helper (its proxy settings
 * apply), signed with the credential's client secret in the query, never with the Segway bearer
 * token. It travels the same public URL Segway pushes to, so a probe that fails means Segway
 * cannot reach the trigger either, or that this host cannot reach its own public URL.
 */
import { NodeOperationError, type IDataObject, type IN8nHttpFullResponse, type INodeExecutionData, type IPollFunctions } from 'n8n-workflow';

import { isProbeAnswer, probeQuery, probeUrl } from '../../api/catalog/probe';
import { CREDENTIAL_TYPE } from '../../api/transport/credentials';
import { errorChain } from '../../api/transport/outcome';
import { NodeParameters } from '../shared/parameters';
import { pollTriggerProperties } from './description';
import { readPushUrl, readStreamState, saveStreamState, streamStatus, watchStream, type ProbeOutcome, type StreamSettings } from './streamWatch';

/** How long the push trigger may take to answer a probe. */
const PROBE_TIMEOUT_MS = 10_000;
/** How much of a server's own message an item's `error` keeps. */
const MESSAGE_CHARS = 160;

export async function pollPushStream(ctx: IPollFunctions): Promise<INodeExecutionData[][] | null> {
	const read = new NodeParameters(ctx, pollTriggerProperties, 'Fix the parameter in the Segway Fleet Poll Trigger; the push stream is not checked until then.');
	const settings: StreamSettings = {
		pushUrl: read.parsed('pushUrl', readPushUrl),
		quietMinutes: read.number('streamQuietMinutes'),
		resumed: read.boolean('streamResumed'),
	};
	const { clientSecret } = await ctx.getCredentials(CREDENTIAL_TYPE);
	if (typeof clientSecret !== 'string' || clientSecret === '') {
		throw new NodeOperationError(ctx.getNode(), 'The Segway Fleet API credential has no client secret', {
			description: 'The probe is signed with the client secret; enter it in the credential (the same one the Segway Fleet Trigger uses).',
		});
	}
	const now = Date.now();
	const outcome = await probeStream(ctx, settings.pushUrl, clientSecret, now);
	const stored = ctx.getWorkflowStaticData('node');
	const state = readStreamState(stored);
	// A test poll ("Fetch Test Event") shows the stream as it is and changes nothing the published workflow remembers.
	if (ctx.getMode() === 'manual') return [[{ json: streamStatus(settings, state, outcome, now) }]];
	const { items, next } = watchStream(settings, state, outcome, now);
	saveStreamState(stored, next);
	return items.length > 0 ? [items.map((json) => ({ json }))] : null;
}

/** Asks the push trigger behind `baseUrl` when it last received a push. Never throws. */
async function probeStream(ctx: IPollFunctions, baseUrl: string, clientSecret: string, now: number): Promise<ProbeOutcome> {
	let response: IN8nHttpFullResponse;
	try {
		response = (await ctx.helpers.httpRequest({
			method: 'GET',
			url: probeUrl(baseUrl),
			qs: { ...probeQuery(clientSecret, now) },
			json: true,
			timeout: PROBE_TIMEOUT_MS,
			returnFullResponse: true,
			// Every HTTP status is an answer to read here: 401, 404 and 5xx mean different things.
			ignoreHttpStatusErrors: true,
		})) as IN8nHttpFullResponse;
	} catch (error) {
		return { failure: 'unreachable', error: describeError(error) };
	}
	return readAnswer(response.statusCode, response.body);
}

function readAnswer(status: number, rawBody: unknown): ProbeOutcome {
	const body = parseBody(rawBody);
	const said = typeof body === 'object' && body !== null && typeof (body as IDataObject).message === 'string' ? `: ${short((body as IDataObject).message as string)}` : '';
	if (status === 401) return { failure: 'wrongSecret', error: `HTTP 401${said}` };
	if (status === 404) return { failure: 'notPublished', error: `HTTP 404${said}` };
	if (status < 200 || status > 299) return { failure: 'unreachable', error: `HTTP ${status}${said}` };
	if (!isProbeAnswer(body)) return { failure: 'unreachable', error: `HTTP ${status}, but the answer is not a Segway Fleet Trigger's stream answer` };
	return { answer: body };
}

function parseBody(body: unknown): unknown {
	const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
	if (typeof text !== 'string') return text;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}

/** A short text with the error's code: ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED, a timeout. */
function describeError(error: unknown): string {
	const chain = [...errorChain(error)];
	const code = chain.map((e) => e.code).find((c): c is string => typeof c === 'string' && c !== '');
	const message = chain.map((e) => e.message).find((m): m is string => typeof m === 'string' && m !== '') ?? String(error);
	if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout|timed out/i.test(message)) {
		return `no answer within ${PROBE_TIMEOUT_MS / 1000} s (${code ?? 'timeout'})`;
	}
	if (code === undefined || message.includes(code)) return short(message);
	return `${code}: ${short(message)}`;
}

function short(text: string): string {
	const line = text.replace(/\s+/g, ' ').trim();
	return line.length > MESSAGE_CHARS ? `${line.slice(0, MESSAGE_CHARS - 1)}…` : line;
}
