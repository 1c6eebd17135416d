/**
 * Simulated time. Vehicles are advanced lazily from this clock when they are read, instead of
 * with a timer each, so a fleet of thousands costs nothing while idle. `timeScale` speeds the
 * simulated world up (10 → a ten-second push interval passes in one real second), and
 * `advance` jumps ahead so tests can let an hour pass without waiting.
 */
/**
 * Wall-clock epoch seconds: the time stamped on what the gateway sends (push and status times),
 * whatever the simulated clock does. A receiver compares them with its own clock (the trigger
 * refuses pushes too old or too far ahead), so a time-scaled or advanced world must not carry
 * its simulated time onto the wire.
 */
export function wallSeconds(): number {
	return Math.floor(Date.now() / 1000);
}

export class SimClock {
	private anchorReal = Date.now();
	private anchorSim = this.anchorReal;

	constructor(private scale = 1) {
		if (!(scale > 0)) throw new RangeError(`timeScale must be > 0, got ${scale}`);
	}

	get timeScale(): number {
		return this.scale;
	}

	/** Simulated epoch milliseconds. */
	now(): number {
		return this.anchorSim + (Date.now() - this.anchorReal) * this.scale;
	}

	setTimeScale(scale: number): void {
		if (!(scale > 0)) throw new RangeError(`timeScale must be > 0, got ${scale}`);
		// Re-anchor so that simulated time does not jump when the speed changes.
		this.anchorSim = this.now();
		this.anchorReal = Date.now();
		this.scale = scale;
	}

	advance(seconds: number): void {
		if (!(seconds >= 0)) throw new RangeError(`can only advance by seconds >= 0, got ${seconds}`);
		this.anchorSim += seconds * 1000;
	}

	/** Real milliseconds that correspond to a simulated duration. */
	realMs(simSeconds: number): number {
		return (simSeconds * 1000) / this.scale;
	}
}
