/**
 * What one trigger node remembers in this n8n process, and how it survives a restart.
 *
 * n8n 2.41 loads a workflow's static data fresh from the database for every webhook request and
 * writes it back whole after the response when it changed; requests running at the same time
 * each start from the stored copy and the last write wins. So the process's own memory is the
 * source of truth, and static data is its mirror, read once when the process first meets the
 * node (after a restart) and written:
 * - at once when a push started a run or re-armed the battery filter, while the mirror is small
 *   (IMMEDIATE_WRITE_BYTES): a restart can then never fire a vehicle twice;
 * - otherwise once enough pushes have passed since the last write: at least MIN_PUSHES_BETWEEN_WRITES
 *   (a database write costs n8n far more than a push that changes little), and so many that the
 *   write costs at most WRITE_BUDGET_BYTES per push. Bytes written per push so stay bounded
 *   however large the fleet; for a large fleet a restart can lose the changes of the last few
 *   thousand pushes (the README gives the figures).
 *
 * The mirror is bounded (MIRROR_CHARS): a large one slows n8n down for every push, since n8n
 * reads it with the workflow on each request (measured: 717 pushes/s with 1,000 vehicles in
 * static data, 92/s with 100,000). Vehicles whose loss would make them fire twice go first, then
 * the most recently seen; a larger fleet keeps the rest in this process only.
 *
 * Each process writes its own part (a shard, keyed by an id made when the module loads) and
 * leaves the others as it found them; what earlier processes of a restarted n8n left is taken
 * over when the node is first met and their parts are removed with the first write.
 */
import { randomUUID } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { RecentPushes } from './dedupe';
import { decodeRecent, decodeVehicles, encodeRecent, encodeVehicles } from './memoryCodec';
import { VehicleRecords, type VehicleRecord } from './vehicles';

/** Per trigger node, far above any real fleet: a bound on memory, not a limit anyone should reach. */
export const MAX_VEHICLES = 100_000;
const MAX_NODES = 1_000;

/** Characters of the mirror of one process: ≈ 6,000 vehicles. */
export const MIRROR_CHARS = 256 * 1024;
/** Retry memory kept in the mirror: the newest entries, which Segway's resend can still hit. */
export const MIRROR_RECENT = 1_000;
/** A mirror up to this size is written on every change that matters (≈ 1,500 vehicles). */
export const IMMEDIATE_WRITE_BYTES = 64 * 1024;
/** Otherwise writes are spread so that they cost at most this much per push, on average. */
export const WRITE_BUDGET_BYTES = 2 * 1024;
export const MIN_PUSHES_BETWEEN_WRITES = 256;

/** The static data key of the mirror; `lowBattery` / `lastStates` are the first version's. */
export const STATIC_KEY = 'segwayVehicles';
const V1_KEYS = ['lowBattery', 'lastStates'] as const;

/** This process's part of the mirror. */
const SHARD = randomUUID();

interface Shard {
	/** Epoch ms of the write. */
	at: number;
	vehicles: string;
	recent: string;
}

/** Written to static data; what a push did to the memory. */
export type Change = 'none' | 'changed' | 'critical';

class Mirror {
	private dirty = false;
	private critical = false;
	private pushesSinceWrite = 0;
	private lastBytes = 0;
	/** Shards of earlier processes taken over when the node was first met, removed at the first write. */
	private readonly adopted: Set<string>;

	/** `storedBytes`: the size of what was found, so that the first write is judged like the others. */
	constructor(adopted: Iterable<string>, storedBytes: number) {
		this.adopted = new Set(adopted);
		this.lastBytes = storedBytes;
	}

	/** Called once per verified push of the node; writes when the policy says so. */
	afterPush(change: Change, memory: NodeMemory, staticData: IDataObject, now: number): void {
		this.pushesSinceWrite += 1;
		if (change !== 'none') this.dirty = true;
		if (change === 'critical') this.critical = true;
		if (!this.dirty) return;
		const due =
			(this.critical && this.lastBytes <= IMMEDIATE_WRITE_BYTES) ||
			(this.pushesSinceWrite >= MIN_PUSHES_BETWEEN_WRITES && this.pushesSinceWrite * WRITE_BUDGET_BYTES >= this.lastBytes);
		if (due) this.write(memory, staticData, now);
	}

	private write(memory: NodeMemory, staticData: IDataObject, now: number): void {
		const shard: Shard = {
			at: now,
			vehicles: encodeVehicles(memory.records.entries(), MIRROR_CHARS),
			recent: encodeRecent([...memory.recent.live(now)].slice(-MIRROR_RECENT)),
		};
		const shards: Record<string, unknown> = { ...asRecord(staticData[STATIC_KEY]) };
		for (const id of this.adopted) delete shards[id];
		shards[SHARD] = shard;
		// Assigning marks the static data changed: n8n writes it after the response.
		staticData[STATIC_KEY] = shards;
		for (const key of V1_KEYS) delete staticData[key];
		this.adopted.clear();
		this.lastBytes = shard.vehicles.length + shard.recent.length;
		this.dirty = false;
		this.critical = false;
		this.pushesSinceWrite = 0;
	}
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
 * The node's memory in this process, seeded from static data the first time. Test pushes
 * (manual mode) get a memory of their own that is never written.
 */
export function nodeMemory(workflowId: string | undefined, nodeName: string, mode: string, staticData: () => IDataObject): NodeMemory {
	const key = `${workflowId ?? ''}\u0000${nodeName}\u0000${mode}`;
	let memory = memories.get(key);
	if (memory === undefined) {
		const persisted = mode !== 'manual';
		memory = persisted ? seeded(staticData()) : { records: new VehicleRecords(MAX_VEHICLES), recent: new RecentPushes(), mirror: undefined };
		if (memories.size >= MAX_NODES) {
			const oldest = memories.keys().next();
			if (oldest.done !== true) memories.delete(oldest.value);
		}
		memories.set(key, memory);
	}
	return memory;
}

function seeded(stored: IDataObject): NodeMemory {
	const records = new VehicleRecords(MAX_VEHICLES);
	const recent = new RecentPushes();
	const merged = new Map<string, VehicleRecord>();
	const take = (found: Map<string, VehicleRecord>) => {
		for (const [iotCode, record] of found) {
			const known = merged.get(iotCode);
			if (known === undefined || record.seenAt >= known.seenAt) merged.set(iotCode, record);
		}
	};
	take(firstVersion(stored));
	const shards = asRecord(stored[STATIC_KEY]);
	const now = Date.now();
	let storedBytes = 0;
	for (const shard of Object.values(shards)) {
		const { vehicles, recent: keys } = asRecord(shard);
		storedBytes += (typeof vehicles === 'string' ? vehicles.length : 0) + (typeof keys === 'string' ? keys.length : 0);
		take(decodeVehicles(vehicles));
		for (const [key, expiresAt] of decodeRecent(keys)) if (expiresAt > now) recent.remember(key, expiresAt, now);
	}
	// Oldest first, so that the bound keeps the most recently seen.
	for (const [iotCode, record] of [...merged].sort((a, b) => a[1].seenAt - b[1].seenAt)) records.put(iotCode, record);
	return { records, recent, mirror: new Mirror(Object.keys(shards), Math.min(storedBytes, MIRROR_CHARS)) };
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
