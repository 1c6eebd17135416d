/**
 * What a failed attempt says about the request: whether Segway surely did not carry it out (so
 * sending it again is safe for any operation), whether that is unknown (only a repeatable
 * operation may be sent again), whether Segway asked us to slow down, or whether sending it
 * again cannot help.
 */
import { describeStatusCode } from '../catalog/codes';
import { parseNumber } from '../values';

export type Outcome =
	/** Segway refused to take it now (15990, HTTP 429): not carried out; slow down and send again. */
	| { kind: 'throttled'; retryAfterMs?: number; reason: string }
	/** Surely not carried out: no connection, 15303 (command send failed), 503 (service unavailable). */
	| { kind: 'notCarriedOut'; retryAfterMs?: number; reason: string }
	/** Sent, but it is unknown whether the vehicle acted: no answer in time, a cut connection, 15302, 500/502/504. */
	| { kind: 'unknown'; reason: string }
	/** Sending it again cannot help: the answer is an error about the request itself. */
	| { kind: 'final' };

const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const CUT_OR_SILENT = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** A Segway status code, as the code table (catalog/codes.ts) classes it. */
export function outcomeOfCode(code: number): Outcome {
	const { meaning, outcome } = describeStatusCode(code);
	return outcome === undefined ? { kind: 'final' } : { kind: outcome, reason: `Segway answered ${code} (${meaning})` };
}

export interface ErrorShape {
	httpCode?: string | number | null;
	code?: string;
	message?: string;
	cause?: unknown;
	/** Where n8n's NodeApiError keeps the error it wraps. */
	errorResponse?: unknown;
	response?: { status?: number; headers?: Record<string, unknown> };
}

/** The error and those it wraps (n8n's NodeApiError around axios' error, and causes). */
export function* errorChain(error: unknown): IterableIterator<ErrorShape> {
	const seen = new Set<unknown>();
	const queue = [error];
	while (queue.length > 0 && seen.size < 8) {
		const e = queue.shift();
		if (typeof e !== 'object' || e === null || seen.has(e)) continue;
		seen.add(e);
		yield e as ErrorShape;
		queue.push((e as ErrorShape).errorResponse, (e as ErrorShape).cause);
	}
}

/** The HTTP status an answer carried, wherever in the chain n8n put it; undefined without an answer. */
export function httpStatusOf(error: unknown): number | undefined {
	for (const e of errorChain(error)) {
		const status = Number(e.response?.status ?? e.httpCode);
		if (status >= 100 && status <= 599) return status;
	}
	return undefined;
}

/** An error thrown by n8n's HTTP helper (possibly wrapped by n8n in a NodeApiError). */
export function outcomeOfError(error: unknown): Outcome {
	const chain = [...errorChain(error)];
	const status = httpStatusOf(error);
	const retryAfterMs = chain.map((e) => parseRetryAfter(e.response?.headers?.['retry-after'])).find((ms) => ms !== undefined);
	if (status === 429) return { kind: 'throttled', retryAfterMs, reason: 'Segway answered HTTP 429 (too many requests)' };
	if (status === 503) return { kind: 'notCarriedOut', retryAfterMs, reason: 'Segway answered HTTP 503 (service unavailable)' };
	if (status === 500 || status === 502 || status === 504) return { kind: 'unknown', reason: `Segway answered HTTP ${status}` };
	if (status !== undefined && status >= 300) return { kind: 'final' };
	for (const e of chain) {
		if (e.code && NOT_CONNECTED.has(e.code)) return { kind: 'notCarriedOut', reason: `no connection to Segway (${e.code})` };
		if (typeof e.message === 'string' && /timeout|timed out/i.test(e.message)) return { kind: 'unknown', reason: 'no answer in time' };
		if (e.code && CUT_OR_SILENT.has(e.code)) return { kind: 'unknown', reason: `the connection was cut after the request was sent (${e.code})` };
		if (typeof e.message === 'string' && /socket hang up/i.test(e.message)) return { kind: 'unknown', reason: 'the connection was cut after the request was sent' };
	}
	return { kind: 'final' };
}

/** `Retry-After` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
	const text = Array.isArray(value) ? value[0] : value;
	if (typeof text !== 'string' || text.trim() === '') return undefined;
	const seconds = parseNumber(text);
	if (seconds !== undefined) return seconds >= 0 ? seconds * 1000 : undefined;
	const date = Date.parse(text);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
