/**
 * Latency statistics for benchmarks: nearest-rank percentiles and a one-line summary.
 * Values are whatever unit the caller records (the benches use milliseconds).
 */

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return NaN;
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface Summary {
	count: number;
	min: number;
	mean: number;
	p50: number;
	p90: number;
	p99: number;
	max: number;
}

export function summarize(values: readonly number[]): Summary {
	const sorted = [...values].sort((a, b) => a - b);
	const count = sorted.length;
	const sum = sorted.reduce((total, v) => total + v, 0);
	return {
		count,
		min: count ? sorted[0] : NaN,
		mean: count ? sum / count : NaN,
		p50: percentile(sorted, 50),
		p90: percentile(sorted, 90),
		p99: percentile(sorted, 99),
		max: count ? sorted[count - 1] : NaN,
	};
}

/** Collects samples; `summary()` sorts once. */
export class LatencyRecorder {
	private readonly values: number[] = [];

	record(value: number): void {
		this.values.push(value);
	}

	get count(): number {
		return this.values.length;
	}

	summary(): Summary {
		return summarize(this.values);
	}
}

/** Rounds for display and JSON: `digits` decimals, NaN stays NaN. */
export function round(value: number, digits = 1): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}
