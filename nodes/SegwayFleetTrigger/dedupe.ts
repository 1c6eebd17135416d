/**
 * Segway resends a push once, 5 s later, when it did not see our 200 (a timeout, a dropped
 * connection). The resend is byte-identical, so its signature is too: remembering the
 * signatures of pushes that started a run lets the resend be answered 200 without a second run.
 *
 * Bounded in time (entries expire after the window) and in memory (at most `capacity` entries;
 * the oldest go first). Insertion order is expiry order, so pruning only looks at the front.
 */
export const DEDUPE_WINDOW_MS = 60_000;
export const DEDUPE_CAPACITY = 50_000;

export class RecentPushes {
	private readonly expiries = new Map<string, number>();

	constructor(
		private readonly windowMs = DEDUPE_WINDOW_MS,
		private readonly capacity = DEDUPE_CAPACITY,
	) {}

	/** True when the same push was remembered less than the window ago. */
	has(key: string, now: number): boolean {
		const expiry = this.expiries.get(key);
		return expiry !== undefined && expiry > now;
	}

	remember(key: string, now: number): void {
		this.prune(now);
		this.expiries.delete(key);
		this.expiries.set(key, now + this.windowMs);
		if (this.expiries.size > this.capacity) {
			const oldest = this.expiries.keys().next();
			if (oldest.done !== true) this.expiries.delete(oldest.value);
		}
	}

	get size(): number {
		return this.expiries.size;
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
