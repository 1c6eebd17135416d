/** Building and sending signed pushes the way Segway does, for the trigger tests. */
import { request } from 'undici';

import { computeSignature } from '../../api/catalog/signature';

export const SECRET = 'TestSecret42';
export const IOT = '861123456789012';
export const PLATFORM = 'A20081';

export type Params = Record<string, string>;

/** The parameters plus their signature, computed with the shared implementation. */
export function signed(params: Params, secret = SECRET): Params {
	return { ...params, signature: computeSignature(params, secret) };
}

/** Form encoding with `%20` for spaces (what encodeURIComponent gives), in the given order. */
export function formBody(params: Params, order = Object.keys(params)): string {
	return order.map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(params[key])}`).join('&');
}

export interface Answer {
	status: number;
	body: string;
	json: unknown;
}

export async function post(
	url: string,
	body: string,
	contentType = 'application/x-www-form-urlencoded',
): Promise<Answer> {
	const response = await request(url, {
		method: 'POST',
		headers: { 'content-type': contentType },
		body,
	});
	const text = await response.body.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: response.statusCode, body: text, json };
}

export async function postForm(url: string, params: Params): Promise<Answer> {
	return await post(url, formBody(params));
}

/** Now, in whole seconds as the reference's examples give push times. */
export const nowSeconds = (offsetSeconds = 0): string => String(Math.floor(Date.now() / 1000) + offsetSeconds);

export function alertPush(overrides: Params = {}): Params {
	return {
		iotCode: IOT,
		platformCode: PLATFORM,
		statusUtcTime: nowSeconds(),
		alertStatus: '0',
		code: '1',
		...overrides,
	};
}

export function faultPush(overrides: Params = {}): Params {
	return {
		iotCode: IOT,
		platformCode: PLATFORM,
		statusUtcTime: nowSeconds(),
		faultStatus: '0',
		code: '32',
		...overrides,
	};
}

export function locationPush(overrides: Params = {}): Params {
	return {
		iotCode: IOT,
		platformCode: PLATFORM,
		locationStatus: 'valid',
		latitude: '22.5431',
		longitude: '114.0579',
		satelliteNumber: '9',
		hdop: '0.8',
		altitude: '12.5',
		gpsUtcTime: nowSeconds(),
		...overrides,
	};
}

let clock = 0;

/** After a test moved Date.now forward and back: status times continue from the real now. */
export function rewindStatusClock(): void {
	clock = 0;
}

/**
 * A status push; each call gets a later `statusUtcTime` than the one before, as real pushes do,
 * close to now (in milliseconds, which the trigger reads as well as seconds).
 */
export function statusPush(overrides: Params = {}): Params {
	clock = Math.max(Date.now() - 60_000, clock + 1);
	return {
		iotCode: IOT,
		platformCode: PLATFORM,
		online: 'true',
		locked: 'false',
		lockVoltage: '412',
		networkSignal: '25',
		charging: 'false',
		powerPercent: '80',
		speedMode: '3',
		speed: '15',
		odometer: '1230',
		remainingRange: '1230',
		totalRidingSecs: '3600',
		statusUtcTime: String(clock),
		...overrides,
	};
}

export const SUCCESS = { code: 0, message: 'success' };
