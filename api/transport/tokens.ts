/**
 * Access tokens shared by every request of this n8n process: one token per client, fetched once,
 * renewed ahead of its expiry, and never fetched twice at the same time (concurrent callers
 * wait for the one fetch in flight). A module-level cache, because n8n builds a fresh context
 * for every execution and item, while a token is valid for hours across all of them.
 *
 * A fetch is bounded: each attempt times out (TOKEN_TIMEOUT_MS, or the node's shorter request
 * timeout), a 5xx answer or a network
 * failure is tried again with backoff (a token request changes nothing, so repeating it is
 * safe), and after TOKEN_ATTEMPTS the fetch fails all its waiters; the next caller starts a new
 * fetch. A redirect is never followed: the client secret goes to no other origin.
 *
 * When Segway keeps refusing tokens, the token endpoint must not pay for it. A token fetched to
 * replace a refused one is on trial: one request (the probe) goes with it while the others wait,
 * and if Segway refuses it too, the probe and its waiters fail and nothing fetches again for
 * them (send.ts then fails the rest of the run). A run so makes at most two token requests:
 * the token it starts with and one replacement.
 */
import { sleep, type IDataObject, type IHttpRequestOptions } from 'n8n-workflow';

import { resolveBaseUrl } from '../catalog/regions';
import type { SegwayCredentials } from './credentials';
import { outcomeOfError } from './outcome';

/**
 * Set in the credential data this package's nodes hand to n8n with each request: the token in it
 * is theirs to replace. n8n 1.x offers no way to turn its refresh on HTTP 401 off, and calls the
 * credential's preAuthentication on every 401; seeing this, it hands nothing back, so n8n neither
 * fetches a token nor writes the credential, and the 401 reaches the node (send.ts).
 */
export const NODE_MANAGED_TOKEN = 'segwayNodeManagedToken';

/** The one helper a token fetch needs; both node contexts and credential hooks have it. */
export interface HttpRequester {
	httpRequest(options: IHttpRequestOptions): Promise<unknown>;
}

export interface Token {
	value: string;
	/** When to fetch a successor; before the token itself expires (see renewAt). */
	renewAt: number;
	/** Issued to replace a refused token, and no answer has proved Segway takes it yet. */
	unproven: boolean;
	/** Settles when the one request trying an unproven token has its answer. */
	probe?: Promise<void>;
	endProbe?: () => void;
	/** An unproven token Segway refused: the callers that waited on it fail instead of fetching again. */
	refused?: string;
}

/** A token for one request, and what its answer must report back (see proveToken, refuseToken). */
export interface LeasedToken {
	value: string;
	/** Issued to replace a refused token and not proven yet: a refusal of it is final. */
	unproven: boolean;
	/** This request tries the token for the others, which wait for its answer. */
	probe: boolean;
	/** The cache entry, which a renewal may have replaced by the time the answer comes. */
	readonly entry: Token;
}

const tokens = new Map<string, Token>();
const inFlight = new Map<string, { promise: Promise<Token>; replacement: boolean }>();

/**
 * The reference keeps a token valid 300 s after its successor is issued, so renewing up to
 * 300 s early loses nothing; short-lived tokens renew after 90 % of their life.
 */
const RENEW_MARGIN_MS = 300_000;
const RENEW_FRACTION = 0.1;
/**
 * A token is used for at least a minute, whatever `expires_in` says (0.001, or 0): the
 * reference issues tokens for 12 hours, and a gateway that reports less is wrong more likely than
 * its tokens are. At this floor the token endpoint sees at most one renewal a minute per client
 * and process; should the token really be dead sooner, Segway refuses it and it is replaced the
 * way any refused token is, one probe first. A minute is also n8n's shortest poll interval, so
 * a poll trigger reuses its token at the next poll rather than fetching one per poll.
 */
export const MIN_TOKEN_LIFETIME_MS = 60_000;

export const TOKEN_TIMEOUT_MS = 10_000;
export const TOKEN_ATTEMPTS = 3;
const TOKEN_BACKOFF_MS = 500;

/**
 * Carries no HTTP status on purpose: n8n's NodeApiError would replace the API's own words
 * ("Bad client credentials") with its generic text for that status.
 */
export class TokenRequestError extends Error {
	constructor(
		message: string,
		/**
		 * `rejected`: Segway refused the client; `unreachable`: no answer from the host at all;
		 * `redirected`: the host sent the request elsewhere, which is not followed; `refused`:
		 * Segway refused a token it had just issued.
		 */
		readonly reason: 'rejected' | 'unreachable' | 'invalid-answer' | 'redirected' | 'refused',
	) {
		super(message);
		this.name = 'TokenRequestError';
	}
}

/** `how`: "HTTP 401" or "code 15101", as Segway refused it. */
export function freshTokenRefusedError(how: string): TokenRequestError {
	return new TokenRequestError(`Segway refused a freshly issued access token (${how}), so no further token was requested`, 'refused');
}

function cacheKey(credentials: SegwayCredentials): string {
	return `${resolveBaseUrl(credentials)}\n${credentials.clientId}\n${credentials.clientSecret}`;
}

function provenLease(token: Token): LeasedToken {
	return { value: token.value, unproven: false, probe: false, entry: token };
}

/** A fetch now replaces a token Segway refused (so its successor goes on trial), not an expired one. */
function replacesRefused(cached: Token | undefined, rejected: string | undefined): boolean {
	return cached !== undefined && (cached.value === rejected || cached.refused !== undefined);
}

function usable(token: Token | undefined, rejected: string | undefined): boolean {
	return token !== undefined && token.value !== rejected && token.refused === undefined && Date.now() < token.renewAt;
}

/** The cached token when it is valid, proven and not `rejected`, without waiting: the common case. */
export function cachedAccessToken(credentials: SegwayCredentials, rejected?: string): LeasedToken | undefined {
	const cached = tokens.get(cacheKey(credentials));
	return cached !== undefined && usable(cached, rejected) && !cached.unproven ? provenLease(cached) : undefined;
}

/**
 * A valid access token, without trial: for n8n's preAuthentication (the credential test, or a
 * node other than this package's using the credential). Pass `rejected` when the API refused
 * that token: it is then replaced, unless another caller has replaced it already.
 */
export async function getAccessToken(requester: HttpRequester, credentials: SegwayCredentials, rejected?: string, timeoutMs = TOKEN_TIMEOUT_MS): Promise<string> {
	const key = cacheKey(credentials);
	const cached = tokens.get(key);
	if (cached !== undefined && usable(cached, rejected)) return cached.value;
	return (await fetchShared(requester, credentials, key, replacesRefused(cached, rejected), timeoutMs)).value;
}

/**
 * A token for one request of a node. Pass `rejected` when Segway refused that token (and it was
 * proven): a replacement is fetched, once for all callers, and tried by one request before the
 * others use it. Throws a TokenRequestError `refused` when the token waited for was refused.
 */
export async function leaseAccessToken(requester: HttpRequester, credentials: SegwayCredentials, rejected?: string, timeoutMs = TOKEN_TIMEOUT_MS): Promise<LeasedToken> {
	const key = cacheKey(credentials);
	let waitedOn: Token | undefined;
	for (;;) {
		const cached = tokens.get(key);
		if (waitedOn !== undefined && waitedOn.refused !== undefined) throw freshTokenRefusedError(waitedOn.refused);
		if (cached !== undefined && usable(cached, rejected)) {
			if (!cached.unproven) return provenLease(cached);
			if (cached.probe === undefined) {
				cached.probe = new Promise<void>((resolve) => (cached.endProbe = resolve));
				return { value: cached.value, unproven: true, probe: true, entry: cached };
			}
			waitedOn = cached;
			await cached.probe;
			continue;
		}
		waitedOn = undefined;
		await fetchShared(requester, credentials, key, replacesRefused(cached, rejected), timeoutMs);
		// A caller replacing a refused token passes the refused one, which no longer matches.
	}
}

/** Segway answered a request carrying the token with something other than a refusal. */
export function proveToken(lease: LeasedToken): void {
	lease.entry.unproven = false;
	endProbe(lease.entry);
}

/** The probe ended without an answer (no connection, no answer in time): the next caller tries. */
export function releaseProbe(lease: LeasedToken): void {
	if (lease.probe) endProbe(lease.entry);
}

/** Segway refused an unproven replacement: its waiters fail, and a later run fetches anew. */
export function refuseToken(lease: LeasedToken, how: string): void {
	lease.entry.refused = how;
	endProbe(lease.entry);
}

function endProbe(token: Token): void {
	const end = token.endProbe;
	token.probe = undefined;
	token.endProbe = undefined;
	end?.();
}

/** One fetch per client at a time; `replacement` marks its token unproven (see leaseAccessToken). */
async function fetchShared(requester: HttpRequester, credentials: SegwayCredentials, key: string, replacement: boolean, timeoutMs: number): Promise<Token> {
	const running = inFlight.get(key);
	if (running) {
		running.replacement ||= replacement;
		return await running.promise;
	}
	const record = { replacement, promise: undefined as unknown as Promise<Token> };
	record.promise = fetchToken(requester, credentials, timeoutMs).then(
		(fetched) => {
			const token: Token = { ...fetched, unproven: record.replacement };
			tokens.set(key, token);
			inFlight.delete(key);
			return token;
		},
		(error: unknown) => {
			inFlight.delete(key);
			throw error;
		},
	);
	inFlight.set(key, record);
	return await record.promise;
}

async function fetchToken(requester: HttpRequester, credentials: SegwayCredentials, timeoutMs: number): Promise<Pick<Token, 'value' | 'renewAt'>> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await fetchTokenOnce(requester, credentials, timeoutMs);
		} catch (error) {
			const tokenError = toTokenError(error);
			const outcome = outcomeOfError(error);
			if (attempt >= TOKEN_ATTEMPTS || tokenError.reason === 'rejected' || tokenError.reason === 'redirected' || outcome.kind === 'final') {
				throw tokenError;
			}
			await sleep(TOKEN_BACKOFF_MS * 2 ** (attempt - 1));
		}
	}
}

async function fetchTokenOnce(requester: HttpRequester, credentials: SegwayCredentials, timeoutMs: number): Promise<Pick<Token, 'value' | 'renewAt'>> {
	const form = new URLSearchParams({
		client_id: credentials.clientId,
		client_secret: credentials.clientSecret,
		grant_type: 'client_credentials',
	});
	const startedAt = Date.now();
	const response = (await requester.httpRequest({
		method: 'POST',
		url: `${resolveBaseUrl(credentials)}/oauth/token`,
		headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
		body: form.toString(),
		json: true,
		timeout: timeoutMs,
		disableFollowRedirect: true,
	})) as IDataObject;
	const value = response?.access_token;
	const expiresIn = Number(response?.expires_in);
	if (typeof value !== 'string' || value === '' || !Number.isFinite(expiresIn) || expiresIn < 0) {
		throw new TokenRequestError('The Segway token endpoint answered without an access token', 'invalid-answer');
	}
	const lifetimeMs = expiresIn * 1000;
	const margin = Math.min(RENEW_MARGIN_MS, lifetimeMs * RENEW_FRACTION);
	return { value, renewAt: startedAt + Math.max(MIN_TOKEN_LIFETIME_MS, lifetimeMs - margin) };
}

interface HttpErrorShape {
	message?: string;
	httpCode?: string | number;
	response?: { status?: number; data?: unknown; body?: unknown; headers?: Record<string, unknown> };
	cause?: HttpErrorShape;
	description?: string;
}

/** "Bad client credentials" from the API's own answer, rather than "Request failed with 401". */
function toTokenError(error: unknown): TokenRequestError {
	if (error instanceof TokenRequestError) return error;
	const shape = (error ?? {}) as HttpErrorShape;
	const response = shape.response ?? shape.cause?.response;
	const status = Number(response?.status ?? shape.httpCode) || undefined;
	if (status !== undefined && status >= 300 && status < 400) {
		const location = response?.headers?.location;
		return new TokenRequestError(
			`The Segway token endpoint answered with a redirect (HTTP ${status}${typeof location === 'string' ? ` to ${location}` : ''}); it is not followed, so the client secret is sent nowhere else`,
			'redirected',
		);
	}
	const data = parseBody(response?.data ?? response?.body);
	const description = typeof data?.error_description === 'string' ? data.error_description : undefined;
	if (description) return new TokenRequestError(description, 'rejected');
	if (status === 401) return new TokenRequestError('Bad client credentials', 'rejected');
	const message = `Could not get a Segway access token: ${shape.message ?? String(error)}`;
	return new TokenRequestError(message, status === undefined ? 'unreachable' : 'invalid-answer');
}

function parseBody(data: unknown): IDataObject | undefined {
	if (typeof data === 'string') {
		try {
			return JSON.parse(data) as IDataObject;
		} catch {
			return undefined;
		}
	}
	return typeof data === 'object' && data !== null ? (data as IDataObject) : undefined;
}
