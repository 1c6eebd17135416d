/**
 * Fault injection: latency, a seeded rate of failures, and failures forced on one vehicle's next
 * requests (or the token endpoint's) so that retry tests can be exact ("fail twice, then
 * succeed").
 */
import { seededRandom, type Random } from './random';

/**
 * What can go wrong with a request, and whether the vehicle carried the command out:
 * - `15302`, `15303`: device response timeout / command send failed; not carried out.
 * - `15302-acted`: the vehicle carried it out, but the gateway answers 15302 (device response
 *   timeout: "the vehicle may have acted").
 * - `15990`: API call restricted (throttled), before the vehicle.
 * - `http500`, `http502`, `http503`: a gateway or proxy error before the vehicle.
 * - `http429`: too many requests, with `Retry-After` (`retryAfterSeconds`).
 * - `drop`: the connection is cut before anything is done.
 * - `reset-after`: carried out, then the connection is cut before the answer.
 * - `hang`: no answer at all (until the client gives up); not carried out.
 * - `redirect`: HTTP 307 to the same path at `redirectTo` (another origin).
 */
export const FAILURE_KINDS = [
	'15302',
	'15302-acted',
	'15303',
	'15990',
	'http500',
	'http502',
	'http503',
	'http429',
	'drop',
	'reset-after',
	'hang',
	'redirect',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** Failures answered at the HTTP level, before the request reaches a vehicle. */
export const GATEWAY_FAILURES: ReadonlySet<FailureKind> = new Set(['15990', 'http500', 'http502', 'http503', 'http429', 'drop', 'hang', 'redirect']);

/** What the token endpoint can be made to do. */
export const TOKEN_FAILURE_KINDS = ['http500', 'http502', 'http503', 'drop', 'hang', 'redirect'] as const;
export type TokenFailureKind = (typeof TOKEN_FAILURE_KINDS)[number];

export function isFailureKind(value: unknown): value is FailureKind {
	return typeof value === 'string' && (FAILURE_KINDS as readonly string[]).includes(value);
}

/** Accepts 15302 as a number too, since that is how callers think of it. */
export function toFailureKind(value: unknown): FailureKind {
	const text = typeof value === 'number' ? String(value) : value;
	if (!isFailureKind(text)) throw new RangeError(`unknown failure kind ${JSON.stringify(value)}; use ${FAILURE_KINDS.join(', ')}`);
	return text;
}

export function toTokenFailureKind(value: unknown): TokenFailureKind {
	if (typeof value === 'string' && (TOKEN_FAILURE_KINDS as readonly string[]).includes(value)) return value as TokenFailureKind;
	throw new RangeError(`unknown token failure kind ${JSON.stringify(value)}; use ${TOKEN_FAILURE_KINDS.join(', ')}`);
}

export interface FaultConfig {
	latencyMs: number;
	jitterMs: number;
	/** Share of API requests (0..1) that fail with one of `failureKinds`, drawn from the seeded generator. */
	failureRate: number;
	failureKinds: FailureKind[];
	/** `Retry-After` of `http429` answers, in seconds. */
	retryAfterSeconds: number;
	/** Origin that `redirect` answers point to, e.g. http://127.0.0.1:9999. */
	redirectTo: string;
	/** Answer `code` as a string ("0") rather than a number, as a loose gateway might. */
	stringCodes: boolean;
}

export const DEFAULT_FAULTS: FaultConfig = {
	latencyMs: 0,
	jitterMs: 0,
	failureRate: 0,
	failureKinds: ['15302', '15303'],
	retryAfterSeconds: 1,
	redirectTo: 'http://127.0.0.1:9',
	stringCodes: false,
};

export class FaultInjector {
	private random: Random;
	private readonly forced = new Map<string, FailureKind[]>();
	private readonly forcedToken: TokenFailureKind[] = [];
	config: FaultConfig;

	constructor(config: Partial<FaultConfig>, seed: number) {
		this.config = validateFaults({ ...DEFAULT_FAULTS, ...defined(config) });
		this.random = seededRandom(seed ^ 0x5eed);
	}

	configure(partial: Partial<FaultConfig>): void {
		this.config = validateFaults({ ...this.config, ...defined(partial) });
	}

	/** Restarts the failure sequence, so that a test sees the same failures as the last run. */
	reseed(seed: number): void {
		this.random = seededRandom(seed ^ 0x5eed);
	}

	/** Milliseconds to wait before answering: latency plus 0..jitter. */
	delayMs(): number {
		const { latencyMs, jitterMs } = this.config;
		return latencyMs + (jitterMs > 0 ? Math.round(this.random() * jitterMs) : 0);
	}

	failNext(iotCode: string, count: number, kind: FailureKind): void {
		const queue = this.forced.get(iotCode) ?? [];
		for (let i = 0; i < count; i++) queue.push(kind);
		this.forced.set(iotCode, queue);
	}

	failNextToken(count: number, kind: TokenFailureKind): void {
		for (let i = 0; i < count; i++) this.forcedToken.push(kind);
	}

	clearForced(): void {
		this.forced.clear();
		this.forcedToken.length = 0;
	}

	pendingFor(iotCode: string): number {
		return this.forced.get(iotCode)?.length ?? 0;
	}

	/** The failure for this request, if any: forced ones first, then the random rate. */
	draw(iotCode: string | undefined): FailureKind | undefined {
		if (iotCode !== undefined) {
			const queue = this.forced.get(iotCode);
			if (queue && queue.length > 0) {
				const kind = queue.shift();
				if (queue.length === 0) this.forced.delete(iotCode);
				return kind;
			}
		}
		const { failureRate, failureKinds } = this.config;
		if (failureRate <= 0 || failureKinds.length === 0) return undefined;
		if (this.random() >= failureRate) return undefined;
		return failureKinds[Math.floor(this.random() * failureKinds.length)];
	}

	/** The failure for the next token request, if one was forced. */
	drawToken(): TokenFailureKind | undefined {
		return this.forcedToken.shift();
	}
}

function validateFaults(config: FaultConfig): FaultConfig {
	const { latencyMs, jitterMs, failureRate, retryAfterSeconds } = config;
	if (!(latencyMs >= 0) || !(jitterMs >= 0)) throw new RangeError('latencyMs and jitterMs must be >= 0');
	if (!(failureRate >= 0 && failureRate <= 1)) throw new RangeError('failureRate must be within 0..1');
	if (!(retryAfterSeconds >= 0)) throw new RangeError('retryAfterSeconds must be >= 0');
	return { ...config, failureKinds: config.failureKinds.map(toFailureKind) };
}

/** Options left undefined keep their value instead of erasing it. */
function defined<T extends object>(partial: T): Partial<T> {
	return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>;
}
