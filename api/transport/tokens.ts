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
 */
import { sleep, type IDataObject, type IHttpRequestOptions } from 'n8n-workflow';

import { resolveBaseUrl } from '../catalog/regions';
import type { SegwayCredentials } from './credentials';
import { outcomeOfError } from './outcome';

/** The one helper a token fetch needs; both node contexts and credential hooks have it. */
export interface HttpRequester {
	httpRequest(options: IHttpRequestOptions): Promise<unknown>;
}

interface Token {
	value: string;
	/** When to fetch a successor; before the token itself expires (see renewAt). */
	renewAt: number;
}

const tokens = new Map<string, Token>();
const inFlight = new Map<string, Promise<Token>>();

/**
 * The reference keeps a token valid 300 s after its successor is issued, so renewing up to
 * 300 s early loses nothing; short-lived tokens renew after 90 % of their life.
 */
const RENEW_MARGIN_MS = 300_000;
const RENEW_FRACTION = 0.1;

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
		 * `redirected`: the host sent the request elsewhere, which is not followed.
		 */
		readonly reason: 'rejected' | 'unreachable' | 'invalid-answer' | 'redirected',
	) {
		super(message);
		this.name = 'TokenRequestError';
	}
}

function cacheKey(credentials: SegwayCredentials): string {
	return `${resolveBaseUrl(credentials)}\n${credentials.clientId}\n${credentials.clientSecret}`;
}

/** The cached token when it is valid and not `rejected`, without waiting: the common case. */
export function cachedAccessToken(credentials: SegwayCredentials, rejected?: string): string | undefined {
	const cached = tokens.get(cacheKey(credentials));
	return cached && cached.value !== rejected && Date.now() < cached.renewAt ? cached.value : undefined;
}

/**
 * Returns a valid access token. Pass `rejected` when the API refused that token: it is then
 * replaced, unless another caller has replaced it already.
 */
export async function getAccessToken(requester: HttpRequester, credentials: SegwayCredentials, rejected?: string, timeoutMs = TOKEN_TIMEOUT_MS): Promise<string> {
	const key = cacheKey(credentials);
	const cached = tokens.get(key);
	if (cached && cached.value !== rejected && Date.now() < cached.renewAt) return cached.value;
	if (cached && cached.value === rejected) tokens.delete(key);

	let pending = inFlight.get(key);
	if (!pending) {
		pending = fetchToken(requester, credentials, timeoutMs).then(
			(token) => {
				tokens.set(key, token);
				inFlight.delete(key);
				return token;
			},
			(error: unknown) => {
				inFlight.delete(key);
				throw error;
			},
		);
		inFlight.set(key, pending);
	}
	return (await pending).value;
}

async function fetchToken(requester: HttpRequester, credentials: SegwayCredentials, timeoutMs: number): Promise<Token> {
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

async function fetchTokenOnce(requester: HttpRequester, credentials: SegwayCredentials, timeoutMs: number): Promise<Token> {
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
	if (typeof value !== 'string' || value === '' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
		throw new TokenRequestError('The Segway token endpoint answered without an access token', 'invalid-answer');
	}
	const lifetimeMs = expiresIn * 1000;
	const margin = Math.min(RENEW_MARGIN_MS, lifetimeMs * RENEW_FRACTION);
	return { value, renewAt: startedAt + lifetimeMs - margin };
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
