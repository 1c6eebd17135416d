/**
 * What the trigger remembers of each vehicle between pushes, bounded: at most `capacity`
 * vehicles, the least recently seen dropped first, in O(1) (a Map keeps insertion order, and a
 * vehicle seen again is moved to its end).
 */

/** A position and the time of its fix (epoch ms). */
export interface Position {
	latitude: number;
	longitude: number;
	at: number;
}

export interface Fix extends Position {
	satellites?: number;
	hdop?: number;
	/** Own time of a newer push that reported no valid fix, epoch ms. */
	invalidAt?: number;
}

export interface LockWatch {
	locked: boolean;
	/** Own time of the newest status push that said so, epoch ms. */
	at: number;
	/** Where it was locked; undefined until a valid fix is known for the lock. */
	anchor?: Position;
	/** Fired for the current movement and not re-armed since. */
	fired: boolean;
}

export interface VehicleRecord {
	/** When this record last changed, epoch ms: of two copies (processes, restarts) the newer wins. */
	seenAt: number;
	/** The low-battery filter fired for the vehicle and was not re-armed since. */
	lowBattery: boolean;
	/** Last known online, locked, charging: `1`, `0` or `-` (unknown) each; undefined before any status. */
	states: string | undefined;
	/** Own time of the newest status push taken into account, epoch ms; 0 before any. */
	statusAt: number;
	/** A copy of what another n8n process stored, kept here but stored by that process (memory.ts). */
	shared?: boolean;
	/** The newest valid fix of its location pushes (location.ts); replaced, never changed in place. */
	fix?: Fix;
	/** Its lock state and where it was locked, for "moved while locked" (location.ts); replaced, never changed in place. */
	lock?: LockWatch;
}

export function emptyRecord(): VehicleRecord {
	return { seenAt: 0, lowBattery: false, states: undefined, statusAt: 0 };
}

export class VehicleRecords {
	private readonly records = new Map<string, VehicleRecord>();

	constructor(readonly capacity: number) {}

	get size(): number {
		return this.records.size;
	}

	get(iotCode: string): VehicleRecord | undefined {
		return this.records.get(iotCode);
	}

	/** The vehicle's record, created when new; it becomes the most recently seen. */
	touch(iotCode: string): VehicleRecord {
		const record = this.records.get(iotCode);
		if (record !== undefined) {
			this.records.delete(iotCode);
			this.records.set(iotCode, record);
			return record;
		}
		const created = emptyRecord();
		this.put(iotCode, created);
		return created;
	}

	/** Stores a record (adopted from storage) as the most recently seen. */
	put(iotCode: string, record: VehicleRecord): void {
		this.records.delete(iotCode);
		if (this.records.size >= this.capacity) {
			const oldest = this.records.keys().next();
			if (oldest.done !== true) this.records.delete(oldest.value);
		}
		this.records.set(iotCode, record);
	}

	/** Least recently seen first. */
	entries(): IterableIterator<[string, VehicleRecord]> {
		return this.records.entries();
	}
}
