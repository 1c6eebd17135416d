/**
 * The parts of the mirror other n8n processes wrote (see memory.ts): webhook processes of a
 * cluster behind a balancer, or processes of this n8n before a restart.
 *
 * n8n writes static data whole, so a process's write can carry an older copy of another
 * process's part than the database holds (it loaded before that part was last written): the
 * newer part is erased. This process therefore keeps the newest version of each part it has seen
 * in any request, keeps it when a later request finds an older one or none (an erased write), and
 * writes that newest version back with its own part. An erased write is so restored by whichever
 * process saw it, not only by its own process, which may be gone or drained by then.
 *
 * Each part is decoded once per version (its write time), so looking a vehicle or a push up in
 * them costs a map lookup per process, and decoding costs what those processes write.
 */
import { decodeVehicles, type VehicleRecord } from '../shared/memory/codec';
import { decodeRecent } from './dedupe';

/** One process's part of the mirror, as stored. */
export interface Shard {
	/** Epoch ms of the write; also the part's version. */
	at: number;
	/** The newest verified push the process had received when it wrote, epoch ms (0: none). */
	heard: number;
	vehicles: string;
	recent: string;
}

interface Known {
	shard: Shard;
	vehicles: Map<string, VehicleRecord>;
	recent: Map<string, number>;
}

export function asShard(value: unknown): Shard | undefined {
	if (typeof value !== 'object' || value === null) return undefined;
	const { at, heard, vehicles, recent } = value as Record<string, unknown>;
	if (typeof at !== 'number' || !Number.isFinite(at)) return undefined;
	return {
		at,
		heard: typeof heard === 'number' && Number.isFinite(heard) ? heard : 0,
		vehicles: typeof vehicles === 'string' ? vehicles : '',
		recent: typeof recent === 'string' ? recent : '',
	};
}

export function shardChars(shard: Shard): number {
	return shard.vehicles.length + shard.recent.length;
}

export class OtherShards {
	private readonly known = new Map<string, Known>();

	/**
	 * Takes in the parts found in this request's static data (all but `own` and `skip`): a newer
	 * version replaces the known one; an older one, or none, does not (a write was erased), unless
	 * the known version is older than `goneBefore`: then another process took the part over.
	 */
	sync(shards: Readonly<Record<string, unknown>>, own: string, skip: ReadonlySet<string>, goneBefore: number): void {
		for (const [id, known] of this.known) {
			if (!(id in shards) && known.shard.at < goneBefore) this.known.delete(id);
		}
		for (const [id, value] of Object.entries(shards)) {
			if (id === own || skip.has(id)) continue;
			const shard = asShard(value);
			if (shard === undefined) continue;
			const known = this.known.get(id);
			if (known !== undefined && known.shard.at >= shard.at) continue;
			this.known.set(id, { shard, vehicles: decodeVehicles(shard.vehicles), recent: new Map(decodeRecent(shard.recent)) });
		}
	}

	/** The most recently changed copy of the vehicle's record among the other processes' parts. */
	freshest(iotCode: string): VehicleRecord | undefined {
		let found: VehicleRecord | undefined;
		for (const part of this.known.values()) {
			const record = part.vehicles.get(iotCode);
			if (record !== undefined && (found === undefined || record.seenAt > found.seenAt)) found = record;
		}
		return found;
	}

	/** Whether another process started a run for this push and its window has not passed. */
	hasRecent(key: string, now: number): boolean {
		for (const part of this.known.values()) {
			const expiresAt = part.recent.get(key);
			if (expiresAt !== undefined && expiresAt > now) return true;
		}
		return false;
	}

	/** Parts not written since `before`: their process is most likely gone. */
	staleSince(before: number): Array<[string, { vehicles: ReadonlyMap<string, VehicleRecord>; recent: ReadonlyMap<string, number> }]> {
		return [...this.known].filter(([, part]) => part.shard.at < before);
	}

	/** The newest verified push any other process had received when it last wrote (0: none). */
	get lastHeard(): number {
		let heard = 0;
		for (const part of this.known.values()) heard = Math.max(heard, part.shard.heard);
		return heard;
	}

	/** Other processes that wrote since `since`: alive, as far as this process can tell. */
	liveSince(since: number): string[] {
		return [...this.known].filter(([, part]) => part.shard.at >= since).map(([id]) => id);
	}

	forget(id: string): void {
		this.known.delete(id);
	}

	/** The newest version of every other part, as it is to be stored. */
	stored(): Record<string, Shard> {
		return Object.fromEntries([...this.known].map(([id, part]) => [id, part.shard]));
	}

	/** Characters of all other parts. */
	get chars(): number {
		let chars = 0;
		for (const part of this.known.values()) chars += shardChars(part.shard);
		return chars;
	}
}
