/**
 * The trigger's memory mirrored into static data, so that it survives a restart and a cluster of
 * processes. n8n loads a workflow's static data fresh from the database for every webhook request
 * and writes it back whole when it changed, right after the node answered and before the run is
 * handed on; requests running at the same time each start from the stored copy and the last write
 * wins, in one process or across the webhook processes of a queue-mode cluster. So static data
 * holds one part (a shard) per process, keyed by an id made when the module loads. A part is
 * written
 * - at once after a critical change (see Urgency) while the whole mirror is small
 *   (IMMEDIATE_WRITE_BYTES): a restart or a vehicle moving to another process can then never
 *   fire it twice or miss its change;
 * - otherwise once enough pushes have passed since the last write: at least
 *   MIN_PUSHES_BETWEEN_WRITES, and so many that the write costs at most WRITE_BUDGET_BYTES per
 *   push, so bytes written per push stay bounded however large the fleet.
 *
 * Every push compares the stored copy with what this process wrote: a write another process's
 * write erased (it started from an older copy), or that n8n did not save, is written again once
 * CONFIRM_MS have passed without it showing up. The other processes' parts are read too (see
 * memory.ts). A part not written for ADOPT_AFTER_MS belongs to a process that is gone: one live
 * process takes its vehicles over and removes the part with its next write. While pushes arrive a
 * part is written at least every HEARD_WRITE_MS, with the time of the newest push.
 *
 * A part is bounded (MIRROR_CHARS): vehicles whose loss would make them fire twice go first, then
 * the most recently seen; a larger fleet keeps the rest in its process only.
 */
import { randomUUID } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { decodeVehicles, encodeVehicles, MIRROR_CHARS } from '../shared/memory/codec';
import type { Urgency } from '../shared/rules/rule';
import { encodeRecent, type RecentPushes } from './dedupe';
import { asShard, OtherShards, shardChars, type Shard } from './shards';
import type { HeldRecord, VehicleRecords } from './vehicles';

/** Retry memory kept in the mirror: the newest entries, which Segway's resend can still hit. */
export const MIRROR_RECENT = 1_000;
/** A mirror (all processes' parts) up to this size is written on every change that matters. */
export const IMMEDIATE_WRITE_BYTES = 64 * 1024;
/** Otherwise writes are spread so that they cost at most this much per push, on average. */
export const WRITE_BUDGET_BYTES = 2 * 1024;
export const MIN_PUSHES_BETWEEN_WRITES = 256;
/** A write of this process not in the stored copy this long after was lost, and is made again. */
export const CONFIRM_MS = 3_000;
/** A part not written for this long belongs to a process that is gone. */
export const ADOPT_AFTER_MS = 10 * 60_000;
/**
 * While pushes arrive, a part is written at least this often, so that the stored time of the
 * newest push (what the stream probe answers) is never older than this.
 */
export const HEARD_WRITE_MS = 60_000;

/** The static data key of the mirror; `lowBattery` / `lastStates` are the first version's. */
export const STATIC_KEY = 'segwayVehicles';
const V1_KEYS = ['lowBattery', 'lastStates'] as const;

/** This process's part of the mirror. */
const SHARD = randomUUID();

/** What the mirror writes: the node's memory in this process. */
interface Held {
	readonly records: VehicleRecords;
	readonly recent: RecentPushes;
	readonly lastPushAt: number;
}

export class Mirror {
	/** The newest version of each other process's part this process has seen. */
	readonly others = new OtherShards();
	private dirty = false;
	private critical = false;
	private pushesSinceWrite = 0;
	/** Characters of this process's part as last written. */
	private ownChars = 0;
	/** The last write, until a request finds it stored. */
	private unconfirmed: { at: number; critical: boolean } | undefined;
	private lastAt = 0;
	/** The newest push as last written (before the first write: the first push, so that it alone causes none). */
	private writtenHeard = 0;
	/** Parts this process took over (their vehicles are in its memory): left out of its writes. */
	private readonly adopted = new Set<string>();

	constructor(readonly id: string = SHARD) {}

	/**
	 * Before a verified push is decided, with the static data n8n loaded for it: notes a lost
	 * write, takes in the other processes' parts and takes over those of processes that are gone.
	 * One process takes a gone part over (heirOf), so that a silent vehicle in it is reported once:
	 * its vehicles are returned, to be watched. The others keep reading the part until the heir's
	 * write removes it, and then read its vehicles in the heir's part.
	 */
	observe(memory: Held, staticData: IDataObject, now: number): Array<[string, HeldRecord]> {
		const toWatch: Array<[string, HeldRecord]> = [];
		const shards = asRecord(staticData[STATIC_KEY]);
		for (const id of this.adopted) if (!(id in shards)) this.adopted.delete(id);
		this.others.sync(shards, this.id, this.adopted, now - ADOPT_AFTER_MS);

		if (this.unconfirmed !== undefined) {
			if (asShard(shards[this.id])?.at === this.unconfirmed.at) {
				this.unconfirmed = undefined;
			} else if (now - this.unconfirmed.at > CONFIRM_MS) {
				this.dirty = true;
				this.critical ||= this.unconfirmed.critical;
				this.unconfirmed = undefined;
			}
		}
		for (const [id, part] of this.others.staleSince(now - ADOPT_AFTER_MS)) {
			if (this.heirOf(id, now) !== this.id) continue;
			for (const [iotCode, record] of part.vehicles) {
				const mine = memory.records.get(iotCode);
				if (mine !== undefined && record.seenAt <= mine.seenAt) continue;
				const taken = { ...record };
				memory.records.put(iotCode, taken);
				toWatch.push([iotCode, taken]);
			}
			for (const [key, expiresAt] of part.recent) if (expiresAt > now && !memory.recent.has(key, now)) memory.recent.remember(key, expiresAt, now);
			this.others.forget(id);
			this.adopted.add(id);
			this.dirty = true;
		}
		return toWatch;
	}

	/**
	 * The process that takes a gone process's part over: of the processes alive as far as this one
	 * can tell, the one whose id sorts first. Every process sees the same parts, so they agree; this
	 * one counts itself only once its own part is stored (others cannot see it before), unless no
	 * other is alive. An heir that is gone too leaves both parts to the next, once its own is stale.
	 */
	private heirOf(goneId: string, now: number): string {
		const alive = this.others.liveSince(now - ADOPT_AFTER_MS).filter((id) => id !== goneId);
		if (this.lastAt > 0 || alive.length === 0) alive.push(this.id);
		return alive.sort()[0];
	}

	/** A change made outside a push's own (a silent vehicle reported): written with the push's. */
	note(urgency: Urgency): void {
		if (urgency !== 'none') this.dirty = true;
		if (urgency === 'critical') this.critical = true;
	}

	/** The newest verified push any process stored, as far as this request's static data and earlier ones tell. */
	lastHeard(staticData: IDataObject): number {
		let heard = Math.max(this.writtenHeard, this.others.lastHeard);
		for (const value of Object.values(asRecord(staticData[STATIC_KEY]))) heard = Math.max(heard, asShard(value)?.heard ?? 0);
		return heard;
	}

	/** Called once per verified push of the node, after its decision; writes when the policy says so. */
	afterPush(urgency: Urgency, memory: Held, staticData: IDataObject, now: number): void {
		this.pushesSinceWrite += 1;
		if (urgency !== 'none') this.dirty = true;
		if (urgency === 'critical') this.critical = true;
		if (this.writtenHeard === 0) this.writtenHeard = memory.lastPushAt;
		const heardStale = memory.lastPushAt - this.writtenHeard >= HEARD_WRITE_MS;
		if (!this.dirty && !heardStale) return;
		const storedChars = this.ownChars + this.others.chars;
		const due =
			heardStale ||
			(this.critical && storedChars <= IMMEDIATE_WRITE_BYTES) ||
			(this.pushesSinceWrite >= MIN_PUSHES_BETWEEN_WRITES && this.pushesSinceWrite * WRITE_BUDGET_BYTES >= storedChars);
		if (due) this.write(memory, staticData, now);
	}

	private write(memory: Held, staticData: IDataObject, now: number): void {
		const at = Math.max(now, this.lastAt + 1);
		this.lastAt = at;
		const shard: Shard = {
			at,
			heard: memory.lastPushAt,
			vehicles: encodeVehicles(ownRecords(memory.records), MIRROR_CHARS),
			recent: encodeRecent([...memory.recent.live(now)].slice(-MIRROR_RECENT)),
		};
		// The other parts as the newest this process has seen, so that an erased write comes back.
		// Assigning marks the static data changed: n8n writes it after the response.
		staticData[STATIC_KEY] = { ...this.others.stored(), [this.id]: shard };
		for (const key of V1_KEYS) delete staticData[key];
		this.ownChars = shardChars(shard);
		this.writtenHeard = memory.lastPushAt;
		this.unconfirmed = { at, critical: this.critical || (this.unconfirmed?.critical ?? false) };
		this.dirty = false;
		this.critical = false;
		this.pushesSinceWrite = 0;
	}
}

/** The records this process is the one to store: not copies read from another process's part. */
function* ownRecords(records: VehicleRecords): IterableIterator<[string, HeldRecord]> {
	for (const entry of records.entries()) if (entry[1].shared !== true) yield entry;
}

/**
 * The first version kept `{ lowBattery: { iotCode: 1 }, lastStates: { iotCode: "110" } }`: read
 * as the same columns of today's text, so the rules' own readers check every value.
 */
export function firstVersion(stored: IDataObject): Map<string, HeldRecord> {
	const low = asRecord(stored.lowBattery);
	const states = asRecord(stored.lastStates);
	const lines = ['iotCode,lowBattery,states'];
	for (const iotCode of new Set([...Object.keys(low), ...Object.keys(states)])) {
		const state = states[iotCode];
		const cells = [iotCode, low[iotCode] === 1 ? '1' : '', typeof state === 'string' ? state : ''];
		if (cells.some((cell) => /[,\n]/.test(cell)) || cells.slice(1).every((cell) => cell === '')) continue;
		lines.push(cells.join(','));
	}
	return decodeVehicles(lines.join('\n'));
}

function asRecord(value: unknown): Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
