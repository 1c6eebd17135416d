/**
 * The parts of the mirror other n8n processes wrote (see memory.ts): webhook processes of a
 * cluster behind a balancer, or processes of this n8n before a restart. Each is decoded once per
 * version (its write time) and kept until it disappears from static data, so looking a vehicle or
 * a push up in them costs a map lookup per process, and decoding costs what those processes write.
 */
import { decodeRecent, decodeVehicles } from './memoryCodec';
import type { VehicleRecord } from './vehicles';

/** One process's part of the mirror, as stored. */
export interface Shard {
	/** Epoch ms of the write; also the part's version. */
	at: number;
	vehicles: string;
	recent: string;
}

interface Decoded {
	at: number;
	vehicles: Map<string, VehicleRecord>;
	recent: Map<string, number>;
}

export function asShard(value: unknown): Shard | undefined {
	if (typeof value !== 'object' || value === null) return undefined;
	const { at, vehicles, recent } = value as Record<string, unknown>;
	if (typeof at !== 'number' || !Number.isFinite(at)) return undefined;
	return { at, vehicles: typeof vehicles === 'string' ? vehicles : '', recent: typeof recent === 'string' ? recent : '' };
}

export class OtherShards {
	private readonly decoded = new Map<string, Decoded>();

	/** Follows the parts found in this request's static data, `own` excepted. */
	sync(shards: Readonly<Record<string, unknown>>, own: string): void {
		for (const id of this.decoded.keys()) if (!(id in shards)) this.decoded.delete(id);
		for (const [id, value] of Object.entries(shards)) {
			if (id === own) continue;
			const shard = asShard(value);
			if (shard === undefined) {
				this.decoded.delete(id);
				continue;
			}
			if (this.decoded.get(id)?.at === shard.at) continue;
			this.decoded.set(id, { at: shard.at, vehicles: decodeVehicles(shard.vehicles), recent: new Map(decodeRecent(shard.recent)) });
		}
	}

	/** The most recently changed copy of the vehicle's record among the other processes' parts. */
	freshest(iotCode: string): VehicleRecord | undefined {
		let found: VehicleRecord | undefined;
		for (const part of this.decoded.values()) {
			const record = part.vehicles.get(iotCode);
			if (record !== undefined && (found === undefined || record.seenAt > found.seenAt)) found = record;
		}
		return found;
	}

	/** Whether another process started a run for this push and its window has not passed. */
	hasRecent(key: string, now: number): boolean {
		for (const part of this.decoded.values()) {
			const expiresAt = part.recent.get(key);
			if (expiresAt !== undefined && expiresAt > now) return true;
		}
		return false;
	}

	/** Parts not written since `before`: their process is most likely gone. */
	staleSince(before: number): Array<[string, { vehicles: ReadonlyMap<string, VehicleRecord>; recent: ReadonlyMap<string, number> }]> {
		return [...this.decoded].filter(([, part]) => part.at < before);
	}

	forget(id: string): void {
		this.decoded.delete(id);
	}

	get size(): number {
		return this.decoded.size;
	}
}
