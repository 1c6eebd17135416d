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
 * - No request leaves unless the item's deadline can still hold its answer (sendWindowMs), the
 *   wait for a free slot of the gate included: a command sent with milliseconds left would fail
 *   as "no answer in time, it may have acted" while Segway's real answer was a throttle. When the
 *   deadline cuts it short, the error is the last one Segway gave.
 * - A refused token (code 15101, or HTTP 401 from a gateway) is replaced here, once for all
 *   requests (tokens.ts), rather than through n8n's refresh on 401: that refresh fetches and
 *   writes the credential back per refused request, 50 database writes for 50 requests in flight.
 *   A replacement Segway refuses too fails the rest of the run without further token requests.
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
import { errorChain, httpStatusOf, outcomeOfCode, outcomeOfError, type Outcome } from './outcome';
import {
	cachedAccessToken,
	freshTokenRefusedError,
	leaseAccessToken,
	NODE_MANAGED_TOKEN,
	proveToken,
	refuseToken,
	releaseProbe,
	TOKEN_TIMEOUT_MS,
	TokenRequestError,
	type LeasedToken,
} from './tokens';

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
	/** Set once Segway refused a freshly issued token: the run's remaining items fail with it, unsent. */
	tokenRefused?: TokenRequestError;
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

async function currentToken(ctx: SegwayContext, session: SegwaySession, request: ApiRequest, itemIndex: number, deadline: number, rejected?: string): Promise<LeasedToken> {
	if (!session.tokenRefused) {
		const cached = cachedAccessToken(session.credentials, rejected);
		if (cached !== undefined) return cached;
	}
	try {
		if (session.tokenRefused) throw session.tokenRefused;
		const timeoutMs = Math.min(TOKEN_TIMEOUT_MS, session.policy.requestTimeoutMs);
		return await beforeDeadline(leaseAccessToken(ctx.helpers, session.credentials, rejected, timeoutMs), deadline);
	} catch (error) {
		if (error instanceof TokenRequestError && error.reason === 'refused') session.tokenRefused = error;
		throw noTokenError(ctx, session, request, itemIndex, error);
	}
}

function noTokenError(ctx: SegwayContext, session: SegwaySession, request: ApiRequest, itemIndex: number, error: unknown): NodeApiError {
	const reason = error instanceof TokenRequestError ? error.reason : undefined;
	const description =
		error === DEADLINE
			? "The item's deadline passed while waiting for an access token; raise Item Deadline or check the Segway token endpoint."
			: reason === 'unreachable'
				? `Nothing answered at ${session.baseUrl}: check the Region (or Base URL) of the Segway Fleet API credential and the network.`
				: reason === 'redirected'
					? 'Check the Region or Base URL of the Segway Fleet API credential: a proxy in front of the API should answer itself, not redirect.'
					: reason === 'refused'
						? `The token endpoint accepts the client, but the API refuses the tokens it issues. Check that the Region or Base URL of the Segway Fleet API credential is the API that issued the token (a proxy in front of it must pass the Authorization header on), and that the client is enabled for API access. The run's remaining items were not sent.`
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
	return wrapped;
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

/** Thrown by sendOnce when what is left of the deadline cannot hold an answer: nothing was sent. */
const NO_TIME_TO_SEND = Symbol('no time to send');

/**
 * One round trip, or two when Segway refuses the token: code 15101 in a 200 answer, or HTTP 401
 * from a gateway, which n8n is told not to handle (see the header).
 */
async function sendOnce(ctx: SegwayContext, session: SegwaySession, request: ApiRequest, itemIndex: number, deadline: number): Promise<SegwayEnvelope> {
	const send = async (accessToken: string) => {
		const remaining = deadline - Date.now();
		if (remaining < sendWindowMs(session.policy)) throw NO_TIME_TO_SEND;
		return (await ctx.helpers.httpRequestWithAuthentication.call(
			ctx,
			CREDENTIAL_TYPE,
			{
				method: request.method,
				url: `${session.baseUrl}${request.path}`,
				qs: request.qs,
				body: request.body,
				json: true,
				timeout: Math.min(session.policy.requestTimeoutMs, remaining),
				disableFollowRedirect: true,
			},
			{
				credentialsDecrypted: {
					...session.credentialRef,
					type: CREDENTIAL_TYPE,
					data: { ...session.credentials, accessToken, [NODE_MANAGED_TOKEN]: true },
				},
				preAuthenticationRetryStatusCode: NO_STATUS,
			},
		)) as SegwayEnvelope;
	};

	let lease = await currentToken(ctx, session, request, itemIndex, deadline);
	for (let replaced = false; ; replaced = true) {
		let envelope: SegwayEnvelope | undefined;
		let refusal: unknown;
		try {
			envelope = normalized(await send(lease.value));
		} catch (error) {
			refusal = error;
		}
		if (refusal !== undefined && httpStatusOf(refusal) !== 401) {
			// No answer about the token: the next waiting request tries it instead.
			releaseProbe(lease);
			throw refusal;
		}
		if (envelope !== undefined && envelope.code !== CODE_TOKEN_INVALID) {
			proveToken(lease);
			return envelope;
		}
		if (lease.unproven) {
			const how = envelope !== undefined ? `code ${CODE_TOKEN_INVALID}` : 'HTTP 401';
			refuseToken(lease, how);
			session.tokenRefused ??= freshTokenRefusedError(how);
			throw noTokenError(ctx, session, request, itemIndex, session.tokenRefused);
		}
		// Refused again right after a replacement: the answer stands as the request's own.
		if (replaced) {
			if (envelope !== undefined) return envelope;
			throw refusal;
		}
		lease = await currentToken(ctx, session, request, itemIndex, deadline, lease.value);
	}
}

/** n8n 2.x refreshes through preAuthentication on these statuses; none, so the node does it once for all. */
const NO_STATUS: number[] = [];

/**
 * What must remain of the item's deadline for a request to be sent: its full timeout, so that its
 * answer has the time it is allowed; but no more than half the deadline, so that a timeout set
 * longer than the deadline (both are options) leaves room for a retry instead of forbidding all.
 */
export function sendWindowMs(policy: Pick<SendPolicy, 'requestTimeoutMs' | 'itemDeadlineMs'>): number {
	return Math.min(policy.requestTimeoutMs, policy.itemDeadlineMs / 2);
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
	const windowMs = sendWindowMs(session.policy);
	let failures = 0;
	let last: Failure | undefined;
	for (let attempt = 1; ; attempt++) {
		if (!(await session.gate.acquire(deadline - windowMs))) throw outOfTime(ctx, session, request, itemIndex, last);
		let envelope: SegwayEnvelope | undefined;
		let thrown: unknown;
		try {
			envelope = await sendOnce(ctx, session, request, itemIndex, deadline);
		} catch (error) {
			thrown = error;
		} finally {
			session.gate.release();
		}
		if (thrown === NO_TIME_TO_SEND) throw outOfTime(ctx, session, request, itemIndex, last);
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
		last = { envelope, thrown, outcome, attempts: attempt };
		// Waiting makes sense only if a request can still be sent afterwards.
		const deadlineReached = wait !== undefined && Date.now() + wait + windowMs > deadline;
		if (wait === undefined || deadlineReached) throw failureError(ctx, request, itemIndex, last, deadlineReached);
		await sleep(wait);
	}
}

/** A failed attempt, kept so that the error names what Segway last said, not the deadline. */
interface Failure {
	envelope?: SegwayEnvelope;
	thrown?: unknown;
	outcome: Outcome;
	attempts: number;
}

function failureError(ctx: SegwayContext, request: ApiRequest, itemIndex: number, failure: Failure, deadlineReached: boolean): NodeApiError {
	const { envelope, thrown, outcome, attempts } = failure;
	const note = notRepeatedNote(request, outcome, attempts, deadlineReached);
	if (envelope !== undefined) return segwayCodeError(ctx.getNode(), envelope, request, itemIndex, note);
	const status = redirectStatus(thrown);
	if (status !== undefined) return redirectError(ctx.getNode(), thrown, request, itemIndex, status.status, status.location);
	return transportError(ctx.getNode(), thrown, request, itemIndex, outcome, note);
}

/** The deadline can no longer hold an answer, so nothing more is sent: the last failure stands. */
function outOfTime(ctx: SegwayContext, session: SegwaySession, request: ApiRequest, itemIndex: number, last: Failure | undefined): NodeApiError {
	if (last !== undefined) return failureError(ctx, request, itemIndex, last, true);
	const error = new NodeApiError(ctx.getNode(), { message: 'deadline' } as JsonObject, {
		message: `Not sent within the item's deadline (vehicle ${request.iotCode})`,
		description: `Segway throttled this run (15990 or HTTP 429), so only ${session.gate.limit} request(s) went at once, and no slot came free while the item's deadline could still hold an answer (${sendWindowMs(session.policy) / 1000} s). Lower Max Requests in Flight or raise Item Deadline.`,
		itemIndex,
	});
	error.context.itemIndex = itemIndex;
	error.context.iotCode = request.iotCode;
	return error;
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
