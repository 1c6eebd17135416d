/**
 * The push trigger's rules put together, without side effects: which rules a node uses, and what
 * they say about one push given the vehicle as it was before it. Decided in the webhook, before
 * any execution exists: a fleet of 1,000 scooters sends ~100 status pushes a second while riding,
 * and each execution costs far more than the push.
 */
import type { IDataObject } from 'n8n-workflow';

import type { PushEvent } from '../../api/catalog/pushes';
import { emptyRecord } from '../shared/memory/codec';
import type { NodeParameters } from '../shared/parameters';
import { RULES, type VehicleState } from '../shared/rules';
import { moreUrgent, type AnyRule, type Decision, type Push, type QuietClock, type Urgency } from '../shared/rules/rule';

export interface ActiveRule {
	rule: AnyRule;
	settings: unknown;
}

/**
 * The rules the node's parameters turn on, in RULES order: every rule reads (and so checks) its
 * parameters; one that decides only push kinds not selected is off; a rule another needs is on.
 */
export function activeRules(read: NodeParameters, events: readonly PushEvent[]): ActiveRule[] {
	const on = new Map<AnyRule, unknown>();
	for (const rule of RULES) {
		const settings: unknown = rule.settings?.(read);
		if (settings === undefined || (rule.decides !== undefined && !rule.decides.some((event) => events.includes(event)))) continue;
		on.set(rule, settings);
		for (const needed of rule.needs ?? []) if (!on.has(needed)) on.set(needed, undefined);
	}
	return RULES.filter((rule) => on.has(rule)).map((rule) => ({ rule, settings: on.get(rule) }));
}

/**
 * Whether the rule decides pushes of this kind: only a rule the node's parameters turned on. One
 * that is on only because another needs it (no settings) just keeps its facts.
 */
function decides({ rule, settings }: ActiveRule, event: PushEvent): boolean {
	return settings !== undefined && rule.decides?.includes(event) === true;
}

/** Whether the rule starts runs of its own on pushes of this kind (zone rules). */
export const startsRuns = ({ rule, settings }: ActiveRule, event: PushEvent): boolean => settings !== undefined && rule.starts?.includes(event) === true;

/** Whether the rule looks at a push of this kind: one it decides, when selected, one it starts runs on, or one it learns from. */
export function looksAt(active: ActiveRule, event: PushEvent, selected: boolean): boolean {
	return (selected && decides(active, event)) || startsRuns(active, event) || active.rule.learns?.includes(event) === true;
}

export interface PushDecision {
	/** The push starts a run: with its own item(s), with reports, or both. */
	emit: boolean;
	/** Whether the run holds the push's own item (or the items of rules that start runs on it). */
	pushItems: boolean;
	/** Items of their own (silence), after the push's. */
	reports: IDataObject[];
	/** Added to the item: why it fired, and what the describing rules add. */
	details: IDataObject;
	/** From rules that start runs: one item per entry (the push's item with the entry added). */
	items: IDataObject[];
	/** The vehicle's fields after the push; undefined when no rule that remembers looked at it. */
	vehicle?: Partial<VehicleState>;
	/** How soon the vehicle's change must be stored. */
	urgency: Urgency;
	/**
	 * How soon a run's retry entry must be stored. Where a rule decided, a resend after a restart
	 * must not run again: at once. Where every push of the kind starts a run, a resend that a
	 * restart lets through repeats a run the user asked to have on every push, so the entry waits
	 * for the spread-out writes: one database write less per run.
	 */
	runUrgency: Urgency;
}

export function decidePush(rules: readonly ActiveRule[], push: Push, selected: boolean, known: Readonly<VehicleState> | undefined, now: number): PushDecision {
	const vehicle = known ?? emptyRecord();
	const details: IDataObject = {};
	let next: Partial<VehicleState> | undefined;
	let urgency: Urgency = 'none';
	const items: IDataObject[] = [];
	const reports: IDataObject[] = [];
	let deciding = 0;
	let fired = false;
	for (const active of rules) {
		const { rule, settings } = active;
		if (rule.decide === undefined || !looksAt(active, push.event, selected)) continue;
		const decision = rule.decide(settings, vehicle, push, now);
		if (rule.remembers !== undefined) next = { ...next, ...decision.next };
		urgency = moreUrgent(urgency, decision.urgency);
		if (decision.fires && startsRuns(active, push.event)) {
			items.push(...(decision.items ?? []));
			reports.push(...(decision.reports ?? []));
		}
		if (!selected || !decides(active, push.event)) continue;
		deciding += 1;
		if (decision.fires) fired = true;
		if (decision.fires && decision.details !== undefined) Object.assign(details, decision.details);
	}
	const pushItems = (selected && (deciding === 0 || fired)) || items.length > 0;
	if (pushItems) {
		for (const { rule, settings } of rules) if (rule.describes?.includes(push.event) === true) Object.assign(details, rule.describe?.(settings, known, now));
	}
	const emit = pushItems || reports.length > 0;
	return { emit, pushItems, details, items, reports, vehicle: next, urgency, runUrgency: deciding === 0 && items.length === 0 && reports.length === 0 ? 'changed' : 'critical' };
}

/** The watch the rules keep on a vehicle by time (silence), undefined when none does. */
export function clockOf(rules: readonly ActiveRule[], vehicle: Readonly<VehicleState>): QuietClock | undefined {
	for (const { rule, settings } of rules) {
		if (settings === undefined || rule.clock === undefined) continue;
		const clock = rule.clock(settings, vehicle);
		if (clock !== undefined) return clock;
	}
	return undefined;
}

/** Whether a rule judges vehicles by time: a node without one keeps no watch. */
export const watchesTime = (rules: readonly ActiveRule[]): boolean => rules.some(({ rule, settings }) => settings !== undefined && rule.overdue !== undefined);

/** A vehicle whose clock ran out, judged without a push of its own. */
export function decideOverdue(rules: readonly ActiveRule[], vehicle: Readonly<VehicleState>, now: number): Pick<Decision<VehicleState>, 'reports' | 'next' | 'urgency'> {
	const reports: IDataObject[] = [];
	let next: Partial<VehicleState> | undefined;
	let urgency: Urgency = 'none';
	for (const { rule, settings } of rules) {
		if (settings === undefined || rule.overdue === undefined) continue;
		const decision = rule.overdue(settings, vehicle, now);
		if (decision.fires) reports.push(...(decision.reports ?? []));
		if (decision.next !== undefined) next = { ...next, ...decision.next };
		urgency = moreUrgent(urgency, decision.urgency);
	}
	return { reports, next, urgency };
}
