/**
 * HTTP load for benchmarks, over an undici Pool in this process.
 *
 * - `openLoop`: requests start on a fixed schedule (`rate` per second) whether or not earlier ones
 *   were answered, as independent senders (vehicles, webhooks) do. The time of a request is
 *   counted from when this process hands it to the pool (a pool short of connections shows up
 *   as latency); how far that start fell behind the schedule (timer granularity, a busy event
 *   loop) is reported as `maxScheduleLagMs`.
 * - `closedLoop`: `concurrency` senders each send the next request when the previous one is
 *   answered: the highest rate the server sustains at that concurrency.
 *
 * `next()` builds each request when it is due; `accept()` decides whether an answer counts as
 * acknowledged (e.g. status 200 with the expected body).
 */
import { performance } from 'perf_hooks';
import { setTimeout as sleep } from 'timers/promises';
import { Pool } from 'undici';

import { LatencyRecorder, type Summary } from './stats';

export interface LoadRequest {
	path: string;
	method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
	headers?: Record<string, string>;
	body?: string;
	/** Called once the request is settled: acknowledged or not (rejected, failed). */
	onSettled?: (acknowledged: boolean) => void;
}

export interface LoadResult {
	/** Requests started. */
	sent: number;
	/** Answers `accept` took. */
	acknowledged: number;
	/** Answers with another status or body, by status (`status:body` head for a wrong body). */
	rejected: Record<string, number>;
	/** Requests with no answer (connection error, timeout), by error message. */
	failed: Record<string, number>;
	/** From the first scheduled start to the last answer, in seconds. */
	elapsedS: number;
	/** Acknowledged per second over `elapsedS`. */
	ackPerSec: number;
	/** From handing an acknowledged request to the pool to its full answer, in ms. */
	latencyMs: Summary;
	/** Largest delay of a request's actual start behind its schedule (open loop), in ms. */
	maxScheduleLagMs: number;
}

export interface LoadOptions {
	origin: string;
	next: (index: number) => LoadRequest;
	accept?: (status: number, body: string) => boolean;
	/** Per request, headers and body each; default 10 s. */
	timeoutMs?: number;
	/** Pool connections; default 256 for the open loop, `concurrency` for the closed loop. */
	connections?: number;
}

export interface OpenLoopOptions extends LoadOptions {
	rate: number;
	durationS: number;
	/**
	 * Requests due while this many are unanswered are not sent and count as failed ("not sent:
	 * N unanswered"), so a server far slower than the rate cannot queue minutes of requests.
	 * Default: 5 s worth of requests.
	 */
	maxInFlight?: number;
}

class Run {
	readonly latency = new LatencyRecorder();
	readonly rejected: Record<string, number> = {};
	readonly failed: Record<string, number> = {};
	sent = 0;
	acknowledged = 0;
	lastAnswer = 0;
	maxLag = 0;

	constructor(
		readonly pool: Pool,
		readonly options: LoadOptions,
	) {}

	async send(index: number, scheduledAt: number): Promise<void> {
		const req = this.options.next(index);
		this.sent += 1;
		const startedAt = performance.now();
		const lag = startedAt - scheduledAt;
		if (lag > this.maxLag) this.maxLag = lag;
		const timeout = this.options.timeoutMs ?? 10000;
		try {
			const res = await this.pool.request({
				path: req.path,
				method: req.method ?? 'POST',
				headers: req.headers,
				body: req.body,
				headersTimeout: timeout,
				bodyTimeout: timeout,
			});
			const body = await res.body.text();
			const at = performance.now();
			this.lastAnswer = Math.max(this.lastAnswer, at);
			const ok = this.options.accept ? this.options.accept(res.statusCode, body) : res.statusCode === 200;
			req.onSettled?.(ok);
			if (ok) {
				this.acknowledged += 1;
				this.latency.record(at - startedAt);
			} else {
				const key = `${res.statusCode}:${body.slice(0, 60)}`;
				this.rejected[key] = (this.rejected[key] ?? 0) + 1;
			}
		} catch (error) {
			req.onSettled?.(false);
			this.lastAnswer = Math.max(this.lastAnswer, performance.now());
			const key = (error as Error).message || String(error);
			this.failed[key] = (this.failed[key] ?? 0) + 1;
		}
	}

	result(startedAt: number): LoadResult {
		const elapsedS = Math.max(1e-9, (this.lastAnswer - startedAt) / 1000);
		return {
			sent: this.sent,
			acknowledged: this.acknowledged,
			rejected: this.rejected,
			failed: this.failed,
			elapsedS,
			ackPerSec: this.acknowledged / elapsedS,
			latencyMs: this.latency.summary(),
			maxScheduleLagMs: this.maxLag,
		};
	}
}


/** `rate` requests per second for `durationS` seconds, started on schedule. */
export async function openLoop(options: OpenLoopOptions): Promise<LoadResult> {
	const pool = new Pool(options.origin, { connections: options.connections ?? 256, pipelining: 1 });
	const run = new Run(pool, options);
	const total = Math.round(options.rate * options.durationS);
	const interval = 1000 / options.rate;
	const maxInFlight = options.maxInFlight ?? Math.max(50, Math.round(options.rate * 5));
	const skipped = `not sent: ${maxInFlight} unanswered`;
	const inFlight: Promise<void>[] = [];
	let unanswered = 0;
	const start = performance.now();
	let index = 0;
	try {
		while (index < total) {
			const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
			while (index < due) {
				if (unanswered >= maxInFlight) {
					run.sent += 1;
					run.failed[skipped] = (run.failed[skipped] ?? 0) + 1;
				} else {
					unanswered += 1;
					inFlight.push(run.send(index, start + index * interval).finally(() => (unanswered -= 1)));
				}
				index += 1;
			}
			// Timers are ~1 ms coarse: requests due meanwhile go out together on the next wake-up.
			// No busy spinning, which would take a core from the server under test.
			await sleep(Math.max(1, start + index * interval - performance.now()));
		}
		await Promise.all(inFlight);
		return run.result(start);
	} finally {
		await pool.close();
	}
}

/** `concurrency` senders back to back for `durationS` seconds, or until `maxRequests` were sent. */
export async function closedLoop(options: LoadOptions & { concurrency: number; durationS: number; maxRequests?: number }): Promise<LoadResult> {
	const pool = new Pool(options.origin, { connections: options.connections ?? options.concurrency, pipelining: 1 });
	const run = new Run(pool, options);
	const start = performance.now();
	const end = start + options.durationS * 1000;
	let index = 0;
	const sender = async () => {
		while (performance.now() < end && index < (options.maxRequests ?? Infinity)) {
			await run.send(index++, performance.now());
		}
	};
	try {
		await Promise.all(Array.from({ length: options.concurrency }, sender));
		return run.result(start);
	} finally {
		await pool.close();
	}
}

/** Counts of rejected and failed requests together: answers that were not acknowledgements. */
export function notAcknowledged(result: LoadResult): number {
	const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
	return sum(result.rejected) + sum(result.failed);
}
