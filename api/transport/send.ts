/**
 * Sends one catalog request for one vehicle: authenticated through n8n with the shared access
 * token, bounded in time, and sent again only when that is safe.
 *
 * - Every attempt times out (`requestTimeoutMs`), and the item as a whole has a deadline
 *   (`itemDeadlineMs`) that waiting for a token, retries and backoff all stay within.
 * - After a failure, the request is sent again (up to `retries` times, with doubling backoff):
 *   - when Segway surely did not carry it out (no connection, 15303, HTTP 503), for any operation;
 *   - when that is unknown (no answer in time, a cut connection, 15302, HTTP 500/502/504), only
 *     for operations the catalog marks repeatable (queries, settings, lights): a command that
 *     acts in the street (unlock, lock, a sound, power, transport mode) is never sent twice.
 * - When Segway throttles (15990, HTTP 429) the shared gate lowers the requests in flight, the
 *   request waits (Retry-After when given) and is sent again, until the deadline.
 * - Redirects are not followed: the token goes to no other origin.
 */
import {
	NodeApiError,
	sleep,
	type ICredentialDataDecryptedObject,
	type IExecuteFunctions,
	type IPollFunctions,
	type JsonObject,
} from 'n8n-workflow';

import { CODE_TOKEN_INVALID } from '../catalog/codes';
import { resolveBaseUrl } from '../catalog/regions';
import type { ApiRequest } from '../requests';
import { parseNumber } from '../values';
import { CREDENTIAL_TYPE, type SegwayCredentials } from './credentials';
import { notRepeatedNote, redirectError, segwayCodeError, transportError, type SegwayEnvelope } from './errors';
import type { AdaptiveGate } from './gate';
import { errorChain, outcomeOfCode, outcomeOfError, type Outcome } from './outcome';
import { cachedAccessToken, getAccessToken, TOKEN_TIMEOUT_MS, TokenRequestError } from './tokens';

/** What sends requests: the action node's run, or a poll of the poll trigger. */
export type SegwayContext = IExecuteFunctions | IPollFunctions;

export interface SendPolicy {
	retries: number;
	/** Wait before the first retry; it doubles with each further one. */
	retryDelayMs: number;
	requestTimeoutMs: number;
	itemDeadlineMs: number;
}

/** What every request of one execution shares: credentials are read and resolved once. */
export interface SegwaySession {
	credentials: SegwayCredentials & ICredentialDataDecryptedObject;
	credentialRef: { id: string; name: string };
	baseUrl: string;
	policy: SendPolicy;
	gate: AdaptiveGate;
}

export async function openSession(ctx: SegwayContext, policy: SendPolicy, gate: AdaptiveGate): Promise<SegwaySession> {
	const credentials = (await ctx.getCredentials(CREDENTIAL_TYPE)) as SegwayCredentials & ICredentialDataDecryptedObject;
	const ref = ctx.getNode().credentials?.[CREDENTIAL_TYPE];
	return {
		credentials,
		credentialRef: { id: ref?.id ?? '', name: ref?.name ?? CREDENTIAL_TYPE },
		baseUrl: resolveBaseUrl(credentials),
		policy,
		gate,
	};
}

async function currentToken(ctx: SegwayContext, session: SegwaySession, request: ApiRequest, itemIndex: number, deadline: number, rejected?: string): Promise<string> {
	const cached = cachedAccessToken(session.credentials, rejected);
	if (cached !== undefined) return cached;
	try {
		const timeoutMs = Math.min(TOKEN_TIMEOUT_MS, session.policy.requestTimeoutMs);
		return await beforeDeadline(getAccessToken(ctx.helpers, session.credentials, rejected, timeoutMs), deadline);
	} catch (error) {
		const reason = error instanceof TokenRequestError ? error.reason : undefined;
		const description =
			error === DEADLINE
				? "The item's deadline passed while waiting for an access token; raise Item Deadline or check the Segway token endpoint."
				: reason === 'unreachable'
					? `Nothing answered at ${session.baseUrl}: check the Region (or Base URL) of the Segway Fleet API credential and the network.`
					: reason === 'redirected'
						? 'Check the Region or Base URL of the Segway Fleet API credential: a proxy in front of the API should answer itself, not redirect.'
						: 'Check the Client ID, Client Secret and Region of the Segway Fleet API credential.';
		const wrapped = new NodeApiError(ctx.getNode(), (error === DEADLINE ? { message: 'deadline' } : error) as JsonObject, {
			message: error === DEADLINE ? `No access token within the item's deadline (vehicle ${request.iotCode})` : (error as Error).message,
			description,
			itemIndex,
		});
		wrapped.context.itemIndex = itemIndex;
		wrapped.context.iotCode = request.iotCode;
		// Complete as it is: no retry of the request can help while there is no token.
		wrapped.context.noToken = true;
		throw wrapped;
	}
}

const DEADLINE = Symbol('deadline');

/** `promise`, or a rejection with DEADLINE when `deadline` (epoch ms) comes first. */
async function beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
	const timer = new AbortController();
	const expiry = sleep(Math.max(0, deadline - Date.now()), timer.signal).then(
		() => Promise.reject(DEADLINE),
		() => new Promise<never>(() => undefined),
	);
	try {
		return await Promise.race([promise, expiry]);
	} finally {
		timer.abort();
	}
}

/**
 * One round trip. The token goes in through the credential's own `authenticate`, so n8n's
 * refresh on HTTP 401 applies; the API's other way of rejecting a token, code 15101 in a 200
 * answer, is handled here, once.
 */
async function sendOnce(ctx: SegwayContext, session: SegwaySession, request: ApiRequest, itemIndex: number, deadline: number): Promise<SegwayEnvelope> {
	const send = async (accessToken: string) =>
		(await ctx.helpers.httpRequestWithAuthentication.call(
			ctx,
			CREDENTIAL_TYPE,
			{
				method: request.method,
				url: `${session.baseUrl}${request.path}`,
				qs: request.qs,
				body: request.body,
				json: true,
				timeout: Math.max(1, Math.min(session.policy.requestTimeoutMs, deadline - Date.now())),
				disableFollowRedirect: true,
			},
			{
				credentialsDecrypted: {
					...session.credentialRef,
					type: CREDENTIAL_TYPE,
					data: { ...session.credentials, accessToken },
				},
			},
		)) as SegwayEnvelope;

	const token = await currentToken(ctx, session, request, itemIndex, deadline);
	const envelope = normalized(await send(token));
	if (envelope.code !== CODE_TOKEN_INVALID) return envelope;
	return normalized(await send(await currentToken(ctx, session, request, itemIndex, deadline, token)));
}

/** A loose gateway may send the code as text ("0"): read as a number. */
function normalized(envelope: SegwayEnvelope): SegwayEnvelope {
	if (typeof envelope?.code === 'number') return envelope;
	const code = parseNumber((envelope as { code?: unknown } | undefined)?.code);
	return code === undefined ? envelope : { ...envelope, code };
}

/** Sends with deadlines and safe retries; resolves to the successful envelope or throws a NodeApiError. */
export async function sendSegwayRequest(ctx: SegwayContext, session: SegwaySession, request: ApiRequest, itemIndex: number): Promise<SegwayEnvelope> {
	const { retries, retryDelayMs, itemDeadlineMs } = session.policy;
	const deadline = Date.now() + itemDeadlineMs;
	let failures = 0;
	for (let attempt = 1; ; attempt++) {
		await session.gate.acquire();
		let envelope: SegwayEnvelope | undefined;
		let thrown: unknown;
		try {
			envelope = await sendOnce(ctx, session, request, itemIndex, deadline);
		} catch (error) {
			thrown = error;
		} finally {
			session.gate.release();
		}
		if (thrown instanceof NodeApiError && thrown.context.noToken === true) throw thrown;
		if (envelope !== undefined && typeof envelope.code !== 'number') {
			const error = new NodeApiError(ctx.getNode(), { response: envelope } as unknown as JsonObject, {
				message: 'Segway answered without a status code',
				itemIndex,
			});
			error.context.iotCode = request.iotCode;
			throw error;
		}
		if (envelope?.code === 0) {
			session.gate.succeeded();
			return envelope;
		}
		const outcome = envelope !== undefined ? outcomeOfCode(envelope.code) : outcomeOfError(thrown);
		const wait = nextWait(outcome, request, failures, retries, retryDelayMs);
		if (outcome.kind === 'throttled') session.gate.throttled();
		else if (wait !== undefined) failures += 1;
		const deadlineReached = wait !== undefined && Date.now() + wait >= deadline;
		if (wait === undefined || deadlineReached) {
			const note = notRepeatedNote(request, outcome, attempt, deadlineReached);
			if (envelope !== undefined) throw segwayCodeError(ctx.getNode(), envelope, request, itemIndex, note);
			const status = redirectStatus(thrown);
			if (status !== undefined) throw redirectError(ctx.getNode(), thrown, request, itemIndex, status.status, status.location);
			throw transportError(ctx.getNode(), thrown, request, itemIndex, outcome, note);
		}
		await sleep(wait);
	}
}

/** How long to wait before sending again, or undefined when it must not be sent again. */
function nextWait(outcome: Outcome, request: ApiRequest, failures: number, retries: number, retryDelayMs: number): number | undefined {
	switch (outcome.kind) {
		case 'throttled':
			return outcome.retryAfterMs ?? Math.max(retryDelayMs, 1000);
		case 'notCarriedOut':
			return failures < retries ? Math.max(outcome.retryAfterMs ?? 0, retryDelayMs * 2 ** failures) : undefined;
		case 'unknown':
			return request.repeatable && failures < retries ? retryDelayMs * 2 ** failures : undefined;
		case 'final':
			return undefined;
	}
}

function redirectStatus(error: unknown): { status: number; location: unknown } | undefined {
	let found: { status: number; location: unknown } | undefined;
	for (const e of errorChain(error)) {
		const status = Number(e.response?.status ?? e.httpCode);
		if (status >= 300 && status < 400) found = { status, location: e.response?.headers?.location ?? found?.location };
	}
	return found;
}
