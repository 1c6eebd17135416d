/**
 * Silent vehicles: a vehicle that has sent no push for a set time (its IoT module cut off or
 * smashed, its battery dead, a van with no signal) is reported once; when it is heard again, an
 * optional item says how long it was silent.
 *
 * The time allowed depends on the lock state of its last status push, since Segway's rhythm
 * does: every 10 s while unlocked, a location every 900 s while locked (Set Upload Intervals
 * changes both). A vehicle whose lock state is not known yet gets the locked (longer) time.
 *
 * Nothing runs in a node without a push, so a silent vehicle is judged when another vehicle's
 * push arrives (see quiet.ts): the rule says when a vehicle's time runs out (`clock`) and what
 * is reported then (`overdue`); the trigger keeps the order.
 */
import type { IDataObject } from 'n8n-workflow';

import { parseBoolean, parseNumber } from '../../../api/values';
import { millis, number, seconds } from '../memory/cells';
import { numberProperty } from '../parameters';
import { lastLocation } from './lastLocation';
import { newFix, position, type Fix, type PositionState } from './position';
import type { Push, QuietClock, Rule, StoredField } from './rule';

export const SILENCE_MODES = ['off', 'wentSilent', 'wentSilentAndBack'] as const;

export interface SilenceSettings {
	lockedMs: number;
	unlockedMs: number;
	/** Whether a vehicle heard again after it was reported gets an item. */
	back: boolean;
}

/** The vehicle's newest status push, as far as a silence report tells it. */
export interface LastStatus {
	locked?: boolean;
	online?: boolean;
	charging?: boolean;
	powerPercent?: number;
	/** Own time of the status push, epoch ms. */
	at: number;
}

export interface Heard {
	/** When this trigger last received a push of the vehicle, epoch ms (its own clock, not the push's). */
	at: number;
	/** Reported silent and not heard since. */
	silent: boolean;
	status?: LastStatus;
}

export interface SilenceState {
	/** Replaced, never changed in place (records are shallow-copied). */
	heard?: Heard;
}

const MINUTE_MS = 60_000;

/** A status push newer than the one known, or the known one. */
function statusAfter(push: Push, known: LastStatus | undefined): LastStatus | undefined {
	if (push.event !== 'status' || (known !== undefined && push.atMs < known.at)) return known;
	const { locked, online, charging, powerPercent } = push.fields;
	return { locked: parseBoolean(locked), online: parseBoolean(online), charging: parseBoolean(charging), powerPercent: parseNumber(powerPercent), at: push.atMs };
}

function describeStatus(status: LastStatus | undefined): IDataObject | null {
	if (status === undefined) return null;
	return {
		locked: status.locked ?? null,
		online: status.online ?? null,
		charging: status.charging ?? null,
		powerPercent: status.powerPercent ?? null,
		at: new Date(status.at).toISOString(),
	};
}

function limitMs(settings: SilenceSettings, heard: Heard): number {
	return heard.status?.locked === false ? settings.unlockedMs : settings.lockedMs;
}

/** `lastHeardAt` is when it was heard before the silence; the status and fix are the newest known. */
function report(kind: 'wentSilent' | 'heardAgain', lastHeardAt: number, status: LastStatus | undefined, fix: Fix | undefined, now: number, extra: IDataObject): IDataObject {
	return {
		event: 'silence',
		silence: kind,
		lastHeardAt: new Date(lastHeardAt).toISOString(),
		silentForSeconds: Math.max(0, Math.round((now - lastHeardAt) / 1000)),
		...extra,
		lastStatus: describeStatus(status),
		lastLocation: lastLocation(fix, now),
	};
}

const BITS = { true: '1', false: '0', undefined: '-' } as const;
const bit = (value: boolean | undefined): string => BITS[String(value) as keyof typeof BITS];
const fromBit = (cell: string | undefined): boolean | undefined => (cell === '1' ? true : cell === '0' ? false : undefined);

/** When it was last heard, whether it was reported, and its last status (locked, online, charging as `1`/`0`/`-`, battery, time). */
const heardField: StoredField<Heard> = {
	columns: ['heardAt', 'silent', 'heardStates', 'heardPower', 'heardStatusAt'],
	write: ({ at, silent, status }) =>
		`${seconds(at)},${silent ? '1' : ''},${status === undefined ? ',,' : `${bit(status.locked)}${bit(status.online)}${bit(status.charging)},${status.powerPercent ?? ''},${seconds(status.at)}`}`,
	read([heardAt, silent, bits, power, statusAt]) {
		const at = millis(heardAt);
		if (at === 0) return undefined;
		const statusTime = millis(statusAt);
		const status: LastStatus | undefined =
			statusTime === 0 || !/^[-01]{3}$/.test(bits) ? undefined : { locked: fromBit(bits[0]), online: fromBit(bits[1]), charging: fromBit(bits[2]), powerPercent: number(power), at: statusTime };
		return { at, silent: silent === '1', status };
	},
	// Forgotten, a vehicle still silent would be reported again.
	mustKeep: (heard) => heard.silent,
};

export const silence: Rule<SilenceSettings, SilenceState, PositionState> = {
	parameters: [
		{
			displayName: 'Silent Vehicles',
			name: 'silentVehicles',
			type: 'options',
			default: 'off',
			description:
				'Whether a vehicle this trigger has heard from and that then sends no push for a set time starts a run of its own (event "silence"), whatever Events selects',
			options: [
				{ name: 'Ignore', value: 'off' },
				{
					name: 'Report When One Goes Silent',
					value: 'wentSilent',
					description: 'Once per silence, with when it was last heard, its last status and its last location',
				},
				{
					name: 'Report When One Goes Silent and When It Is Heard Again',
					value: 'wentSilentAndBack',
					description: 'Also an item when its next push arrives, saying how long it was silent',
				},
			],
		},
		{
			// Three missed location pushes at Segway's default 900 s: one or two lost pushes are not silence.
			...numberProperty(
				'silentAfterLocked',
				'Silent After, Locked (Minutes)',
				45,
				0.5,
				10_080,
				'How long a vehicle whose last status said locked (or that sent none yet) may send nothing. Segway sends a locked vehicle\'s location every 15 min by default: 45 min is three missed pushes. Raise it if Set Upload Intervals made the interval longer.',
			),
			displayOptions: { show: { silentVehicles: ['wentSilent', 'wentSilentAndBack'] } },
		},
		{
			// Thirty missed pushes at 10 s: a ride through a tunnel or a dead spot is not silence.
			...numberProperty(
				'silentAfterUnlocked',
				'Silent After, Unlocked (Minutes)',
				5,
				0.5,
				10_080,
				'How long a vehicle whose last status said unlocked may send nothing. Segway sends an unlocked vehicle\'s status and location every 10 s: 5 min of nothing is far more than a dead spot.',
			),
			displayOptions: { show: { silentVehicles: ['wentSilent', 'wentSilentAndBack'] } },
		},
		{
			displayName:
				"A silent vehicle is noticed when another vehicle's push arrives, within seconds in a fleet of any size. A fleet of a few vehicles may notice it late, and one whose pushes all stopped notices nothing: watch the stream with the Segway Fleet Poll Trigger (Watch: Push Stream).",
			name: 'silenceNotice',
			type: 'notice',
			default: '',
			displayOptions: { show: { silentVehicles: ['wentSilent', 'wentSilentAndBack'] } },
		},
	],
	settings(read) {
		const mode = read.oneOf('silentVehicles', SILENCE_MODES);
		if (mode === 'off') return undefined;
		return { lockedMs: read.number('silentAfterLocked') * MINUTE_MS, unlockedMs: read.number('silentAfterUnlocked') * MINUTE_MS, back: mode === 'wentSilentAndBack' };
	},
	learns: ['alert', 'fault', 'location', 'status'],
	starts: ['alert', 'fault', 'location', 'status'],
	needs: [position],
	remembers: { heard: heardField },
	decide(settings, vehicle, push, now) {
		const before = vehicle.heard;
		const heard: Heard = { at: now, silent: false, status: statusAfter(push, before?.status) };
		if (before?.silent !== true) return { fires: false, next: { heard }, urgency: 'changed' };
		const fix = push.event === 'location' ? (newFix(vehicle.fix, push) ?? vehicle.fix) : vehicle.fix;
		const reports = settings.back ? [report('heardAgain', before.at, heard.status, fix, now, { heardAgainAt: new Date(now).toISOString(), heardBy: push.event })] : [];
		return { fires: reports.length > 0, reports, next: { heard }, urgency: 'critical' };
	},
	clock(settings, vehicle): QuietClock | undefined {
		const heard = vehicle.heard;
		return heard === undefined || heard.silent ? undefined : { since: heard.at, limitMs: limitMs(settings, heard) };
	},
	overdue(settings, vehicle, now) {
		const heard = vehicle.heard;
		if (heard === undefined || heard.silent) return { fires: false, urgency: 'none' };
		const limit = limitMs(settings, heard);
		if (now - heard.at < limit) return { fires: false, urgency: 'none' };
		return {
			fires: true,
			reports: [report('wentSilent', heard.at, heard.status, vehicle.fix, now, { silentAfterMinutes: limit / MINUTE_MS, lockedWhenLastHeard: heard.status?.locked ?? null })],
			next: { heard: { ...heard, silent: true } },
			urgency: 'critical',
		};
	},
};
