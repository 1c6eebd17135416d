/**
 * Every trigger rule, in the order the push trigger shows their parameters and the stored text
 * keeps their columns (a new rule goes last: columns are read by name, so order is only looks).
 * A new rule is its own file, a line here and, when it remembers something, its fields in
 * VehicleState.
 */
import { alertCodes, faultCodes } from './codeFilter';
import { lastLocationRule } from './lastLocation';
import { movedWhileLocked, type LockState } from './movedWhileLocked';
import { position, type PositionState } from './position';
import type { AnyRule } from './rule';
import { silence, type SilenceState } from './silence';
import { statusFilter, type StatusState } from './statusFilter';
import { zones, type ZoneState } from './zones';

export const RULES: readonly AnyRule[] = [alertCodes, faultCodes, statusFilter, position, movedWhileLocked, lastLocationRule, zones, silence];

/** What the rules remember of a vehicle. */
export type VehicleState = StatusState & PositionState & LockState & ZoneState & SilenceState;
