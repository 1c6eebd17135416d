/**
 * The API operations: which status code a request gets and what it does to the vehicle.
 * Routes and parameter checks come from the shared catalog (OPERATIONS), the codes each
 * endpoint may answer from endpointCodes.ts; nothing here redeclares them.
 */
import { randomUUID } from 'crypto';
import { CODE_TOKEN_INVALID, STATUS_CODES } from '../api/catalog/codes';
import { OPERATIONS, type OperationSpec } from '../api/catalog/operations';
import { wireFields } from '../api/requests';
import { parseBoolean, parseNumber } from '../api/values';
import { CODE_PARAMETER_ERROR, endpointCodes, operationKey } from './endpointCodes';
import {
	controllerVoltage,
	locationFields,
	powerPercent,
	reachable,
	statusFields,
	type Fleet,
	type LightState,
	type Vehicle,
} from './fleet';

export interface ApiReply {
	code: number;
	msg: string;
	data: unknown;
	t: number;
	opId: string;
	resId?: string;
}

/** Operations by `METHOD path`, for the server's dispatch. */
export const ROUTES: ReadonlyMap<string, OperationSpec> = new Map(OPERATIONS.map((spec) => [`${spec.method} ${spec.path}`, spec]));

/**
 * The one rule for failure codes: an endpoint answers only what the reference lists for it,
 * plus token and parameter errors which every endpoint can give. A code that is not listed
 * (an injected 15302 on whole-shutdown, which the reference does not list) becomes the listed
 * "command send failed" instead of inventing an undocumented answer.
 */
export function permittedCode(spec: OperationSpec, code: number): number {
	// Throttling (15990) is the gateway's, for every endpoint; the reference lists it on lock and unlock.
	if (code === 0 || code === CODE_TOKEN_INVALID || code === CODE_PARAMETER_ERROR || code === 15990) return code;
	const listed = endpointCodes(spec);
	if (listed.includes(code)) return code;
	return listed.includes(15303) ? 15303 : 15001;
}

/** The reference's examples spell success as "Success" for status and commands, "success" for the other queries. */
function successMsg(spec: OperationSpec): string {
	return spec.resource === 'query' && spec.operation !== 'status' ? 'success' : 'Success';
}

export function reply(spec: OperationSpec, code: number, data: unknown = null): ApiReply {
	const finalCode = permittedCode(spec, code);
	const opId = randomUUID();
	const body: ApiReply = {
		code: finalCode,
		msg: finalCode === 0 ? successMsg(spec) : (STATUS_CODES[finalCode]?.meaning ?? 'error'),
		data: finalCode === 0 ? data : null,
		t: Date.now(),
		opId,
	};
	// The reference's battery-info example names the id `resId`; both are sent so either reading works.
	if (spec.operation === 'batteryInfo') body.resId = opId;
	return body;
}

export type Params = Record<string, unknown>;

interface Guard {
	code: number;
	refuses(vehicle: Vehicle, spec: OperationSpec, params: Params): boolean;
}

/**
 * Why a known vehicle refuses a request, in the order the gateway finds out. Each guard only
 * applies to endpoints listing its code, which is also what keeps upgrades from blocking
 * queries and riding from blocking anything but lock.
 */
const GUARDS: Guard[] = [
	{ code: 15300, refuses: (v) => !v.active },
	// Offline or silent: the gateway cannot reach the vehicle.
	{ code: 15301, refuses: (v) => !reachable(v) },
	{ code: 15500, refuses: (v) => v.upgrading },
	{ code: 15707, refuses: (v, spec, params) => v.firmware < requiredFirmware(spec, params) },
];

/** Guards that need the device to have answered, checked after injected device failures. */
const DEVICE_GUARDS: Guard[] = [
	{ code: 15600, refuses: (v) => v.riding && v.speed > 0 },
	{ code: 15400, refuses: (v, _spec, params) => isTrue(params.realTimeLocation) && !v.gpsFix },
];

/** A gated field asks for the firmware unless it is absent or says "leave as it is". */
function requiredFirmware(spec: OperationSpec, params: Params): number {
	let needed = spec.minFirmware ?? 0;
	for (const field of wireFields(spec)) {
		const value = params[field.name];
		if (field.minFirmware === undefined || value === undefined) continue;
		if (field.type === 'choice' && field.keepValue !== undefined && Number(value) === field.keepValue) continue;
		needed = Math.max(needed, field.minFirmware);
	}
	return needed;
}

export function firstRefusal(guards: 'state' | 'device', vehicle: Vehicle, spec: OperationSpec, params: Params): number | undefined {
	for (const guard of guards === 'state' ? GUARDS : DEVICE_GUARDS) {
		if (endpointCodes(spec).includes(guard.code) && guard.refuses(vehicle, spec, params)) return guard.code;
	}
	return undefined;
}

const isTrue = (value: unknown) => parseBoolean(value) === true;

/** Parameters passed validation before they get here: a value that is no number is NaN, never used. */
const num = (value: unknown) => parseNumber(value) ?? NaN;

const has = (params: Params, name: string) => params[name] !== undefined && params[name] !== null;

export interface OperationEffects {
	/** Locked state or riding changed: pushes of status and location follow sooner. */
	lockChanged?: boolean;
	intervalsChanged?: boolean;
}

type Handler = (vehicle: Vehicle, params: Params, fleet: Fleet) => { data?: unknown; effects?: OperationEffects };

const HANDLERS: Record<string, Handler> = {
	'query.status': (v) => {
		const { remainingRange, totalRidingSecs, statusUtcTime, ...rest } = statusFields(v);
		// The reference's status example says `remainderRange`; the Push section says `remainingRange`.
		return { data: { ...rest, remainderRange: remainingRange, totalRidingSecs, statusUtcTime } };
	},
	'query.location': (v, params, fleet) => {
		if (isTrue(params.realTimeLocation) && v.gpsFix) v.gpsUtcTime = fleet.nowSeconds();
		const fields = locationFields(v);
		// The reference's example has gpsUtcTime as a string here (a number in the location push).
		return { data: { ...fields, gpsUtcTime: String(fields.gpsUtcTime) } };
	},
	'query.batteryInfo': (v) => ({
		data: {
			iotCode: v.iotCode,
			charging: v.charging,
			controllerVoltage: controllerVoltage(v),
			batteryData: [
				{
					batteryPercent: powerPercent(v),
					cycleTimes: v.batteryCycles,
					temperatrue1: v.batteryTemperature,
					temperatrue2: v.batteryTemperature + (v.riding ? 2 : 0),
				},
			],
		},
	}),
	'query.bluetoothKey': (v) => ({ data: { iotCode: v.iotCode, key: v.bluetoothKey } }),
	'control.unlock': (v, _p, fleet) => {
		fleet.startRide(v);
		return { effects: { lockChanged: true } };
	},
	'control.lock': (v, _p, fleet) => {
		fleet.park(v);
		v.locked = true;
		return { effects: { lockChanged: true } };
	},
	'control.light': (v, params) => {
		if (has(params, 'headLight')) v.lights.headLight = num(params.headLight) as LightState;
		if (has(params, 'tailLight')) v.lights.tailLight = num(params.tailLight) as LightState;
		return {};
	},
	'control.headlight': (v, params) => {
		if (has(params, 'controlType')) v.lights.headLight = num(params.controlType) as LightState;
		return {};
	},
	'control.lightFlicker': (v, params) => {
		const flicker = (current: LightState, value: unknown): LightState =>
			num(value) === 1 ? 2 : current === 2 ? 0 : current;
		if (has(params, 'headLightFlicker')) v.lights.headLight = flicker(v.lights.headLight, params.headLightFlicker);
		if (has(params, 'tailLightFlicker')) v.lights.tailLight = flicker(v.lights.tailLight, params.tailLightFlicker);
		return {};
	},
	'control.throttleResponse': (v, params) => {
		if (has(params, 'controlType')) v.throttleResponse = num(params.controlType) === 1;
		return {};
	},
	'control.sound': (v, params) => {
		v.sound.lastPlayed = { controlType: num(params.controlType), at: Date.now() };
		return {};
	},
	'control.power': (v, params, fleet) => {
		if (!has(params, 'controlType')) return {};
		v.powered = num(params.controlType) === 1;
		if (!v.powered) fleet.park(v);
		return { effects: { lockChanged: !v.powered } };
	},
	'control.wholeShutdown': (v, _p, fleet) => {
		fleet.park(v);
		v.locked = true;
		v.powered = false;
		v.online = false;
		v.transportMode = true;
		return { effects: { lockChanged: true } };
	},
	'setting.switch': (v, params) => {
		if (has(params, 'alertSensitivity')) v.alertSensitivity = num(params.alertSensitivity);
		return {};
	},
	'setting.ableSwitch': (v, params) => {
		// 0 is "no setting": the switch keeps its state.
		for (const name of ['assistedMode', 'buzzer'] as const) {
			const value = num(params[name]);
			if (value === 1 || value === 2) v.switches[name] = value === 2;
		}
		return {};
	},
	'setting.scooter': (v, params) => {
		for (const name of Object.keys(v.scooter) as (keyof Vehicle['scooter'])[]) {
			if (has(params, name)) v.scooter[name] = num(params[name]);
		}
		return {};
	},
	'setting.sound': (v, params) => {
		const workMode = num(params.workMode);
		if (workMode === 1 || workMode === 2) v.sound.enabled = workMode === 2;
		const mask = params.sctoMask as Record<string, unknown> | undefined;
		for (const [name, value] of Object.entries(mask ?? {})) {
			const n = num(value);
			if (n === 0 || n === 1) v.sound.mask[name] = n === 1;
		}
		return {};
	},
	'setting.speedMode': (v, params) => {
		v.speedMode = num(params.speedMode) as 1 | 2 | 3;
		return {};
	},
	'setting.bluetoothKey': (v, params) => {
		if (typeof params.key === 'string') v.bluetoothKey = params.key;
		return {};
	},
	'setting.interval': (v, params) => {
		const location = params.locationInterval as Record<string, unknown> | undefined;
		const status = params.statusInterval as Record<string, unknown> | undefined;
		for (const [name, value] of Object.entries(location ?? {})) {
			(v.intervals.locationInterval as Record<string, number>)[name] = num(value);
		}
		for (const [name, value] of Object.entries(status ?? {})) {
			(v.intervals.statusInterval as Record<string, number>)[name] = num(value);
		}
		return { effects: { intervalsChanged: true } };
	},
};

for (const spec of OPERATIONS) {
	if (!HANDLERS[operationKey(spec)]) throw new Error(`simulator has no handler for ${operationKey(spec)}`);
}

export function applyOperation(spec: OperationSpec, vehicle: Vehicle, params: Params, fleet: Fleet) {
	const key = operationKey(spec);
	if (spec.resource !== 'query') vehicle.executed[key] = (vehicle.executed[key] ?? 0) + 1;
	return HANDLERS[key](vehicle, params, fleet);
}
