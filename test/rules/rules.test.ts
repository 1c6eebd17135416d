/**
 * The trigger rules as plain functions: settings, the vehicle's state before a push, the push and
 * the time in; a decision and the rule's next fields out. No memory, no n8n context.
 */
import { alertCodes } from '../../nodes/shared/rules/codeFilter';
import { movedWhileLocked } from '../../nodes/shared/rules/movedWhileLocked';
import { position, type Fix } from '../../nodes/shared/rules/position';
import type { Push } from '../../nodes/shared/rules/rule';
import { decideStatus, type StatusSettings } from '../../nodes/shared/rules/statusFilter';

const T = 1_795_000_000_000;
const status = (fields: Record<string, string>, atMs = T): Push => ({ event: 'status', fields, atMs });
const location = (latitude: number, atMs: number, valid = true): Push => ({
	event: 'location',
	fields: { locationStatus: valid ? 'valid' : 'invalid', latitude: String(latitude), longitude: '13.405' },
	atMs,
});
const fresh = { lowBattery: false, statusAt: 0 };

describe('battery below a threshold', () => {
	const battery: StatusSettings = { mode: 'batteryLow', threshold: 20, rearmAt: 25 };

	test('fires once below, at once to the stored copy; re-arms only at threshold + margin', () => {
		const low = decideStatus(battery, fresh, status({ powerPercent: '15' }));
		expect(low).toEqual({ fires: true, urgency: 'critical', next: { lowBattery: true, statusAt: T }, details: { batteryThreshold: 20, batteryRearmAt: 25 } });
		const fired = { ...fresh, ...low.next };
		expect(decideStatus(battery, fired, status({ powerPercent: '10' }, T + 1))).toMatchObject({ fires: false, urgency: 'changed', next: { statusAt: T + 1 } });
		expect(decideStatus(battery, fired, status({ powerPercent: '24' }, T + 2)).next).not.toHaveProperty('lowBattery');
		expect(decideStatus(battery, fired, status({ powerPercent: '25' }, T + 3))).toMatchObject({ fires: false, urgency: 'critical', next: { lowBattery: false } });
	});

	test('a status older than the newest one taken into account changes nothing', () => {
		expect(decideStatus(battery, { ...fresh, statusAt: T }, status({ powerPercent: '5' }, T - 1))).toEqual({ fires: false, urgency: 'none' });
	});
});

describe('online, locked or charging changes', () => {
	const states: StatusSettings = { mode: 'stateChange', watched: ['locked'], emitFirst: false };

	test("the first push records the vehicle; a watched change fires, another only records; a missing state keeps its value", () => {
		const first = decideStatus(states, fresh, status({ online: 'true', locked: 'true', charging: 'false' }));
		expect(first).toMatchObject({ fires: false, urgency: 'changed', next: { states: '110' } });
		const known = { ...fresh, ...first.next };
		expect(decideStatus(states, known, status({ locked: 'false' }, T + 1))).toMatchObject({
			fires: true,
			urgency: 'critical',
			next: { states: '100' },
			details: { changes: { locked: { from: true, to: false } }, firstSeen: false },
		});
		expect(decideStatus(states, known, status({ charging: 'true' }, T + 1))).toMatchObject({ fires: false, next: { states: '111' } });
		expect(decideStatus({ ...states, emitFirst: true }, fresh, status({ locked: 'true' }))).toMatchObject({ fires: true, details: { firstSeen: true } });
	});
});

test('alert codes: only the chosen codes, appearing or disappeared', () => {
	const decide = (settings: { codes: number[]; status: 'any' | 'appearing' | 'disappeared' }, code: string, alertStatus?: string) =>
		alertCodes.decide!(settings, {}, { event: 'alert', fields: alertStatus === undefined ? { code } : { code, alertStatus }, atMs: T }, T).fires;
	expect(decide({ codes: [2], status: 'any' }, '2')).toBe(true);
	expect(decide({ codes: [2], status: 'any' }, '6')).toBe(false);
	expect(decide({ codes: [], status: 'appearing' }, '6')).toBe(true);
	expect(decide({ codes: [], status: 'appearing' }, '6', '1')).toBe(false);
	expect(decide({ codes: [], status: 'disappeared' }, '6', '1')).toBe(true);
});

describe('the position', () => {
	const known: Fix = { latitude: 52.52, longitude: 13.405, at: T };
	const decide = (fix: Fix | undefined, push: Push) => position.decide!(undefined, fix === undefined ? {} : { fix }, push, T);

	test('a newer valid fix replaces it; an older one changes nothing; a newer invalid one marks it not valid', () => {
		expect(decide(known, location(52.53, T + 10_000))).toEqual({ fires: false, urgency: 'changed', next: { fix: { latitude: 52.53, longitude: 13.405, at: T + 10_000 } } });
		expect(decide(known, location(52.53, T - 10_000))).toEqual({ fires: false, urgency: 'none' });
		expect(decide(known, location(0, T + 5_000, false)).next).toEqual({ fix: { ...known, invalidAt: T + 5_000 } });
		expect(decide(undefined, location(0, T, false))).toEqual({ fires: false, urgency: 'none' });
	});
});

describe('moved while locked', () => {
	const settings = { distanceMetres: 100 };
	const fix: Fix = { latitude: 52.52, longitude: 13.405, at: T - 30_000 };
	const decide = (vehicle: object, push: Push) => movedWhileLocked.decide!(settings, vehicle, push, T);

	test('a lock takes the recent fix as where it was locked, critically; the first state only records', () => {
		const first = decide({ fix }, status({ locked: 'false' }));
		expect(first).toMatchObject({ urgency: 'changed', next: { lock: { locked: false, at: T, fired: false } } });
		const locked = decide({ fix, ...first.next }, status({ locked: 'true' }, T + 1));
		expect(locked).toMatchObject({ urgency: 'critical', next: { lock: { locked: true, anchor: { latitude: 52.52, at: fix.at } } } });
		// The same state again moves only its time, which is not worth a write.
		expect(decide({ fix, ...locked.next }, status({ locked: 'true' }, T + 2))).toMatchObject({ urgency: 'none', next: { lock: { at: T + 2 } } });
	});

	test('fires once past the distance, stays quiet, re-arms within half of it', () => {
		const lock = { locked: true, at: T - 20_000, anchor: { latitude: 52.52, longitude: 13.405, at: fix.at }, fired: false };
		const away = decide({ fix, lock }, location(52.525, T));
		expect(away).toMatchObject({ fires: true, urgency: 'critical', details: { movedWhileLocked: { distanceMetres: 556, limitMetres: 100 } } });
		const fired = { lock: { ...lock, fired: true }, fix: { ...fix, latitude: 52.525, at: T } };
		expect(decide(fired, location(52.526, T + 1)).fires).toBe(false);
		expect(decide(fired, location(52.5202, T + 2))).toMatchObject({ fires: false, urgency: 'critical', next: { lock: { fired: false } } });
		// An older fix is no movement.
		expect(decide(fired, location(52.6, T - 1))).toEqual({ fires: false, urgency: 'none' });
	});
});
