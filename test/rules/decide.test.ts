/**
 * The push trigger's rules put together (nodes/SegwayFleetTrigger/decide.ts), as plain values:
 * which push kinds start runs, how soon a run's retry entry is stored, what is learnt from pushes
 * that start nothing.
 */
import { decidePush, type ActiveRule } from '../../nodes/SegwayFleetTrigger/decide';
import { alertCodes } from '../../nodes/shared/rules/codeFilter';
import { lastLocationRule } from '../../nodes/shared/rules/lastLocation';
import { movedWhileLocked } from '../../nodes/shared/rules/movedWhileLocked';
import { position } from '../../nodes/shared/rules/position';
import type { Push } from '../../nodes/shared/rules/rule';

const T = 1_795_000_000_000;
const alert: Push = { event: 'alert', fields: { code: '2' }, atMs: T };
const lockPush: Push = { event: 'status', fields: { locked: 'true' }, atMs: T };

test('with no rule deciding its kind every push runs, and its retry entry waits for the spread-out writes', () => {
	expect(decidePush([], alert, true, undefined, T)).toEqual({ emit: true, pushItems: true, details: {}, items: [], reports: [], vehicle: undefined, urgency: 'none', runUrgency: 'changed' });
});

test('where a rule decides, its say counts and the retry entry is critical', () => {
	const rules: ActiveRule[] = [{ rule: alertCodes, settings: { codes: [6], status: 'any' } }];
	expect(decidePush(rules, alert, true, undefined, T)).toMatchObject({ emit: false, runUrgency: 'critical' });
	expect(decidePush(rules, { ...alert, fields: { code: '6' } }, true, undefined, T)).toMatchObject({ emit: true, runUrgency: 'critical' });
});

test('a status push that starts nothing still tells moved-while-locked the lock', () => {
	const rules: ActiveRule[] = [
		{ rule: position, settings: undefined },
		{ rule: movedWhileLocked, settings: { distanceMetres: 100 } },
	];
	const decision = decidePush(rules, lockPush, false, undefined, T);
	expect(decision).toMatchObject({ emit: false, urgency: 'changed', vehicle: { lock: { locked: true, at: T, fired: false } } });
});

test('a describing rule adds to the item of a push that runs, from the vehicle as known', () => {
	const rules: ActiveRule[] = [
		{ rule: position, settings: undefined },
		{ rule: lastLocationRule, settings: true },
	];
	const vehicle = { lowBattery: false, statusAt: 0, fix: { latitude: 52.52, longitude: 13.405, at: T - 60_000 } };
	expect(decidePush(rules, alert, true, vehicle, T).details).toMatchObject({ lastLocation: { latitude: 52.52, ageSeconds: 60, valid: true } });
	expect(decidePush(rules, alert, true, undefined, T).details).toEqual({ lastLocation: null });
});
