/**
 * What a trigger rule is: a function of its settings, the vehicle's state before a push, the push
 * and the time, returning its say on the push and its part of the vehicle's next state. Rules
 * never touch a memory; the trigger reads the vehicle once, asks its rules, and hands what they
 * return to its memory once. A rule declares everything it needs in one place: its parameters,
 * how it reads them, the pushes it looks at, and the fields it remembers with their columns.
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { PushEvent } from '../../../api/catalog/pushes';
import type { NodeParameters } from '../parameters';

/**
 * How soon a change must reach the stored copy (static data): `critical` when losing it in a
 * restart would make a vehicle fire twice or miss a change (a fire, a re-arm, a lock), `changed`
 * when the spread-out writes will do, `none` when nothing worth storing changed.
 */
export type Urgency = 'none' | 'changed' | 'critical';

const RANK: Readonly<Record<Urgency, number>> = { none: 0, changed: 1, critical: 2 };
export const moreUrgent = (a: Urgency, b: Urgency): Urgency => (RANK[b] > RANK[a] ? b : a);

/** A push as the rules see it: its fields as received (text), and its own time in epoch ms. */
export interface Push {
	event: PushEvent;
	fields: Readonly<Record<string, string>>;
	atMs: number;
}

/** A rule's say on one push. */
export interface Decision<State> {
	/** For a push kind the rule decides: whether it starts a run. */
	fires: boolean;
	/** Added to the item to say why it fired. */
	details?: IDataObject;
	/** For a rule that starts runs: one item per entry, the push's item with the entry added. */
	items?: IDataObject[];
	/** Items of their own, not about the push (silence): each starts a run whatever Events selects. */
	reports?: IDataObject[];
	/** The rule's fields after the push, where they differ from before. */
	next?: Partial<State>;
	urgency: Urgency;
}

export const NO_CHANGE: Decision<never> = { fires: false, urgency: 'none' };

/** How one remembered field is kept in the stored text: its columns, written and read back. */
export interface StoredField<T> {
	columns: readonly string[];
	/** Its cells joined by commas, one per column ('' for an empty one). Called for a defined value only. */
	write(value: T): string;
	/** From the cells of its columns ('' where absent); undefined when they hold no valid value. */
	read(cells: readonly string[]): T | undefined;
	/** Losing this value would make the vehicle fire twice: such vehicles are stored first. */
	mustKeep?(value: T): boolean;
}

/**
 * A time-driven rule's watch on a vehicle (silence): it is judged again (`overdue`) once `limitMs`
 * have passed since `since` without a push of its own.
 */
export interface QuietClock {
	since: number;
	limitMs: number;
}

export type StoredFields<State> = { [K in keyof State]-?: StoredField<NonNullable<State[K]>> };

/** Rules differ in settings and fields; a list of them is held as this. */
export type AnyRule = Rule<unknown, object, object>;

/**
 * `Settings` are what it reads from the node's parameters, `State` the fields it keeps per
 * vehicle, `Reads` the fields of other rules it reads (those rules are listed in `needs`).
 */
export interface Rule<Settings, State = Record<never, never>, Reads = Record<never, never>> {
	/** Its parameters, shown when a push kind it decides is selected; `options` go in the Options collection. */
	parameters?: readonly INodeProperties[];
	options?: readonly INodeProperties[];
	/**
	 * Its settings; undefined when the node does not use it. A rule without `settings` only
	 * keeps facts for others: it is on while a rule that needs it is.
	 */
	settings?(parameters: NodeParameters): Settings | undefined;
	/** Push kinds whose runs it decides: a push of such a kind starts a run only when a deciding rule fires. */
	decides?: readonly PushEvent[];
	/**
	 * Push kinds on which it starts a run of its own when it fires, whether or not Events selects
	 * the kind (zone rules: a derived event, not a filter of pushes).
	 */
	starts?: readonly PushEvent[];
	/** Push kinds it learns from, whether they start runs or not. */
	learns?: readonly PushEvent[];
	/** Rules whose fields it reads. */
	needs?: readonly AnyRule[];
	/** The fields it keeps per vehicle, with their columns in the stored text. */
	remembers?: StoredFields<State>;
	decide?(settings: Settings, vehicle: Readonly<State & Reads>, push: Push, now: number): Decision<State>;
	/** Push kinds to whose items it adds `describe`'s fields when they start a run. */
	describes?: readonly PushEvent[];
	describe?(settings: Settings, vehicle: Readonly<Reads> | undefined, now: number): IDataObject;
	/**
	 * For a rule that judges vehicles by time: its watch on the vehicle as it is now, undefined when
	 * it does not watch it. Vehicles are judged on other vehicles' pushes (no timers in a node).
	 */
	clock?(settings: Settings, vehicle: Readonly<State & Reads>): QuietClock | undefined;
	/** Judges a vehicle whose clock ran out, without a push of its own: `reports` say so. */
	overdue?(settings: Settings, vehicle: Readonly<State & Reads>, now: number): Decision<State>;
}
