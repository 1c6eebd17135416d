/**
 * The vehicles one trigger node remembers in this process, bounded: at most `capacity`, the least
 * recently seen dropped first, in O(1) (a Map keeps insertion order, and a vehicle seen again is
 * moved to its end).
 */
import type { VehicleRecord } from '../shared/memory/codec';

/** A record as this process holds it. */
export type HeldRecord = VehicleRecord & {
	/** A copy of what another n8n process stored, kept here but stored by that process (memory.ts). */
	shared?: boolean;
};

export class VehicleRecords {
	private readonly records = new Map<string, HeldRecord>();
	/** Told of a vehicle dropped at the bound, so that nothing else keeps watching it. */
	onEvict?: (iotCode: string) => void;

	constructor(readonly capacity: number) {}

	get size(): number {
		return this.records.size;
	}

	get(iotCode: string): HeldRecord | undefined {
		return this.records.get(iotCode);
	}

	/** Stores a record as the most recently seen. */
	put(iotCode: string, record: HeldRecord): void {
		this.records.delete(iotCode);
		if (this.records.size >= this.capacity) {
			const oldest = this.records.keys().next();
			if (oldest.done !== true) {
				this.records.delete(oldest.value);
				this.onEvict?.(oldest.value);
			}
		}
		this.records.set(iotCode, record);
	}

	/** Least recently seen first. */
	entries(): IterableIterator<[string, HeldRecord]> {
		return this.records.entries();
	}
}
