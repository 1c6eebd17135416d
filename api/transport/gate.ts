/**
 * How many requests are in flight at once, adapted to what Segway accepts: at most the user's
 * "Max Requests in Flight", halved each time Segway throttles (15990, HTTP 429), and raised by one
 * after as many answers in a row as requests are allowed in flight (additive increase,
 * multiplicative decrease). A user can so set a high maximum safely.
 */
import { sleep } from 'n8n-workflow';

export class AdaptiveGate {
	private inFlight = 0;
	private readonly waiting: Array<() => void> = [];
	private successesInARow = 0;
	private current: number;
	/** The lowest limit reached, and how often Segway throttled: for the run's log line. */
	lowest: number;
	throttles = 0;

	constructor(readonly max: number) {
		this.current = max;
		this.lowest = max;
	}

	get limit(): number {
		return this.current;
	}

	/**
	 * Resolves true when the request may be sent (pair it with release()), or false when no slot
	 * came free before `until` (epoch ms): a request waiting for a slot must not outwait its
	 * item's deadline, while the window is down to 1 in a throttling storm.
	 */
	async acquire(until = Number.POSITIVE_INFINITY): Promise<boolean> {
		if (this.inFlight < this.current) {
			this.inFlight += 1;
			return true;
		}
		if (until === Number.POSITIVE_INFINITY) {
			await new Promise<void>((resolve) => this.waiting.push(resolve));
			return true;
		}
		const waitMs = until - Date.now();
		if (waitMs <= 0) return false;
		const admitted = new AbortController();
		const admit = () => admitted.abort();
		this.waiting.push(admit);
		await sleep(waitMs, admitted.signal).catch(() => undefined);
		if (admitted.signal.aborted) return true;
		this.waiting.splice(this.waiting.indexOf(admit), 1);
		return false;
	}

	release(): void {
		this.inFlight -= 1;
		this.admit();
	}

	succeeded(): void {
		this.successesInARow += 1;
		if (this.current < this.max && this.successesInARow >= this.current) {
			this.current += 1;
			this.successesInARow = 0;
			this.admit();
		}
	}

	throttled(): void {
		this.throttles += 1;
		this.successesInARow = 0;
		this.current = Math.max(1, Math.floor(this.current / 2));
		this.lowest = Math.min(this.lowest, this.current);
	}

	private admit(): void {
		while (this.inFlight < this.current && this.waiting.length > 0) {
			this.inFlight += 1;
			this.waiting.shift()!();
		}
	}
}
