/**
 * Decisions taken in the webhook, before any execution exists: a fleet of 1,000 scooters sends
 * ~100 status pushes per second while riding, and each execution costs far more than the push.
 * The decisions read the raw (string) parameters so a push that is dropped is never typed or
 * enriched.
 */
import type { IDataObject } from 'n8n-workflow';

import { parseBoolean, parseNumber } from '../../api/values';
import type { NodeMemory } from './vehicleMemory';

export type CodeStatus = 'any' | 'appearing' | 'disappeared';

/** `codes` empty means every code. */
export interface CodeFilter {
	codes: number[];
	status: CodeStatus;
}

export function passesCodeFilter(
	filter: CodeFilter,
	code: string | undefined,
	status: string | undefined,
): boolean {
	if (filter.codes.length > 0 && !filter.codes.includes(Number(code))) return false;
	if (filter.status === 'appearing') return status === '0';
	if (filter.status === 'disappeared') return status === '1';
	return true;
}

export interface Outcome {
	emit: boolean;
	/** The node's memory changed and must be mirrored into static data. */
	changed: boolean;
	/** Added to the emitted item to say why it fired. */
	details?: IDataObject;
}

const DROP: Outcome = { emit: false, changed: false };
const PASS: Outcome = { emit: true, changed: false };

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
export function decideBatteryLow(
	filter: BatteryLowFilter,
	memory: NodeMemory,
	iotCode: string,
	powerPercent: string | undefined,
): Outcome {
	const percent = parseNumber(powerPercent);
	if (percent === undefined) return DROP;
	const fired = memory.lowBattery.get(iotCode) === 1;
	if (!fired && percent < filter.threshold) {
		memory.lowBattery.set(iotCode, 1);
		return {
			emit: true,
			changed: true,
			details: { batteryThreshold: filter.threshold, batteryRearmAt: filter.rearmAt },
		};
	}
	if (fired && percent >= filter.rearmAt) {
		memory.lowBattery.delete(iotCode);
		return { emit: false, changed: true };
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
export function decideStateChange(
	filter: StateChangeFilter,
	memory: NodeMemory,
	iotCode: string,
	params: Readonly<Record<string, string>>,
): Outcome {
	const previous = memory.lastStates.get(iotCode);
	let next = '';
	for (let i = 0; i < WATCHABLE_STATES.length; i++) {
		const current = stateChar(params[WATCHABLE_STATES[i]]);
		next += current === '-' && previous !== undefined ? previous[i] : current;
	}
	if (previous === next) return DROP;
	memory.lastStates.set(iotCode, next);
	if (previous === undefined) {
		return filter.emitFirst
			? { emit: true, changed: true, details: { changes: {}, firstSeen: true } }
			: { emit: false, changed: true };
	}
	const changes: IDataObject = {};
	let any = false;
	for (const state of filter.watched) {
		const i = WATCHABLE_STATES.indexOf(state);
		if (previous[i] === '-' || previous[i] === next[i]) continue;
		changes[state] = { from: previous[i] === '1', to: next[i] === '1' };
		any = true;
	}
	return any ? { emit: true, changed: true, details: { changes, firstSeen: false } } : { emit: false, changed: true };
}

export { DROP, PASS };
