/**
 * What one trigger node remembers in this n8n process, and how it survives a restart and a
 * cluster of processes.
 *
 * n8n loads a workflow's static data fresh from the database for every webhook request and
 * writes it back whole when it changed, right after the node answered and before the run is
 * handed on; requests running at the same time each start from the stored copy and the last
 * write wins, in one process or across the webhook processes of a queue-mode cluster. So each process's own memory is the source of truth for the vehicles it
 * receives, and static data is its mirror: one part (a shard) per process, keyed by an id made
 * when the module loads. A part is written
 * - at once when a push started a run, re-armed the battery filter or recorded a vehicle's
 *   first states, while the whole mirror is small (IMMEDIATE_WRITE_BYTES): a restart or a
 *   vehicle moving to another process can then never fire it twice or miss its change;
 * - otherwise once enough pushes have passed since the last write: at least
 *   MIN_PUSHES_BETWEEN_WRITES, and so many that the write costs at most WRITE_BUDGET_BYTES per
 *   push. Bytes written per push stay bounded however large the fleet; for a large fleet a
 *   process that stops loses the changes of its last few thousand pushes (README: Large fleets).
 *
 * Every push compares the stored copy with what this process wrote: a write another process's
 * write erased (it started from an older copy), or that n8n did not save, is written again once
 * CONFIRM_MS have passed without it showing up. The other processes' parts are read too: a
 * vehicle this process has not seen, or seen less recently than another process did (the
 * balancer moved it here when that process stopped), is taken from them, and so is a push they
 * already ran (Segway's resend, or the balancer's retry, landing here). A part not written for
 * ADOPT_AFTER_MS belongs to a process that is gone: its vehicles are taken over and the part is
 * removed with the next write.
 *
 * The mirror is bounded (MIRROR_CHARS per process): a large one slows n8n down for every push,
 * since n8n reads it with the workflow on each request (measured: 717 pushes/s with 1,000
 * vehicles in static data, 92/s with 100,000). Vehicles whose loss would make them fire twice go
 * first, then the most recently seen; a larger fleet keeps the rest in this process only.
 */
import { randomUUID } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { RecentPushes } from './dedupe';
import { encodeRecent, encodeVehicles } from './memoryCodec';
import { asShard, OtherShards, shardChars, type Shard } from './shards';
import { VehicleRecords, type VehicleRecord } from './vehicles';

/** Per trigger node, far above any real fleet: a bound on memory, not a limit anyone should reach. */
export const MAX_VEHICLES = 100_000;
const MAX_NODES = 1_000;

/** Characters of the mirror of one process: ≈ 6,000 vehicles. */
export const MIRROR_CHARS = 256 * 1024;
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

/** The static data key of the mirror; `lowBattery` / `lastStates` are the first version's. */
export const STATIC_KEY = 'segwayVehicles';
const V1_KEYS = ['lowBattery', 'lastStates'] as const;

/** This process's part of the mirror. */
const SHARD = randomUUID();

/** Written to static data; what a push did to the memory. */
export type Change = 'none' | 'changed' | 'critical';

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
	/** Parts this process took over (their vehicles are in its memory): left out of its writes. */
	private readonly adopted = new Set<string>();

	constructor(readonly id: string = SHARD) {}

	/**
	 * Before a verified push is decided, with the static data n8n loaded for it: notes a lost
	 * write, takes in the other processes' parts and takes over those of processes that are gone.
	 */
	observe(memory: NodeMemory, staticData: IDataObject, now: number): void {
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
			for (const [iotCode, record] of part.vehicles) {
				const mine = memory.records.get(iotCode);
				if (mine === undefined || record.seenAt > mine.seenAt) memory.records.put(iotCode, { ...record });
			}
			for (const [key, expiresAt] of part.recent) if (expiresAt > now && !memory.recent.has(key, now)) memory.recent.remember(key, expiresAt, now);
			this.others.forget(id);
			this.adopted.add(id);
			this.dirty = true;
		}
	}

	/** Called once per verified push of the node, after its decision; writes when the policy says so. */
	afterPush(change: Change, memory: NodeMemory, staticData: IDataObject, now: number): void {
		this.pushesSinceWrite += 1;
		if (change !== 'none') this.dirty = true;
		if (change === 'critical') this.critical = true;
		if (!this.dirty) return;
		const storedChars = this.ownChars + this.others.chars;
		const due =
			(this.critical && storedChars <= IMMEDIATE_WRITE_BYTES) ||
			(this.pushesSinceWrite >= MIN_PUSHES_BETWEEN_WRITES && this.pushesSinceWrite * WRITE_BUDGET_BYTES >= storedChars);
		if (due) this.write(memory, staticData, now);
	}

	private write(memory: NodeMemory, staticData: IDataObject, now: number): void {
		const at = Math.max(now, this.lastAt + 1);
		this.lastAt = at;
		const shard: Shard = {
			at,
			vehicles: encodeVehicles(ownRecords(memory.records), MIRROR_CHARS),
			recent: encodeRecent([...memory.recent.live(now)].slice(-MIRROR_RECENT)),
		};
		// The other parts as the newest this process has seen, so that an erased write comes back.
		// Assigning marks the static data changed: n8n writes it after the response.
		staticData[STATIC_KEY] = { ...this.others.stored(), [this.id]: shard };
		for (const key of V1_KEYS) delete staticData[key];
		this.ownChars = shardChars(shard);
		this.unconfirmed = { at, critical: this.critical || (this.unconfirmed?.critical ?? false) };
		this.dirty = false;
		this.critical = false;
		this.pushesSinceWrite = 0;
	}
}

/** The records this process is the one to store: not copies read from another process's part. */
function* ownRecords(records: VehicleRecords): IterableIterator<[string, VehicleRecord]> {
	for (const entry of records.entries()) if (entry[1].shared !== true) yield entry;
}

export interface NodeMemory {
	records: VehicleRecords;
	/** Signatures of pushes that started a run, for Segway's retry and for replays. */
	recent: RecentPushes;
	/** The credential's client secret and when it was read (see secret.ts). */
	secret?: { value: string; readAt: number };
	/** When a failed verification last caused a fresh credential read. */
	secretRereadAt?: number;
	/** When a push too old or too new was last logged, to keep a flood out of the log. */
	staleLoggedAt?: number;
	/** Undefined for test pushes (manual mode): they must not write what the active workflow remembers. */
	mirror: Mirror | undefined;
}

const memories = new Map<string, NodeMemory>();

/**
 * The node's memory in this process, created the first time (from what the first version of the
 * node stored, if anything; the parts are read push by push). Test pushes (manual mode) get a
 * memory of their own that is never written.
 */
export function nodeMemory(workflowId: string | undefined, nodeName: string, mode: string, staticData: () => IDataObject): NodeMemory {
	const key = `${workflowId ?? ''}\u0000${nodeName}\u0000${mode}`;
	let memory = memories.get(key);
	if (memory === undefined) {
		const records = new VehicleRecords(MAX_VEHICLES);
		const persisted = mode !== 'manual';
		if (persisted) for (const [iotCode, record] of firstVersion(staticData())) records.put(iotCode, record);
		memory = { records, recent: new RecentPushes(), mirror: persisted ? new Mirror() : undefined };
		if (memories.size >= MAX_NODES) {
			const oldest = memories.keys().next();
			if (oldest.done !== true) memories.delete(oldest.value);
		}
		memories.set(key, memory);
	}
	return memory;
}

/**
 * The vehicle's record for a decision: this process's, or a copy another process stored more
 * recently (the vehicle was routed there before). The copy becomes this process's to store once
 * a push changes it.
 */
export function vehicleRecord(memory: NodeMemory, iotCode: string): VehicleRecord {
	const known = knownRecord(memory, iotCode);
	if (known !== undefined && known !== memory.records.get(iotCode)) {
		const copy: VehicleRecord = { ...known, shared: true };
		memory.records.put(iotCode, copy);
		return copy;
	}
	return memory.records.touch(iotCode);
}

/**
 * The vehicle's record to read, as vehicleRecord() would pick it, without creating one: an alert
 * of a vehicle never seen must not take a place in the bounded memory.
 */
export function knownRecord(memory: NodeMemory, iotCode: string): VehicleRecord | undefined {
	const theirs = memory.mirror?.others.freshest(iotCode);
	const mine = memory.records.get(iotCode);
	return theirs !== undefined && (mine === undefined || theirs.seenAt > mine.seenAt) ? theirs : mine;
}

/** Whether this push already started a run, here or in another process. */
export function ranBefore(memory: NodeMemory, key: string, now: number): boolean {
	return memory.recent.has(key, now) || (memory.mirror?.others.hasRecent(key, now) ?? false);
}

/** The first version kept `{ lowBattery: { iotCode: 1 }, lastStates: { iotCode: "110" } }`. */
function firstVersion(stored: IDataObject): Map<string, VehicleRecord> {
	const found = new Map<string, VehicleRecord>();
	const record = (iotCode: string) => {
		let r = found.get(iotCode);
		if (r === undefined) {
			r = { seenAt: 0, lowBattery: false, states: undefined, statusAt: 0 };
			found.set(iotCode, r);
		}
		return r;
	};
	for (const [iotCode, value] of Object.entries(asRecord(stored.lowBattery))) {
		if (value === 1 && /^\d{15}$/.test(iotCode)) record(iotCode).lowBattery = true;
	}
	for (const [iotCode, value] of Object.entries(asRecord(stored.lastStates))) {
		if (typeof value === 'string' && /^[-01]{3}$/.test(value) && /^\d{15}$/.test(iotCode)) record(iotCode).states = value;
	}
	return found;
}

function asRecord(value: unknown): Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
