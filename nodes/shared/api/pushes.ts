/**
 * The four pushes of the reference's Push section: their paths, their fields' types, and the
 * signature algorithm. Shared by the trigger (verifying) and the simulator (signing).
 */
import { createHash } from 'crypto';

export const PUSH_EVENTS = ['alert', 'fault', 'location', 'status'] as const;
export type PushEvent = (typeof PUSH_EVENTS)[number];

/** Path of each push below the receiver's base URL, as the reference names them. */
export const PUSH_PATHS: Readonly<Record<PushEvent, string>> = {
	alert: 'v2/vehicle/alert',
	fault: 'v2/vehicle/fault',
	location: 'v2/vehicle/location',
	status: 'v2/vehicle/status',
};

type FieldType = 'string' | 'number' | 'boolean';

/** Declared types of the documented fields; fields not listed here are typed by their look. */
export const PUSH_FIELD_TYPES: Readonly<Record<PushEvent, Readonly<Record<string, FieldType>>>> = {
	alert: {
		iotCode: 'string',
		platformCode: 'string',
		statusUtcTime: 'number',
		alertStatus: 'number',
		code: 'number',
	},
	fault: {
		iotCode: 'string',
		platformCode: 'string',
		statusUtcTime: 'number',
		faultStatus: 'number',
		code: 'number',
	},
	location: {
		iotCode: 'string',
		platformCode: 'string',
		locationStatus: 'string',
		latitude: 'number',
		longitude: 'number',
		satelliteNumber: 'number',
		hdop: 'number',
		altitude: 'number',
		gpsUtcTime: 'number',
	},
	status: {
		iotCode: 'string',
		platformCode: 'string',
		online: 'boolean',
		locked: 'boolean',
		lockVoltage: 'number',
		networkSignal: 'number',
		charging: 'boolean',
		powerPercent: 'number',
		speedMode: 'number',
		speed: 'number',
		odometer: 'number',
		remainingRange: 'number',
		remainderRange: 'number',
		totalRidingSecs: 'number',
		statusUtcTime: 'number',
	},
};

export const SIGNATURE_FIELD = 'signature';

/**
 * The string the reference hashes: every received parameter except `signature`, sorted by key
 * in ASCII order, as `key=value` joined by `&`, then `&client_secret=<secret>`. Values are the
 * decoded values as received; empty values are kept (`key=`).
 */
export function signatureBase(params: Readonly<Record<string, string>>, clientSecret: string): string {
	const pairs = Object.keys(params)
		.filter((key) => key !== SIGNATURE_FIELD)
		.sort(compareAscii)
		.map((key) => `${key}=${params[key]}`);
	return `${pairs.join('&')}&client_secret=${clientSecret}`;
}

/** MD5 of the signature base as 32 lowercase hex characters. */
export function computeSignature(params: Readonly<Record<string, string>>, clientSecret: string): string {
	return createHash('md5').update(signatureBase(params, clientSecret), 'utf8').digest('hex');
}

/** Code-unit order, which for the ASCII keys of a push is the reference's "ASCII order". */
function compareAscii(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
