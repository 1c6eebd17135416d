/**
 * The silence rule and the trigger's quiet watch without HTTP: which vehicle's clock runs out
 * first, with two limits, late clocks (taken over from a gone process) and gaps in the stream;
 * what the rule reports and stores; a vehicle dropped at the memory's bound is never reported.
 */
import type { IDataObject } from 'n8n-workflow';

import { decideOverdue, type ActiveRule } from '../../nodes/SegwayFleetTrigger/decide';
import { NodeMemory, type TimeRules } from '../../nodes/SegwayFleetTrigger/memory';
import { QuietWatch } from '../../nodes/SegwayFleetTrigger/quiet';
import { decodeVehicles, emptyRecord, encodeVehicles } from '../../nodes/shared/memory/codec';
import type { VehicleState } from '../../nodes/shared/rules';
import type { AnyRule, Push } from '../../nodes/shared/rules/rule';
import { silence, type SilenceSettings } from '../../nodes/shared/rules/silence';

const T = 1_795_000_000_000;
const MIN = 60_000;
const settings: SilenceSettings = { lockedMs: 45 * MIN, unlockedMs: 5 * MIN, back: true };
const status = (locked: boolean, atMs = T): Push => ({ event: 'status', fields: { locked: String(locked), online: 'true', charging: 'false', powerPercent: '61' }, atMs });

describe('quiet watch', () => {
	test('finds the first clocks to run out per limit, from the front of each queue, and takes each once', () => {
		const watch = new QuietWatch();
		watch.heardStream(T);
		watch.watch('locked-early', { since: T, limitMs: 45 * MIN });
		watch.watch('unlocked', { since: T + MIN, limitMs: 5 * MIN });
		watch.watch('locked-late', { since: T + 2 * MIN, limitMs: 45 * MIN });
		expect(watch.overdue(T + 5 * MIN, 10)).toEqual([]);
		expect(watch.overdue(T + 6 * MIN, 10)).toEqual(['unlocked']);
		expect(watch.overdue(T + 6 * MIN, 10)).toEqual([]);
		expect(watch.overdue(T + 46 * MIN, 10)).toEqual(['locked-early']);
		expect(watch.overdue(T + 48 * MIN, 10)).toEqual(['locked-late']);
		expect(watch.size).toBe(0);
	});

	test('a vehicle heard again moves to the back; a forgotten one is never due; at most `max` at a time', () => {
		const watch = new QuietWatch();
		watch.heardStream(T);
		for (let i = 0; i < 5; i++) watch.watch(`v${i}`, { since: T + i, limitMs: MIN });
		watch.watch('v0', { since: T + 10, limitMs: MIN });
		watch.forget('v1');
		expect(watch.overdue(T + 2 * MIN, 2)).toEqual(['v2', 'v3']);
		expect(watch.overdue(T + 2 * MIN, 10)).toEqual(['v4', 'v0']);
	});

	test('clocks older than the newest of their queue (taken over) are judged soonest first', () => {
		const watch = new QuietWatch();
		watch.heardStream(T);
		watch.watch('now', { since: T + 10 * MIN, limitMs: 5 * MIN });
		watch.watch('old-b', { since: T + 3 * MIN, limitMs: 5 * MIN });
		watch.watch('old-a', { since: T + 1 * MIN, limitMs: 5 * MIN });
		watch.watch('old-c', { since: T + 4 * MIN, limitMs: 5 * MIN });
		watch.watch('old-c', { since: T + 12 * MIN, limitMs: 5 * MIN }); // heard again: its old clock is stale
		expect(watch.overdue(T + 8.5 * MIN, 10)).toEqual(['old-a', 'old-b']);
		expect(watch.overdue(T + 17.5 * MIN, 10)).toEqual(['now', 'old-c']);
	});

	test('a gap in the stream as long as a limit restarts that limit\'s count, not a longer one\'s', () => {
		const watch = new QuietWatch();
		watch.heardStream(T);
		watch.watch('unlocked', { since: T, limitMs: 5 * MIN });
		watch.watch('locked', { since: T, limitMs: 45 * MIN });
		watch.heardStream(T + 10 * MIN); // nothing for 10 min
		expect(watch.overdue(T + 10 * MIN, 10)).toEqual([]);
		expect(watch.overdue(T + 15 * MIN, 10)).toEqual(['unlocked']);
		expect(watch.overdue(T + 45 * MIN, 10)).toEqual(['locked']);
		// A limit first used after the gap counts from its end; one longer than the gap from the first push.
		watch.watch('late-unlocked', { since: T, limitMs: 5 * MIN });
		watch.watch('late-locked', { since: T, limitMs: 20 * MIN });
		expect(watch.overdue(T + 15 * MIN, 10)).toEqual(['late-unlocked']);
		expect(watch.overdue(T + 20 * MIN, 10)).toEqual(['late-locked']);
	});
});

describe('silence rule', () => {
	const vehicle = (state: Partial<VehicleState>) => ({ ...emptyRecord(), ...state });

	test('a push records when the vehicle was heard and its status; only a newer status replaces it', () => {
		const first = silence.decide!(settings, vehicle({}), status(false, T), T + 5);
		expect(first).toEqual({ fires: false, next: { heard: { at: T + 5, silent: false, status: { locked: false, online: true, charging: false, powerPercent: 61, at: T } } }, urgency: 'changed' });
		const older = silence.decide!(settings, vehicle(first.next!), status(true, T - 1000), T + 10);
		expect(older.next?.heard?.status?.locked).toBe(false);
		expect(silence.clock!(settings, vehicle(first.next!))).toEqual({ since: T + 5, limitMs: 5 * MIN });
		expect(silence.clock!(settings, vehicle(silence.decide!(settings, vehicle({}), status(true), T).next!))).toEqual({ since: T, limitMs: 45 * MIN });
	});

	test('overdue reports once and is critical; not before its limit; heard again reports and re-arms', () => {
		const heard = vehicle(silence.decide!(settings, vehicle({}), status(false), T).next!);
		expect(silence.overdue!(settings, heard, T + 4 * MIN).fires).toBe(false);
		const judged = silence.overdue!(settings, heard, T + 5 * MIN);
		expect(judged).toMatchObject({ fires: true, urgency: 'critical', next: { heard: { silent: true } } });
		expect(judged.reports).toEqual([expect.objectContaining({ event: 'silence', silence: 'wentSilent', silentForSeconds: 300, silentAfterMinutes: 5, lockedWhenLastHeard: false, lastLocation: null })]);
		const silent = vehicle({ ...heard, ...judged.next });
		expect(silence.clock!(settings, silent)).toBeUndefined();
		expect(silence.overdue!(settings, silent, T + 60 * MIN).fires).toBe(false);

		const back = silence.decide!(settings, silent, { event: 'alert', fields: {}, atMs: T + 20 * MIN }, T + 20 * MIN);
		expect(back).toMatchObject({ fires: true, urgency: 'critical', next: { heard: { silent: false, at: T + 20 * MIN } } });
		expect(back.reports).toEqual([expect.objectContaining({ silence: 'heardAgain', silentForSeconds: 1200, heardBy: 'alert' })]);
		expect(silence.decide!({ ...settings, back: false }, silent, status(true, T + 20 * MIN), T + 20 * MIN)).toMatchObject({ fires: false, reports: [] });
	});

	test('what it remembers survives the stored text', () => {
		const heard = { at: T + 7000, silent: true, status: { locked: true, online: false, charging: undefined, powerPercent: 12, at: T } };
		const text = encodeVehicles([['861123456700001', { ...emptyRecord(), seenAt: T, heard }]], 300);
		expect(decodeVehicles(text).get('861123456700001')?.heard).toEqual(heard);
	});
});

describe('a vehicle dropped at the memory bound', () => {
	test('is never reported as silent', () => {
		const rules: ActiveRule[] = [{ rule: silence as AnyRule, settings }];
		const time: TimeRules = { clockOf: (v) => silence.clock!(settings, v), overdue: (v, now) => decideOverdue(rules, v, now) };
		const memory = new NodeMemory(false, 3);
		const push = (iotCode: string, now: number): IDataObject[] => {
			const recalled = memory.recall(iotCode, `${iotCode}${now}`, {}, now, time);
			memory.heardStream(now);
			const decision = silence.decide!(settings, recalled.vehicle ?? emptyRecord(), status(false, now), now);
			return memory.afterPush(recalled, { vehicle: decision.next, urgency: decision.urgency }, {}, now, time).map((o) => ({ iotCode: o.iotCode }));
		};
		push('v1', T);
		push('v2', T + 1000);
		push('v3', T + 2000);
		push('v4', T + 3000); // the memory holds three: v1 is dropped
		const reported: IDataObject[] = [];
		for (let at = T + 20_000; at <= T + 7 * MIN; at += 20_000) reported.push(...push('v4', at));
		expect(reported).toEqual([{ iotCode: 'v2' }, { iotCode: 'v3' }]);
	});
});
