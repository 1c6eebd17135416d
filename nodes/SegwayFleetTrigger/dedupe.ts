/**
 * Pushes that started a run, by signature, for as long as an identical push could still be
 * accepted: Segway resends a push once, 5 s later, when it did not see our 200, and a captured
 * push could be replayed until it is too old for the freshness check. The resend or replay is
 * byte-identical, so its signature is too, and it is answered 200 without a second run.
 *
 * Bounded in time (entries expire after their window) and in memory (at most `capacity`
 * entries; the oldest go first). Entries are added in time order, so pruning looks at the front.
 */
import { millis, seconds } from '../shared/memory/cells';

export const MIN_DEDUPE_WINDOW_MS = 60_000;
export const DEDUPE_CAPACITY = 50_000;

export class RecentPushes {
	private readonly expiries = new Map<string, number>();

	constructor(private readonly capacity = DEDUPE_CAPACITY) {}

	/** True when the same push was remembered and its window has not passed. */
	has(key: string, now: number): boolean {
		const expiry = this.expiries.get(key);
		return expiry !== undefined && expiry > now;
	}

	remember(key: string, expiresAt: number, now: number): void {
		this.prune(now);
		this.expiries.delete(key);
		this.expiries.set(key, expiresAt);
		if (this.expiries.size > this.capacity) {
			const oldest = this.expiries.keys().next();
			if (oldest.done !== true) this.expiries.delete(oldest.value);
		}
	}

	get size(): number {
		return this.expiries.size;
	}

	/** Entries still in their window, oldest first. */
	*live(now: number): IterableIterator<[string, number]> {
		for (const entry of this.expiries) if (entry[1] > now) yield entry;
	}

	private prune(now: number): void {
		for (const [key, expiry] of this.expiries) {
			if (expiry > now) return;
			this.expiries.delete(key);
		}
	}
}

/** The signature covers every field and the secret, so it identifies the push exactly. */
export function pushKey(event: string, signature: string): string {
	return `${event}:${signature.toLowerCase()}`;
}

/** The retry memory as stored in the mirror: `key,expiry` lines, expiry in whole seconds. */
export function encodeRecent(entries: Iterable<[string, number]>): string {
	const lines: string[] = [];
	for (const [key, expiresAt] of entries) lines.push(`${key},${seconds(expiresAt)}`);
	return lines.join('\n');
}

export function decodeRecent(text: unknown): Array<[string, number]> {
	if (typeof text !== 'string' || text === '') return [];
	return text
		.split('\n')
		.map((line) => line.split(','))
		.filter(([key, expiry]) => /^[a-z]+:[0-9a-f]{32}$/.test(key ?? '') && millis(expiry) > 0)
		.map(([key, expiry]) => [key, millis(expiry)]);
}
