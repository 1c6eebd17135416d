/**
 * The four pushes of the reference's Push section: their paths and their fields' types. Shared
 * by the trigger (reading) and the simulator (sending); signature.ts signs them.
 */

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
