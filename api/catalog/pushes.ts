/**
 * The four pushes of the reference's Push section: their paths, their fields with types and the
 * values the reference allows, and which field carries the push's own time. Shared by the trigger
 * (checking and typing what arrives) and the simulator (sending); signature.ts signs them.
 */
import { IOT_CODE_ALLOWED, IOT_CODE_PATTERN } from './fields';

export const PUSH_EVENTS = ['alert', 'fault', 'location', 'status'] as const;
export type PushEvent = (typeof PUSH_EVENTS)[number];

/** Path of each push below the receiver's base URL, as the reference names them. */
export const PUSH_PATHS: Readonly<Record<PushEvent, string>> = {
	alert: 'v2/vehicle/alert',
	fault: 'v2/vehicle/fault',
	location: 'v2/vehicle/location',
	status: 'v2/vehicle/status',
};

export type PushFieldType = 'string' | 'number' | 'boolean';

export interface PushField {
	type: PushFieldType;
	/**
	 * A push of this kind is incomplete without it: the identity and time of every push, and what
	 * tells the kinds apart. The other documented fields are checked when present, so that a push
	 * Segway sends without one of them is not lost.
	 */
	required?: true;
	/** The only values the reference allows (numbers or texts). */
	values?: readonly (number | string)[];
	min?: number;
	max?: number;
	integer?: true;
	pattern?: RegExp;
	/** Says in words what the checks allow, for refusals. */
	allowed: string;
}

const iotCode: PushField = { type: 'string', required: true, pattern: IOT_CODE_PATTERN, allowed: IOT_CODE_ALLOWED };
const platformCode: PushField = { type: 'string', required: true, pattern: /^\S+$/, allowed: 'the platform code (client_id)' };
const time: PushField = { type: 'number', required: true, min: 0, allowed: 'a UTC timestamp in seconds (or milliseconds)' };
const appearing: PushField = { type: 'number', values: [0, 1], allowed: '0 (appearing) or 1 (disappeared)' };
const code: PushField = { type: 'number', required: true, integer: true, min: 0, allowed: 'a whole number' };
const number: PushField = { type: 'number', allowed: 'a number' };
const whole: PushField = { type: 'number', integer: true, min: 0, allowed: 'a whole number of 0 or more' };
const flag: PushField = { type: 'boolean', allowed: 'true or false' };

export const PUSH_FIELDS: Readonly<Record<PushEvent, Readonly<Record<string, PushField>>>> = {
	alert: { iotCode, platformCode, statusUtcTime: time, alertStatus: appearing, code },
	fault: { iotCode, platformCode, statusUtcTime: time, faultStatus: { ...appearing, required: true }, code },
	location: {
		iotCode,
		platformCode,
		locationStatus: { type: 'string', required: true, values: ['valid', 'invalid'], allowed: 'valid or invalid' },
		latitude: { type: 'number', min: -90, max: 90, allowed: 'a latitude from -90 to 90' },
		longitude: { type: 'number', min: -180, max: 180, allowed: 'a longitude from -180 to 180' },
		satelliteNumber: whole,
		hdop: { type: 'number', min: 0, allowed: 'a number of 0 or more' },
		altitude: number,
		gpsUtcTime: time,
	},
	status: {
		iotCode,
		platformCode,
		online: flag,
		locked: flag,
		lockVoltage: number,
		networkSignal: number,
		charging: flag,
		powerPercent: { type: 'number', min: 0, max: 100, allowed: 'a battery percentage from 0 to 100' },
		speedMode: { type: 'number', values: [0, 1, 2, 3], allowed: '0 (unification), 1, 2 or 3' },
		speed: { type: 'number', min: 0, allowed: 'a number of 0 or more' },
		odometer: { type: 'number', min: 0, allowed: 'a number of 0 or more' },
		remainingRange: { type: 'number', min: 0, allowed: 'a number of 0 or more' },
		remainderRange: { type: 'number', min: 0, allowed: 'a number of 0 or more' },
		totalRidingSecs: { type: 'number', min: 0, allowed: 'a number of 0 or more' },
		statusUtcTime: time,
	},
};

/**
 * Fields the reference documents only for other kinds of push: a push carrying one (a fault's
 * `faultStatus` on the alert path) was sent to the wrong path.
 */
export const FOREIGN_PUSH_FIELDS: Readonly<Record<PushEvent, ReadonlySet<string>>> = {
	alert: foreignFields('alert'),
	fault: foreignFields('fault'),
	location: foreignFields('location'),
	status: foreignFields('status'),
};

function foreignFields(event: PushEvent): ReadonlySet<string> {
	const others = PUSH_EVENTS.filter((other) => other !== event).flatMap((other) => Object.keys(PUSH_FIELDS[other]));
	return new Set(others.filter((name) => !(name in PUSH_FIELDS[event])));
}

/** The field that carries the push's own time: when the status was taken or the fix was made. */
export const PUSH_TIME_FIELD: Readonly<Record<PushEvent, string>> = {
	alert: 'statusUtcTime',
	fault: 'statusUtcTime',
	location: 'gpsUtcTime',
	status: 'statusUtcTime',
};

/**
 * Epoch milliseconds of a Segway time (a push's, or a queried status's `statusUtcTime`). The
 * reference's examples are seconds (1591067719); a value of 10^12 or more can only be
 * milliseconds (seconds would be the year 33658), so both are read.
 */
export function segwayTimeMs(value: number): number {
	return value >= 1e12 ? value : value * 1000;
}
