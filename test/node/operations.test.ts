/**
 * Every contract operation, run through n8n-core's engine against the simulator, produces
 * exactly the request of the reference: method, path, query, body with JSON number versus
 * string types, and the bearer token. Expectations are written out by hand from the contract,
 * not derived from the catalog the node uses.
 */
import type { INodeParameters } from 'n8n-workflow';

import { startFixture, type Fixture } from './fixtures';

let fx: Fixture;
let iot: string;

beforeAll(async () => {
	fx = await startFixture({ vehicles: 40 });
	iot = fx.sim.iotCodes[0];
});
afterAll(async () => await fx.sim.close());
beforeEach(() => fx.sim.clearRequests());

interface Case {
	name: string;
	parameters: INodeParameters;
	method: 'GET' | 'POST';
	path: string;
	/** Expected query string for GET (with IOT as placeholder). */
	query?: string;
	/** Expected JSON body for POST (with IOT as placeholder). */
	body?: Record<string, unknown>;
}

const IOT = '__IOT__';
const p = (resource: string, operation: string, extra: INodeParameters = {}): INodeParameters => ({
	resource,
	operation,
	iotCode: '={{ $json.iotCode }}',
	...extra,
});

const cases: Case[] = [
	{ name: 'query status', parameters: p('query', 'status'), method: 'GET', path: '/api/v2/vehicle/query/current/status', query: `iotCode=${IOT}` },
	{ name: 'query location', parameters: p('query', 'location'), method: 'GET', path: '/api/v2/vehicle/query/current/location', query: `iotCode=${IOT}` },
	{
		name: 'query location real time',
		parameters: p('query', 'location', { realTimeLocation: true }),
		method: 'GET',
		path: '/api/v2/vehicle/query/current/location',
		query: `iotCode=${IOT}&realTimeLocation=true`,
	},
	{ name: 'query battery', parameters: p('query', 'batteryInfo'), method: 'GET', path: '/api/v2/vehicle/query/current/battery-info', query: `iotCode=${IOT}` },
	{ name: 'query bluetooth key', parameters: p('query', 'bluetoothKey'), method: 'GET', path: '/api/v2/vehicle/query/current/bluetooth-key', query: `iotCode=${IOT}` },
	{ name: 'unlock', parameters: p('control', 'unlock'), method: 'POST', path: '/api/v2/vehicle/control/unlock', body: { iotCode: IOT } },
	{ name: 'lock', parameters: p('control', 'lock'), method: 'POST', path: '/api/v2/vehicle/control/lock', body: { iotCode: IOT } },
	{
		name: 'light both',
		parameters: p('control', 'light', { headLight: 2, tailLight: 0 }),
		method: 'POST',
		path: '/api/v2/vehicle/control/light',
		body: { iotCode: IOT, headLight: 2, tailLight: 0 },
	},
	{
		name: 'light tail unchanged',
		parameters: p('control', 'light', { headLight: 1, tailLight: 'unchanged' }),
		method: 'POST',
		path: '/api/v2/vehicle/control/light',
		body: { iotCode: IOT, headLight: 1 },
	},
	{
		name: 'headlight (deprecated)',
		parameters: p('control', 'headlight', { controlType: 0 }),
		method: 'POST',
		path: '/api/v2/vehicle/control/headlight',
		body: { iotCode: IOT, controlType: 0 },
	},
	{
		name: 'light flicker (deprecated)',
		parameters: p('control', 'lightFlicker', { headLightFlicker: 1, tailLightFlicker: 0 }),
		method: 'POST',
		path: '/api/v2/vehicle/control/light-flicker',
		body: { iotCode: IOT, headLightFlicker: 1, tailLightFlicker: 0 },
	},
	{
		name: 'throttle response',
		parameters: p('control', 'throttleResponse', { controlType: 1 }),
		method: 'POST',
		path: '/api/v2/vehicle/control/throttle-response',
		body: { iotCode: IOT, controlType: 1 },
	},
	{
		name: 'sound',
		parameters: p('control', 'sound', { controlType: 3 }),
		method: 'POST',
		path: '/api/v2/vehicle/control/sound',
		body: { iotCode: IOT, controlType: 3 },
	},
	{
		name: 'power',
		parameters: p('control', 'power', { controlType: 1 }),
		method: 'POST',
		path: '/api/v2/vehicle/control/power',
		body: { iotCode: IOT, controlType: 1 },
	},
	{ name: 'whole shutdown', parameters: p('control', 'wholeShutdown'), method: 'POST', path: '/api/v2/vehicle/control/whole-shutdown', body: { iotCode: IOT } },
	{
		name: 'switch',
		parameters: p('setting', 'switch', { alertSensitivity: 3 }),
		method: 'POST',
		path: '/api/v2/vehicle/setting/switch',
		body: { iotCode: IOT, alertSensitivity: 3 },
	},
	{
		// "No Setting" (0) is left out: the reference marks both switches optional.
		name: 'able switch',
		parameters: p('setting', 'ableSwitch', { assistedMode: 2, buzzer: 0 }),
		method: 'POST',
		path: '/api/v2/vehicle/setting/able-switch',
		body: { iotCode: IOT, assistedMode: 2 },
	},
	{
		name: 'scooter settings',
		parameters: p('setting', 'scooter', {
			additionalFields: { bssDisplay: 1, cruiseControl: 0, buttonSwitchSpeedMode: 1, lowSpeedLimit: 6, mediumSpeedLimit: 18, highSpeedLimit: 25 },
		}),
		method: 'POST',
		path: '/api/v2/vehicle/setting/scooter',
		body: { iotCode: IOT, bssDisplay: 1, cruiseControl: 0, buttonSwitchSpeedMode: 1, lowSpeedLimit: 6, mediumSpeedLimit: 18, highSpeedLimit: 25 },
	},
	{
		name: 'scooter settings, one field',
		parameters: p('setting', 'scooter', { additionalFields: { highSpeedLimit: 20 } }),
		method: 'POST',
		path: '/api/v2/vehicle/setting/scooter',
		body: { iotCode: IOT, highSpeedLimit: 20 },
	},
	{
		// "Keep Original" (2) of an optional sound is left out; "No Setting" of the required workMode is sent.
		name: 'sound settings',
		parameters: p('setting', 'sound', { workMode: 2, sctoMask: { powerOn: 1, beep: 0, outofGeofence: 2 } }),
		method: 'POST',
		path: '/api/v2/vehicle/setting/sound',
		body: { iotCode: IOT, workMode: 2, sctoMask: { powerOn: 1, beep: 0 } },
	},
	{
		name: 'sound settings without mask',
		parameters: p('setting', 'sound', { workMode: 1, sctoMask: {} }),
		method: 'POST',
		path: '/api/v2/vehicle/setting/sound',
		body: { iotCode: IOT, workMode: 1 },
	},
	{
		name: 'speed mode',
		parameters: p('setting', 'speedMode', { speedMode: 3 }),
		method: 'POST',
		path: '/api/v2/vehicle/setting/speed-mode',
		body: { iotCode: IOT, speedMode: 3 },
	},
	{
		name: 'bluetooth key',
		parameters: p('setting', 'bluetoothKey', { key: '4BKNwi77' }),
		method: 'POST',
		path: '/api/v2/vehicle/setting/bluetooth-key',
		body: { iotCode: IOT, key: '4BKNwi77' },
	},
	{
		name: 'intervals',
		parameters: p('setting', 'interval', {
			locationInterval: { unlockStatus: 10, lockStatus: 900 },
			statusInterval: { ridingStatus: 10, nonRiding: 60, lockStatus: 65535 },
		}),
		method: 'POST',
		path: '/api/v2/vehicle/setting/interval',
		body: {
			iotCode: IOT,
			locationInterval: { unlockStatus: 10, lockStatus: 900 },
			statusInterval: { ridingStatus: 10, nonRiding: 60, lockStatus: 65535 },
		},
	},
];

const substitute = (value: unknown, code: string): unknown => JSON.parse(JSON.stringify(value).replaceAll(IOT, code));

test('the cases cover all 20 operations of the contract', () => {
	const covered = new Set(cases.map((c) => `${c.parameters.resource}.${c.parameters.operation}`));
	expect(covered.size).toBe(20);
});

// Each case gets a vehicle of its own: transport mode, for one, takes its vehicle offline.
test.each(cases.map((c, index) => ({ ...c, index })))('$name sends exactly the reference request', async (c) => {
	const iot = fx.sim.iotCodes[10 + c.index];
	const result = await fx.run(c.parameters, [{ iotCode: iot }]);
	expect(result.error).toBeUndefined();
	const [request] = fx.apiRequests();
	expect(fx.apiRequests()).toHaveLength(1);
	expect(request.method).toBe(c.method);
	expect(request.path).toBe(c.path);
	expect(request.authorization).toMatch(/^bearer [0-9a-f-]{36}$/);
	if (c.method === 'GET') {
		expect(request.query).toBe(substitute(c.query, iot));
		expect(request.rawBody).toBe('');
	} else {
		expect(request.headers['content-type']).toMatch(/^application\/json/);
		// Deep equality on the parsed body checks numbers stay numbers and iotCode a string.
		expect(JSON.parse(request.rawBody)).toStrictEqual(substitute(c.body, iot));
	}
	expect(request.code).toBe(0);
	expect(result.output).toHaveLength(1);
	expect(result.output?.[0].pairedItem).toEqual({ item: 0 });
});

test('a query returns the data fields, with remainderRange renamed remainingRange', async () => {
	const result = await fx.run(p('query', 'status'), [{ iotCode: iot }]);
	const json = result.output?.[0].json ?? {};
	expect(json.iotCode).toBe(iot);
	expect(typeof json.remainingRange).toBe('number');
	expect(json).not.toHaveProperty('remainderRange');
	for (const key of ['online', 'locked', 'charging']) expect(typeof json[key]).toBe('boolean');
	for (const key of ['powerPercent', 'speedMode', 'speed', 'odometer', 'lockVoltage', 'networkSignal', 'totalRidingSecs', 'statusUtcTime']) {
		expect(typeof json[key]).toBe('number');
	}
});

test('battery info keeps the list of batteries', async () => {
	const result = await fx.run(p('query', 'batteryInfo'), [{ iotCode: iot }]);
	const json = result.output?.[0].json ?? {};
	expect(Array.isArray(json.batteryData)).toBe(true);
	expect(json.batteryData).not.toHaveLength(0);
});

test('a command returns iotCode, success, code, msg and opId', async () => {
	const result = await fx.run(p('control', 'unlock'), [{ iotCode: iot }]);
	const json = result.output?.[0].json ?? {};
	expect(json).toEqual({ iotCode: iot, success: true, code: 0, msg: expect.any(String), opId: expect.any(String) });
	expect(String(json.opId)).not.toBe('');
});

test('commands change the vehicle, and queries show it', async () => {
	const code = fx.sim.iotCodes[1];
	await fx.run(p('control', 'unlock'), [{ iotCode: code }]);
	let status = (await fx.run(p('query', 'status'), [{ iotCode: code }])).output?.[0].json;
	expect(status?.locked).toBe(false);
	await fx.run(p('setting', 'speedMode', { speedMode: 2 }), [{ iotCode: code }]);
	await fx.run(p('control', 'lock'), [{ iotCode: code }]);
	status = (await fx.run(p('query', 'status'), [{ iotCode: code }])).output?.[0].json;
	expect(status?.locked).toBe(true);
	expect(status?.speedMode).toBe(2);
	await fx.run(p('setting', 'bluetoothKey', { key: 'zz99yy88' }), [{ iotCode: code }]);
	const key = (await fx.run(p('query', 'bluetoothKey'), [{ iotCode: code }])).output?.[0].json;
	expect(key?.key).toBe('zz99yy88');
});
