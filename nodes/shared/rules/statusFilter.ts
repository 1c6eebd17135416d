/**
 * Status pushes (and polled statuses) through the battery or the state-change rule. A status
 * older than the newest one already taken into account (a replay inside the freshness window, a
 * late resend) changes nothing: it would otherwise re-fire a low battery that was charged since,
 * or forge a "locked → unlocked". Shown by both triggers, each in its own words.
 */
import type { INodeProperties } from 'n8n-workflow';

import { seconds, millis } from '../memory/cells';
import { numberProperty, type NodeParameters } from '../parameters';
import { batteryLow, lowBatteryField, type BatteryLowSettings, type BatteryLowState } from './batteryLow';
import { moreUrgent, NO_CHANGE, type Decision, type Push, type Rule } from './rule';
import { stateChange, statesField, WATCHABLE_STATES, type StateChangeSettings, type StateChangeState } from './stateChange';

export type StatusSettings = ({ mode: 'batteryLow' } & BatteryLowSettings) | ({ mode: 'stateChange' } & StateChangeSettings);

export interface StatusState extends BatteryLowState, StateChangeState {
	/** Own time of the newest status taken into account, epoch ms; 0 before any. */
	statusAt: number;
}

const MODES = ['all', 'batteryLow', 'stateChange'] as const;
type Mode = (typeof MODES)[number];

/** What differs between the push trigger's wording and the poll trigger's. */
export interface StatusWords {
	mode: string;
	defaultMode: Mode;
	modes: Readonly<Record<Mode, { name: string; description: string }>>;
	emitFirst: { displayName: string; description: string };
}

const PUSH_WORDS: StatusWords = {
	mode: 'Status Pushes',
	defaultMode: 'all',
	modes: {
		all: { name: 'All', description: 'Every status push starts the workflow' },
		batteryLow: {
			name: 'Only When Battery Falls Below',
			description: 'Once per vehicle when its battery drops below the threshold; again only after it has been charged or swapped',
		},
		stateChange: { name: 'Only When Online, Locked or Charging Changes', description: 'When a watched state of a vehicle differs from its previous push' },
	},
	emitFirst: {
		displayName: 'Fire on First Push of a Vehicle',
		description:
			'Whether the first status push of a vehicle this trigger has not seen before starts the workflow. Off: it only records the vehicle, so activating the workflow does not fire once per vehicle.',
	},
};

export function statusParameters(words: StatusWords): INodeProperties[] {
	const when = (mode: Mode) => ({ displayOptions: { show: { statusMode: [mode] } } });
	const { defaultMode } = words;
	return [
		{
			displayName: words.mode,
			name: 'statusMode',
			type: 'options',
			default: defaultMode,
			options: MODES.map((value) => ({ name: words.modes[value].name, value, description: words.modes[value].description })),
		},
		{ ...numberProperty('batteryThreshold', 'Battery Threshold (%)', 20, 1, 100, 'Fires when `powerPercent` is below this value'), ...when('batteryLow') },
		{
			...numberProperty(
				'batteryRearmMargin',
				'Re-Arm Margin (%)',
				5,
				0,
				100,
				'After firing, a vehicle fires again only once its battery was back at threshold + margin or more. Keeps a battery hovering around the threshold from firing on every dip.',
			),
			...when('batteryLow'),
		},
		{
			displayName: 'Watched States',
			name: 'watchedStates',
			type: 'multiOptions',
			default: [...WATCHABLE_STATES],
			options: [
				{ name: 'Charging', value: 'charging' },
				{ name: 'Locked', value: 'locked' },
				{ name: 'Online', value: 'online' },
			],
			...when('stateChange'),
		},
		{
			displayName: words.emitFirst.displayName,
			name: 'emitFirstState',
			type: 'boolean',
			default: false,
			description: words.emitFirst.description,
			...when('stateChange'),
		},
	];
}

/** Undefined when every status starts a run. */
export function readStatusSettings(parameters: NodeParameters): StatusSettings | undefined {
	const mode = parameters.oneOf('statusMode', MODES);
	switch (mode) {
		case 'batteryLow': {
			const threshold = parameters.number('batteryThreshold');
			return { mode, threshold, rearmAt: threshold + parameters.number('batteryRearmMargin') };
		}
		case 'stateChange':
			return { mode, watched: parameters.subsetOf('watchedStates', WATCHABLE_STATES), emitFirst: parameters.boolean('emitFirstState') };
		default:
			return undefined;
	}
}

export function decideStatus(settings: StatusSettings, vehicle: Readonly<StatusState>, push: Push): Decision<StatusState> {
	if (push.atMs < vehicle.statusAt) return NO_CHANGE;
	const decision: Decision<StatusState> =
		settings.mode === 'batteryLow' ? batteryLow(settings, vehicle, push.fields.powerPercent) : stateChange(settings, vehicle, push.fields);
	if (push.atMs === vehicle.statusAt && decision.urgency === 'none') return decision;
	return { ...decision, next: { ...decision.next, statusAt: push.atMs }, urgency: moreUrgent(decision.urgency, 'changed') };
}

export const statusFilter: Rule<StatusSettings, StatusState> = {
	parameters: statusParameters(PUSH_WORDS),
	settings: readStatusSettings,
	decides: ['status'],
	remembers: {
		lowBattery: lowBatteryField,
		states: statesField,
		statusAt: { columns: ['statusAt'], write: (at) => seconds(at), read: ([cell]) => millis(cell) },
	},
	decide: decideStatus,
};
