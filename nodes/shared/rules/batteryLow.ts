/**
 * Fires once when a vehicle's battery is below the threshold, then stays quiet for that vehicle
 * until it has risen to `rearmAt` (threshold + margin). The margin keeps a battery that wobbles
 * around the threshold (19, 20, 19…) from firing on every dip. A vehicle seen for the first time
 * already below the threshold fires: the crew should know about it.
 */
import { parseNumber } from '../../../api/values';
import { NO_CHANGE, type Decision, type StoredField } from './rule';

export interface BatteryLowSettings {
	threshold: number;
	/** Fires again only after the battery was back at this level or above (charged, swapped). */
	rearmAt: number;
}

export interface BatteryLowState {
	/** Fired and not re-armed since. */
	lowBattery: boolean;
}

export function batteryLow(settings: BatteryLowSettings, state: Readonly<BatteryLowState>, powerPercent: string | undefined): Decision<BatteryLowState> {
	const percent = parseNumber(powerPercent);
	if (percent === undefined) return NO_CHANGE;
	if (!state.lowBattery && percent < settings.threshold) {
		return { fires: true, next: { lowBattery: true }, urgency: 'critical', details: { batteryThreshold: settings.threshold, batteryRearmAt: settings.rearmAt } };
	}
	if (state.lowBattery && percent >= settings.rearmAt) return { fires: false, next: { lowBattery: false }, urgency: 'critical' };
	return NO_CHANGE;
}

export const lowBatteryField: StoredField<boolean> = {
	columns: ['lowBattery'],
	write: (low) => (low ? '1' : ''),
	read: ([cell]) => cell === '1',
	// Forgotten, a vehicle still low would fire again.
	mustKeep: (low) => low,
};
