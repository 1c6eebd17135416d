/**
 * What the per-vehicle filters remember between pushes, and the retry memory.
 *
 * Why not static data alone: n8n 2.41 loads a workflow's static data fresh from the database
 * for every production webhook request and saves it after the response callback (live-webhooks
 * `executeWebhook` → `workflowStaticDataService.saveStaticData`). Requests running at the same
 * time each start from the same stored copy and the last save wins, so at ~100 pushes/s state
 * written by one push is lost by the next. Inside one n8n process this memory is therefore the
 * source of truth, and it is mirrored into the node's static data whenever it changes so it
 * survives a restart; a process that has no memory for a node yet seeds it from static data.
 *
 * The mirror assigns the live records (not copies) into static data: n8n serialises static data
 * when it saves, so each save writes the newest state, whichever request triggers it. The
 * records hold only strings and numbers, so n8n's ObservableObject never wraps anything inside.
 * Assigning them to the node's static data object is what marks the workflow as changed; that
 * happens only when a vehicle's remembered state changes, which keeps database writes rare.
 */
import type { IDataObject } from 'n8n-workflow';

import { RecentPushes } from './dedupe';

/**
 * Per-vehicle values keyed by iotCode. `data` is a plain null-prototype object (the keys come
 * from pushes) that is also what gets mirrored into static data.
 */
export class VehicleTable<T extends string | number> {
	readonly data: Record<string, T> = Object.create(null) as Record<string, T>;

	private size = 0;

	constructor(private readonly capacity: number) {}

	get(iotCode: string): T | undefined {
		return this.data[iotCode];
	}

	/** Sets a vehicle's value; when the table is full the vehicle added longest ago is dropped. */
	set(iotCode: string, value: T): void {
		if (!(iotCode in this.data)) {
			if (this.size >= this.capacity) {
				for (const oldest in this.data) {
					delete this.data[oldest];
					this.size -= 1;
					break;
				}
			}
			this.size += 1;
		}
		this.data[iotCode] = value;
	}

	delete(iotCode: string): void {
		if (iotCode in this.data) {
			delete this.data[iotCode];
			this.size -= 1;
		}
	}

	get count(): number {
		return this.size;
	}
}

export interface NodeMemory {
	/** Vehicles whose low-battery push has fired and that have not been re-armed since (value 1). */
	lowBattery: VehicleTable<number>;
	/** Last known `online`, `locked`, `charging` of each vehicle: three chars of `1`, `0`, `-` (unknown). */
	lastStates: VehicleTable<string>;
	/** Signatures of pushes that started a run, for Segway's retry. */
	recent: RecentPushes;
	/** The credential's client secret and when it was read (see SegwayFleetTrigger's clientSecret). */
	secret?: { value: string; readAt: number };
}

/** Per trigger node, far above any real fleet: a bound on memory, not a limit anyone should reach. */
export const MAX_VEHICLES = 100_000;
const MAX_NODES = 1_000;

const STATIC_LOW_BATTERY = 'lowBattery';
const STATIC_LAST_STATES = 'lastStates';
const STATE_PATTERN = /^[-01]{3}$/;

const memories = new Map<string, NodeMemory>();

export function memoryKey(workflowId: string | undefined, nodeName: string, mode: string): string {
	// Test pushes (manual mode) must not disturb what the active workflow remembers.
	return `${workflowId ?? ''}\u0000${nodeName}\u0000${mode}`;
}

/** The node's memory, seeded from its static data the first time this process sees the node. */
export function getNodeMemory(key: string, staticData: () => IDataObject): NodeMemory {
	let memory = memories.get(key);
	if (memory === undefined) {
		const stored = staticData();
		memory = {
			lowBattery: seedTable<number>(stored[STATIC_LOW_BATTERY], (v) => (v === 1 ? 1 : undefined)),
			lastStates: seedTable<string>(stored[STATIC_LAST_STATES], (v) =>
				typeof v === 'string' && STATE_PATTERN.test(v) ? v : undefined,
			),
			recent: new RecentPushes(),
		};
		if (memories.size >= MAX_NODES) {
			const oldest = memories.keys().next();
			if (oldest.done !== true) memories.delete(oldest.value);
		}
		memories.set(key, memory);
	}
	return memory;
}

/** Mirrors the memory into static data; call only after a remembered state changed. */
export function persistNodeMemory(memory: NodeMemory, staticData: IDataObject): void {
	staticData[STATIC_LOW_BATTERY] = memory.lowBattery.data;
	staticData[STATIC_LAST_STATES] = memory.lastStates.data;
}

function seedTable<T extends string | number>(
	stored: unknown,
	accept: (value: unknown) => T | undefined,
): VehicleTable<T> {
	const table = new VehicleTable<T>(MAX_VEHICLES);
	if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return table;
	for (const [iotCode, value] of Object.entries(stored as Record<string, unknown>)) {
		const accepted = accept(value);
		if (accepted !== undefined) table.set(iotCode, accepted);
	}
	return table;
}
