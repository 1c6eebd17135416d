/**
 * What one trigger node remembers in this process: the source of truth for the vehicles this
 * process receives. A push reads it once (recall) and hands it what changed once (afterPush).
 * Which records are this process's to store, and how soon a change reaches the mirror in static
 * data (mirror.ts), is decided here, out of the rules' sight.
 *
 * Other processes' parts of the mirror are read as they change: a vehicle this process has not
 * seen, or seen less recently than another process did (the balancer moved it here when that
 * process stopped), is taken from them, and so is a push they already ran (Segway's resend, or the
 * balancer's retry, landing here).
 */
import type { IDataObject } from 'n8n-workflow';

import { emptyRecord, withChanges } from '../shared/memory/codec';
import type { VehicleState } from '../shared/rules';
import { moreUrgent, type Decision, type QuietClock, type Urgency } from '../shared/rules/rule';
import { RecentPushes } from './dedupe';
import { firstVersion, Mirror } from './mirror';
import { QuietWatch } from './quiet';
import { VehicleRecords, type HeldRecord } from './vehicles';

/** Per trigger node, far above any real fleet: a bound on memory, not a limit anyone should reach. */
export const MAX_VEHICLES = 100_000;
const MAX_NODES = 1_000;
/** Silent vehicles reported by one push at most: one run's items; the rest go with the next pushes. */
export const MAX_REPORTS_PER_PUSH = 100;

/** A time-driven rule's view of the memory (silence): a vehicle's clock, and the judgment when it runs out. */
export interface TimeRules {
	clockOf(vehicle: Readonly<VehicleState>): QuietClock | undefined;
	overdue(vehicle: Readonly<VehicleState>, now: number): Pick<Decision<VehicleState>, 'reports' | 'next' | 'urgency'>;
}

/** What a push needs to know before it is decided. */
export interface Recalled {
	iotCode: string;
	/** The signature key of the push (dedupe.ts). */
	key: string;
	/** The push already started a run, here or in another process. */
	ranBefore: boolean;
	/** The vehicle as last known: this process's record, or a copy another process stored more recently. */
	vehicle: Readonly<VehicleState> | undefined;
}

/** What a push changed, as its rules decided. */
export interface PushChanges {
	/** The fields the rules looked at, after the push; undefined when no rule that remembers looked. */
	vehicle?: Partial<VehicleState>;
	urgency: Urgency;
	/** The push started a run: its retry entry, until when, and how soon it must be stored. */
	run?: { expiresAt: number; urgency: Urgency };
}

/** A vehicle whose clock ran out, and what its judgment reports. */
export interface Overdue {
	iotCode: string;
	reports: IDataObject[];
}

export class NodeMemory {
	readonly records: VehicleRecords;
	/** Signatures of pushes that started a run, for Segway's retry and for replays. */
	readonly recent = new RecentPushes();
	/** Vehicles whose silence this process judges, soonest first. */
	readonly quiet = new QuietWatch();

	/** The credential's client secret, read or being read, and when the read began (see secret.ts). */
	secret?: { value: Promise<string>; readAt: number; failed?: boolean };
	/** When a failed verification last caused a fresh credential read. */
	secretRereadAt?: number;
	/** When a push too old or too new was last logged, to keep a flood out of the log. */
	staleLoggedAt?: number;
	/** Undefined for test pushes (manual mode): they must not write what the active workflow remembers. */
	private readonly mirror: Mirror | undefined;

	constructor(persisted: boolean, capacity = MAX_VEHICLES) {
		this.records = new VehicleRecords(capacity);
		this.mirror = persisted ? new Mirror() : undefined;
		this.records.onEvict = (iotCode) => this.quiet.forget(iotCode);
	}

	/** Every fresh verified push: the stream is alive. */
	heardStream(now: number): void {
		this.quiet.heardStream(now);
	}

	/** When this process last received a fresh verified push (the stream probe's answer); 0: never. */
	get lastPushAt(): number {
		return this.quiet.lastPushAt;
	}

	/** The newest verified push of this node known here: this process's, or one another process stored. */
	lastPushKnown(staticData: IDataObject): number | undefined {
		const stored = this.mirror?.lastHeard(staticData) ?? 0;
		const newest = Math.max(this.lastPushAt, stored);
		return newest > 0 ? newest : undefined;
	}

	/**
	 * The one read of a push: whether it ran before, and the vehicle as last known (nothing is
	 * created). `time` is given where a rule judges vehicles by time: vehicles taken over from a
	 * process that is gone are watched here when this process is the one to watch them.
	 */
	recall(iotCode: string, key: string, staticData: IDataObject, now: number, time?: TimeRules): Recalled {
		const adopted = this.mirror?.observe(this, staticData, now);
		if (time !== undefined) for (const [code, record] of adopted ?? []) this.quiet.watch(code, time.clockOf(record));
		const ranBefore = this.recent.has(key, now) || (this.mirror?.others.hasRecent(key, now) ?? false);
		return { iotCode, key, ranBefore, vehicle: this.known(iotCode) };
	}

	/**
	 * The one write of a push. The vehicle becomes the most recently seen; a copy of another
	 * process's record is kept as such until a change worth storing makes it this process's.
	 * Where a rule judges vehicles by time (`time`), the vehicle's clock starts anew, and the
	 * vehicles whose clocks ran out are judged, before the mirror is written, their reports returned.
	 */
	afterPush(recalled: Recalled, changes: PushChanges, staticData: IDataObject, now: number, time?: TimeRules): Overdue[] {
		const { iotCode } = recalled;
		let urgency = moreUrgent(changes.urgency, changes.run?.urgency ?? 'none');
		if (changes.vehicle !== undefined) {
			const mine = this.records.get(iotCode);
			// Last changed by another process (the balancer moved the vehicle here: a restart).
			const moved = recalled.vehicle !== undefined && recalled.vehicle !== mine;
			const before: HeldRecord = recalled.vehicle === undefined ? emptyRecord() : recalled.vehicle === mine ? mine : { ...(recalled.vehicle as HeldRecord), shared: true };
			const after = withChanges(before, changes.vehicle, changes.urgency, now);
			// Changed here: this process stores it from now on. (Not `delete`: V8 would slow the object down.)
			if (changes.urgency !== 'none' && after.shared === true) after.shared = undefined;
			this.records.put(iotCode, after);
			if (time !== undefined) {
				this.quiet.watch(iotCode, time.clockOf(after));
				// The process that heard it before still watches it, and must see it is heard here
				// before its clock runs out: written at once (while the mirror is small).
				if (moved) urgency = 'critical';
			}
		}
		if (changes.run !== undefined) this.recent.remember(recalled.key, changes.run.expiresAt, now);
		const silent = time === undefined ? [] : this.overdue(time, now);
		this.mirror?.afterPush(urgency, this, staticData, now);
		return silent;
	}

	/**
	 * The vehicles whose clocks ran out, judged (at most MAX_REPORTS_PER_PUSH), with their
	 * reports. A vehicle another process heard more recently is left to that process: it watches it.
	 */
	private overdue(time: TimeRules, now: number): Overdue[] {
		const out: Overdue[] = [];
		for (const iotCode of this.quiet.overdue(now, MAX_REPORTS_PER_PUSH)) {
			const mine = this.records.get(iotCode);
			if (mine === undefined || mine.shared === true || this.known(iotCode) !== mine) continue;
			const judged = time.overdue(mine, now);
			const after = judged.next === undefined ? mine : withChanges(mine, judged.next, judged.urgency, now);
			if (after !== mine) this.records.put(iotCode, after);
			this.quiet.watch(iotCode, time.clockOf(after));
			this.mirror?.note(judged.urgency);
			if (judged.reports !== undefined && judged.reports.length > 0) out.push({ iotCode, reports: judged.reports });
		}
		return out;
	}

	/** Of this process's record and the other processes' copies, the one changed last. */
	private known(iotCode: string): HeldRecord | undefined {
		const theirs = this.mirror?.others.freshest(iotCode);
		const mine = this.records.get(iotCode);
		return theirs !== undefined && (mine === undefined || theirs.seenAt > mine.seenAt) ? theirs : mine;
	}
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
		const persisted = mode !== 'manual';
		memory = new NodeMemory(persisted);
		if (persisted) for (const [iotCode, record] of firstVersion(staticData())) memory.records.put(iotCode, record);
		if (memories.size >= MAX_NODES) {
			const oldest = memories.keys().next();
			if (oldest.done !== true) memories.delete(oldest.value);
		}
		memories.set(key, memory);
	}
	return memory;
}
