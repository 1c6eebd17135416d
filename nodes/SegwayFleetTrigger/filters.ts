/**
 * Decisions taken in the webhook, before any execution exists: a fleet of 1,000 scooters sends
 * ~100 status pushes per second while riding, and each execution costs far more than the push.
 * The decisions read the raw (string) parameters so a push that is dropped is never typed or
 * enriched.
 */
import type { IDataObject } from 'n8n-workflow';

import { parseBoolean, parseNumber } from '../../api/values';
import type { Change } from './memory';
import type { VehicleRecord } from './vehicles';

export type CodeStatus = 'any' | 'appearing' | 'disappeared';

/** `codes` empty means every code. */
export interface CodeFilter {
	codes: number[];
	status: CodeStatus;
}

/**
 * Alerts and faults: the code and whether it appeared (status 0) or disappeared (1). An alert
 * without `alertStatus` (the reference's own alert example has none) counts as appearing.
 */
export function passesCodeFilter(filter: CodeFilter, code: string | undefined, status: string | undefined): boolean {
	if (filter.codes.length > 0 && !filter.codes.includes(Number(code))) return false;
	const disappeared = status === '1';
	if (filter.status === 'appearing') return !disappeared;
	if (filter.status === 'disappeared') return disappeared;
	return true;
}

export interface Outcome {
	emit: boolean;
	/** What the decision did to the vehicle's memory (see memory.ts). */
	change: Change;
	/** Added to the emitted item to say why it fired. */
	details?: IDataObject;
}

export const DROP: Outcome = { emit: false, change: 'none' };
export const PASS: Outcome = { emit: true, change: 'none' };

export interface BatteryLowFilter {
	threshold: number;
	/** Fires again only after the battery was back at this level or above (charged, swapped). */
	rearmAt: number;
}

/**
 * Fires once when a vehicle's battery is below the threshold, then stays quiet for that
 * vehicle until it has risen to `rearmAt` (threshold + margin). The margin keeps a battery
 * that wobbles around the threshold (19, 20, 19…) from firing on every dip. A vehicle seen
 * for the first time already below the threshold fires: the crew should know about it.
 */
export function decideBatteryLow(filter: BatteryLowFilter, record: VehicleRecord, powerPercent: string | undefined): Outcome {
	const percent = parseNumber(powerPercent);
	if (percent === undefined) return DROP;
	if (!record.lowBattery && percent < filter.threshold) {
		record.lowBattery = true;
		return { emit: true, change: 'critical', details: { batteryThreshold: filter.threshold, batteryRearmAt: filter.rearmAt } };
	}
	if (record.lowBattery && percent >= filter.rearmAt) {
		record.lowBattery = false;
		return { emit: false, change: 'critical' };
	}
	return DROP;
}

export const WATCHABLE_STATES = ['online', 'locked', 'charging'] as const;
export type WatchableState = (typeof WATCHABLE_STATES)[number];

export interface StateChangeFilter {
	watched: readonly WatchableState[];
	/** Whether the first push of a vehicle this node has never seen fires. */
	emitFirst: boolean;
}

/** `1` true, `0` false, `-` absent or not a boolean. */
function stateChar(value: string | undefined): string {
	const state = parseBoolean(value);
	return state === undefined ? '-' : state ? '1' : '0';
}

/**
 * Fires when a watched state differs from the vehicle's last known one. A state missing from a
 * push keeps its last known value. The first push of a vehicle only records it (unless
 * `emitFirst`): otherwise activating the workflow would fire once per vehicle in the fleet.
 */
export function decideStateChange(filter: StateChangeFilter, record: VehicleRecord, params: Readonly<Record<string, string>>): Outcome {
	const previous = record.states;
	let next = '';
	for (let i = 0; i < WATCHABLE_STATES.length; i++) {
		const current = stateChar(params[WATCHABLE_STATES[i]]);
		next += current === '-' && previous !== undefined ? previous[i] : current;
	}
	if (previous === next) return DROP;
	record.states = next;
	if (previous === undefined) {
		return filter.emitFirst
			? { emit: true, change: 'critical', details: { changes: {}, firstSeen: true } }
			: { emit: false, change: 'changed' };
	}
	const changes: IDataObject = {};
	let any = false;
	for (const state of filter.watched) {
		const i = WATCHABLE_STATES.indexOf(state);
		if (previous[i] === '-' || previous[i] === next[i]) continue;
		changes[state] = { from: previous[i] === '1', to: next[i] === '1' };
		any = true;
	}
	return any ? { emit: true, change: 'critical', details: { changes, firstSeen: false } } : { emit: false, change: 'changed' };
}

/** The status filter as the node's parameters set it (settings.ts reads them). */
export type StatusSettings =
	| { mode: 'all' }
	| { mode: 'batteryLow'; threshold: number; rearmAt: number }
	| { mode: 'stateChange'; watched: WatchableState[]; emitFirst: boolean };

/**
 * A vehicle's status through the status filter, pushed or polled alike. A status older than the
 * newest one already taken into account (a replay inside the freshness window, a late resend)
 * changes nothing: it would otherwise re-fire a low battery that was charged since, or forge a
 * "locked → unlocked". `atMs` is the status's own time, `now` when it was received.
 */
export function decideStatus(
	status: StatusSettings,
	record: VehicleRecord,
	params: Readonly<Record<string, string>>,
	atMs: number,
	now: number,
): Outcome {
	if (status.mode === 'all') return PASS;
	if (atMs < record.statusAt) return DROP;
	const outcome = status.mode === 'batteryLow' ? decideBatteryLow(status, record, params.powerPercent) : decideStateChange(status, record, params);
	if (atMs > record.statusAt || outcome.change !== 'none') {
		record.statusAt = atMs;
		record.seenAt = now;
		// Changed here, so this process stores it from now on (see vehicleRecord in memory.ts).
		record.shared = undefined;
		return outcome.change === 'none' ? { ...outcome, change: 'changed' } : outcome;
	}
	return outcome;
}
