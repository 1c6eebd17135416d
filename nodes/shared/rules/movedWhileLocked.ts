/**
 * Moved while locked: a locked vehicle whose fix is further than a set distance from where it was
 * locked (carried off on a van, which the alert codes may not report).
 *
 * - The lock state comes from status pushes (location pushes do not carry it). Where it was locked
 *   is the last valid fix when that fix is at most ANCHOR_MAX_AGE_MS older than the lock (riding
 *   vehicles send one every 10 s), otherwise the first valid fix after it.
 * - It fires once per movement: again only after the vehicle was unlocked, or brought back within
 *   half the distance of where it was locked (half, so a fix hovering at the distance does not
 *   fire on every push).
 */
import { parseBoolean } from '../../../api/values';
import { millis, seconds } from '../memory/cells';
import { numberProperty } from '../parameters';
import { describePosition, distanceMetres, newFix, position, positionCells, readPosition, type Fix, type Position, type PositionState } from './position';
import { NO_CHANGE, type Decision, type Push, type Rule, type StoredField } from './rule';

/** A fix taken this long before the lock still tells where the vehicle was locked. */
export const ANCHOR_MAX_AGE_MS = 5 * 60_000;

export interface LockWatch {
	locked: boolean;
	/** Own time of the newest status push that said so, epoch ms. */
	at: number;
	/** Where it was locked; undefined until a valid fix is known for the lock. */
	anchor?: Position;
	/** Fired for the current movement and not re-armed since. */
	fired: boolean;
}

export interface LockState {
	/** Replaced, never changed in place (records are shallow-copied). */
	lock?: LockWatch;
}

type Vehicle = Readonly<LockState & PositionState>;

/**
 * A status push's `locked`. A lock or an unlock is critical: lost in a restart, a theft after it
 * would go unnoticed (no anchor) or a vehicle would fire twice. The first state of a vehicle is
 * not: at activation every vehicle has one, and the next status push tells it again.
 */
function observeLock({ lock: watch, fix }: Vehicle, push: Push): Decision<LockState> {
	const locked = parseBoolean(push.fields.locked);
	if (locked === undefined || (watch !== undefined && push.atMs <= watch.at)) return NO_CHANGE;
	// The same state again: only its time moves on, which a restart may lose.
	if (watch !== undefined && watch.locked === locked) return { fires: false, next: { lock: { ...watch, at: push.atMs } }, urgency: 'none' };
	const anchor =
		locked && fix !== undefined && fix.invalidAt === undefined && fix.at >= push.atMs - ANCHOR_MAX_AGE_MS
			? { latitude: fix.latitude, longitude: fix.longitude, at: fix.at }
			: undefined;
	return { fires: false, next: { lock: { locked, at: push.atMs, anchor, fired: false } }, urgency: watch === undefined ? 'changed' : 'critical' };
}

/** After a new fix: whether a locked vehicle is now further than `limitMetres` from where it was locked. */
function decideMoved(limitMetres: number, watch: LockWatch | undefined, fix: Fix): Decision<LockState> {
	if (watch === undefined || !watch.locked) return NO_CHANGE;
	const here: Position = { latitude: fix.latitude, longitude: fix.longitude, at: fix.at };
	if (watch.anchor === undefined) {
		if (fix.at < watch.at - ANCHOR_MAX_AGE_MS) return NO_CHANGE;
		return { fires: false, next: { lock: { ...watch, anchor: here } }, urgency: 'critical' };
	}
	const distance = distanceMetres(watch.anchor, here);
	if (!watch.fired && distance > limitMetres) {
		return {
			fires: true,
			next: { lock: { ...watch, fired: true } },
			urgency: 'critical',
			details: {
				movedWhileLocked: {
					lockedAt: describePosition(watch.anchor),
					now: describePosition(here),
					distanceMetres: Math.round(distance),
					limitMetres,
					lockedSince: new Date(watch.at).toISOString(),
				},
			},
		};
	}
	if (watch.fired && distance <= limitMetres / 2) return { fires: false, next: { lock: { ...watch, fired: false } }, urgency: 'critical' };
	return NO_CHANGE;
}

const LOCK_CODES = { unlocked: '0', locked: '1', fired: '2' } as const;

/** The lock state (`1` locked, `2` locked and fired for its movement, `0` unlocked), its time, and where it was locked. */
const lockField: StoredField<LockWatch> = {
	columns: ['lock', 'lockAt', 'lockLat', 'lockLon', 'lockFixAt'],
	write: (lock) =>
		`${!lock.locked ? LOCK_CODES.unlocked : lock.fired ? LOCK_CODES.fired : LOCK_CODES.locked},${seconds(lock.at)},${lock.anchor === undefined ? ',,' : positionCells(lock.anchor)}`,
	read([code, lockAt, ...anchor]) {
		const at = millis(lockAt);
		if ((code !== LOCK_CODES.unlocked && code !== LOCK_CODES.locked && code !== LOCK_CODES.fired) || at === 0) return undefined;
		const locked = code !== LOCK_CODES.unlocked;
		return { locked, at, anchor: locked ? readPosition(anchor) : undefined, fired: code === LOCK_CODES.fired };
	},
	// Forgotten, a vehicle that fired for its movement would fire again.
	mustKeep: (lock) => lock.fired,
};

export const movedWhileLocked: Rule<{ distanceMetres: number }, LockState, PositionState> = {
	parameters: [
		{
			displayName: 'Location Pushes',
			name: 'locationMode',
			type: 'options',
			default: 'all',
			options: [
				{ name: 'All', value: 'all', description: 'Every location push starts the workflow' },
				{
					name: 'Only When a Locked Vehicle Moved',
					value: 'movedWhileLocked',
					description:
						'Once when a locked vehicle is further than the distance from where it was locked (carried away); again after it was unlocked or brought back',
				},
			],
		},
		{
			// Below 20 m, GPS jitter of a parked scooter (hdop 1–2 in a street) would pass for movement.
			...numberProperty(
				'movedDistance',
				'Moved Distance (Metres)',
				100,
				20,
				100_000,
				"How far from where it was locked a locked vehicle must be to fire. Keep it well above GPS jitter (a parked scooter's fix wanders by 5–30 m).",
			),
			displayOptions: { show: { locationMode: ['movedWhileLocked'] } },
		},
	],
	settings: (read) => (read.oneOf('locationMode', ['all', 'movedWhileLocked']) === 'movedWhileLocked' ? { distanceMetres: read.number('movedDistance') } : undefined),
	decides: ['location'],
	learns: ['status'],
	needs: [position],
	remembers: { lock: lockField },
	decide(settings, vehicle, push) {
		if (push.event === 'status') return observeLock(vehicle, push);
		const fix = newFix(vehicle.fix, push);
		return fix === undefined ? NO_CHANGE : decideMoved(settings.distanceMetres, vehicle.lock, fix);
	},
};
