/**
 * Fault injection: latency, a seeded rate of transient failures, and failures forced on one
 * vehicle's next requests so that retry tests can be exact ("fail twice, then succeed").
 */
import { seededRandom, type Random } from './random';

/** Device-level failures answer HTTP 200 with the code; the others fail at the HTTP level. */
export const FAILURE_KINDS = ['15302', '15303', 'http500', 'http502', 'http503', 'drop'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export function isFailureKind(value: unknown): value is FailureKind {
	return typeof value === 'string' && (FAILURE_KINDS as readonly string[]).includes(value);
}

/** Accepts 15302 as a number too, since that is how callers think of it. */
export function toFailureKind(value: unknown): FailureKind {
	const text = typeof value === 'number' ? String(value) : value;
	if (!isFailureKind(text)) throw new RangeError(`unknown failure kind ${JSON.stringify(value)}; use ${FAILURE_KINDS.join(', ')}`);
	return text;
}

export interface FaultConfig {
	latencyMs: number;
	jitterMs: number;
	/** Share of API requests (0..1) that fail with one of `failureKinds`, drawn from the seeded generator. */
	failureRate: number;
	failureKinds: FailureKind[];
}

export const DEFAULT_FAULTS: FaultConfig = {
	latencyMs: 0,
	jitterMs: 0,
	failureRate: 0,
	failureKinds: ['15302', '15303'],
};

export class FaultInjector {
	private random: Random;
	private readonly forced = new Map<string, FailureKind[]>();
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

	clearForced(): void {
		this.forced.clear();
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
}

function validateFaults(config: FaultConfig): FaultConfig {
	const { latencyMs, jitterMs, failureRate } = config;
	if (!(latencyMs >= 0) || !(jitterMs >= 0)) throw new RangeError('latencyMs and jitterMs must be >= 0');
	if (!(failureRate >= 0 && failureRate <= 1)) throw new RangeError('failureRate must be within 0..1');
	return { ...config, failureKinds: config.failureKinds.map(toFailureKind) };
}

/** Options left undefined keep their value instead of erasing it. */
function defined<T extends object>(partial: T): Partial<T> {
	return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>;
}
