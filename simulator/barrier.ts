/**
 * Holds API requests until a number of them are inside the simulator at once, then lets them
 * all go. A test can so prove that a client keeps that many requests in flight, whatever the
 * machine's load, instead of hoping that timing shows it.
 */
export interface BarrierOutcome {
	/** The count was reached; false when the time bound let the requests go first. */
	reached: boolean;
	/** How many requests were held when it opened. */
	held: number;
}

export class InFlightBarrier {
	readonly outcome: Promise<BarrierOutcome>;
	private readonly waiting: Array<() => void> = [];
	private readonly timer: NodeJS.Timeout;
	private settle!: (outcome: BarrierOutcome) => void;
	private opened = false;

	constructor(
		private readonly count: number,
		timeoutMs: number,
	) {
		if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`count must be a whole number >= 1, got ${count}`);
		this.outcome = new Promise((resolve) => (this.settle = resolve));
		this.timer = setTimeout(() => this.open(false), timeoutMs);
		this.timer.unref();
	}

	get isOpen(): boolean {
		return this.opened;
	}

	/** Resolves when the barrier opens; at once when it is open already. */
	arrive(): Promise<void> {
		if (this.opened) return Promise.resolve();
		return new Promise((resolve) => {
			this.waiting.push(resolve);
			if (this.waiting.length >= this.count) this.open(true);
		});
	}

	private open(reached: boolean): void {
		if (this.opened) return;
		this.opened = true;
		clearTimeout(this.timer);
		const held = this.waiting.length;
		for (const release of this.waiting.splice(0)) release();
		this.settle({ reached, held });
	}
}
