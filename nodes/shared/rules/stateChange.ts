/**
 * Fires when a watched state (online, locked, charging) differs from the vehicle's last known
 * one. A state missing from a push keeps its last known value. The first push of a vehicle only
 * records it (unless `emitFirst`): otherwise publishing the workflow would fire once per vehicle.
 */
import type { IDataObject } from 'n8n-workflow';

import { parseBoolean } from '../../../api/values';
import { NO_CHANGE, type Decision, type StoredField } from './rule';

export const WATCHABLE_STATES = ['online', 'locked', 'charging'] as const;
export type WatchableState = (typeof WATCHABLE_STATES)[number];

export interface StateChangeSettings {
	watched: readonly WatchableState[];
	/** Whether the first push of a vehicle this node has never seen fires. */
	emitFirst: boolean;
}

export interface StateChangeState {
	/** Online, locked, charging: `1`, `0` or `-` (unknown) each; undefined before any status. */
	states?: string;
}

/** `1` true, `0` false, `-` absent or not a boolean. */
function stateChar(value: string | undefined): string {
	const state = parseBoolean(value);
	return state === undefined ? '-' : state ? '1' : '0';
}

export function stateChange(settings: StateChangeSettings, state: Readonly<StateChangeState>, fields: Readonly<Record<string, string>>): Decision<StateChangeState> {
	const previous = state.states;
	let next = '';
	for (let i = 0; i < WATCHABLE_STATES.length; i++) {
		const current = stateChar(fields[WATCHABLE_STATES[i]]);
		next += current === '-' && previous !== undefined ? previous[i] : current;
	}
	if (previous === next) return NO_CHANGE;
	if (previous === undefined) {
		return settings.emitFirst
			? { fires: true, next: { states: next }, urgency: 'critical', details: { changes: {}, firstSeen: true } }
			: { fires: false, next: { states: next }, urgency: 'changed' };
	}
	const changes: IDataObject = {};
	let any = false;
	for (const watched of settings.watched) {
		const i = WATCHABLE_STATES.indexOf(watched);
		if (previous[i] === '-' || previous[i] === next[i]) continue;
		changes[watched] = { from: previous[i] === '1', to: next[i] === '1' };
		any = true;
	}
	return any
		? { fires: true, next: { states: next }, urgency: 'critical', details: { changes, firstSeen: false } }
		: { fires: false, next: { states: next }, urgency: 'changed' };
}

const STATES = /^[-01]{3}$/;

export const statesField: StoredField<string> = {
	columns: ['states'],
	write: (states) => states,
	read: ([cell]) => (STATES.test(cell) ? cell : undefined),
};
