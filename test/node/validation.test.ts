/**
 * Bad input is refused before any request, with a NodeOperationError that names the field, the
 * value and what is allowed; with "continue on fail" only the bad item carries the error.
 */
import type { INodeParameters } from 'n8n-workflow';

import { startFixture, type Fixture } from './fixtures';

let fx: Fixture;
beforeAll(async () => (fx = await startFixture()));
afterAll(async () => await fx.sim.close());
beforeEach(() => fx.sim.clearRequests());

const base = (resource: string, operation: string, extra: INodeParameters = {}): INodeParameters => ({
	resource,
	operation,
	iotCode: '={{ $json.iotCode }}',
	...extra,
});

interface BadCase {
	name: string;
	parameters: INodeParameters;
	iotCode?: unknown;
	/** Fragments the error message must contain: the field, the value, the allowed range. */
	expected: string[];
}

const bad: BadCase[] = [
	{ name: 'iotCode too short', parameters: base('query', 'status'), iotCode: '86147703871911', expected: ['iotCode', '"86147703871911"', '15-digit'] },
	{ name: 'iotCode with letters', parameters: base('control', 'unlock'), iotCode: '86147703871911x', expected: ['iotCode', '86147703871911x', '15-digit'] },
	{ name: 'iotCode empty', parameters: base('control', 'lock'), iotCode: '', expected: ['iotCode', '""', '15-digit'] },
	{ name: 'speed limit below 6', parameters: base('setting', 'scooter', { additionalFields: { lowSpeedLimit: 5 } }), expected: ['additionalFields.lowSpeedLimit', '5', 'from 6 to 25 km/h'] },
	{ name: 'speed limit above 25', parameters: base('setting', 'scooter', { additionalFields: { highSpeedLimit: 26 } }), expected: ['additionalFields.highSpeedLimit', '26', 'from 6 to 25 km/h'] },
	{ name: 'speed limit not whole', parameters: base('setting', 'scooter', { additionalFields: { mediumSpeedLimit: 12.5 } }), expected: ['mediumSpeedLimit', '12.5', 'whole number from 6 to 25'] },
	{ name: 'interval below 10', parameters: base('setting', 'interval', { locationInterval: { unlockStatus: 9 } }), expected: ['locationInterval.unlockStatus', '9', 'from 10 to 65535 s'] },
	{ name: 'interval above 65535', parameters: base('setting', 'interval', { statusInterval: { nonRiding: 65536 } }), expected: ['statusInterval.nonRiding', '65536', 'from 10 to 65535 s'] },
	{ name: 'alert sensitivity 0', parameters: base('setting', 'switch', { alertSensitivity: 0 }), expected: ['alertSensitivity', '0', 'from 1 to 3'] },
	{ name: 'alert sensitivity 4', parameters: base('setting', 'switch', { alertSensitivity: 4 }), expected: ['alertSensitivity', '4', 'from 1 to 3'] },
	{ name: 'bluetooth key too short', parameters: base('setting', 'bluetoothKey', { key: 'abc123' }), expected: ['key', '"abc123"', '8 letters and digits'] },
	{ name: 'bluetooth key with symbol', parameters: base('setting', 'bluetoothKey', { key: 'abcd-123' }), expected: ['key', '"abcd-123"', '8 letters and digits'] },
	{ name: 'speed mode 4', parameters: base('setting', 'speedMode', { speedMode: 4 }), expected: ['speedMode', '4', '1 (Low), 2 (Medium), 3 (High)'] },
	{ name: 'light 3', parameters: base('control', 'light', { headLight: 3, tailLight: 'unchanged' }), expected: ['headLight', '3', '0 (Off), 1 (On), 2 (Flicker)'] },
	{ name: 'sound control 0', parameters: base('control', 'sound', { controlType: 0 }), expected: ['controlType', '0', '1 (Out of Geofence), 2 (Toot), 3 (Low Battery)'] },
	{ name: 'power 2', parameters: base('control', 'power', { controlType: 2 }), expected: ['controlType', '2', '0 (Power Off), 1 (Power On)'] },
	{ name: 'headlight 5', parameters: base('control', 'headlight', { controlType: 5 }), expected: ['controlType', '5', '0 (Turn Off), 1 (Turn On)'] },
	{ name: 'throttle -1', parameters: base('control', 'throttleResponse', { controlType: -1 }), expected: ['controlType', '-1', '0 (Turn Off), 1 (Turn On)'] },
	{ name: 'flicker 2', parameters: base('control', 'lightFlicker', { headLightFlicker: 0, tailLightFlicker: 2 }), expected: ['tailLightFlicker', '2', '0 (Turn Off), 1 (Turn On)'] },
	{ name: 'assisted mode 3', parameters: base('setting', 'ableSwitch', { assistedMode: 3, buzzer: 0 }), expected: ['assistedMode', '3', '0 (No Setting), 1 (Off), 2 (On)'] },
	{ name: 'buzzer text', parameters: base('setting', 'ableSwitch', { assistedMode: 0, buzzer: 'loud' }), expected: ['buzzer', '"loud"', '0 (No Setting), 1 (Off), 2 (On)'] },
	{ name: 'work mode 7', parameters: base('setting', 'sound', { workMode: 7 }), expected: ['workMode', '7', '0 (No Setting), 1 (Off), 2 (On)'] },
	{ name: 'sound mask 3', parameters: base('setting', 'sound', { workMode: 0, sctoMask: { beep: 3 } }), expected: ['sctoMask.beep', '3', '0 (Disable), 1 (Enable), 2 (Keep Original)'] },
	{ name: 'bss display 2', parameters: base('setting', 'scooter', { additionalFields: { bssDisplay: 2 } }), expected: ['additionalFields.bssDisplay', '2', '0 (Turn Off), 1 (Turn On)'] },
	{ name: 'cruise control 9', parameters: base('setting', 'scooter', { additionalFields: { cruiseControl: 9 } }), expected: ['cruiseControl', '9', '0 (Turn Off), 1 (Turn On)'] },
	{ name: 'speed button 5', parameters: base('setting', 'scooter', { additionalFields: { buttonSwitchSpeedMode: 5 } }), expected: ['buttonSwitchSpeedMode', '5', '0 (Turn Off), 1 (Turn On)'] },
	{ name: 'lights both unchanged', parameters: base('control', 'light', { headLight: 'unchanged', tailLight: 'unchanged' }), expected: ['headLight / tailLight', 'nothing', 'at least one of headLight, tailLight'] },
	{ name: 'scooter settings without a field', parameters: base('setting', 'scooter', { additionalFields: {} }), expected: ['additionalFields', 'nothing', 'at least one of bssDisplay'] },
	{ name: 'intervals without an interval', parameters: base('setting', 'interval', { locationInterval: {}, statusInterval: {} }), expected: ['nothing', 'at least one of locationInterval, statusInterval'] },
];

test.each(bad)('$name fails before any request, naming field, value and range', async (c) => {
	const result = await fx.run(c.parameters, [{ iotCode: c.iotCode ?? fx.sim.iotCodes[0] }]);
	expect(result.output).toBeUndefined();
	expect(result.error?.name).toBe('NodeOperationError');
	for (const fragment of c.expected) expect(result.error?.message).toContain(fragment);
	expect(fx.sim.requests).toHaveLength(0);
});

test("n8n's Custom API Call entry says to use the HTTP Request node with this credential, and sends nothing", async () => {
	const result = await fx.run(base('query', '__CUSTOM_API_CALL__'), [{ iotCode: fx.sim.iotCodes[0] }]);
	expect(result.error?.name).toBe('NodeOperationError');
	expect(result.error?.message).toBe("Custom API Call is made with n8n's HTTP Request node");
	expect(result.error?.description).toContain('Predefined Credential Type');
	expect(result.error?.description).toContain('Segway Fleet API');
	expect(fx.sim.requests).toHaveLength(0);
});

test('numbers from expressions arrive as numeric strings and are sent as JSON numbers', async () => {
	const result = await fx.run(base('setting', 'switch', { alertSensitivity: '={{ $json.level }}' }), [
		{ iotCode: fx.sim.iotCodes[0], level: '3' },
	]);
	expect(result.error).toBeUndefined();
	const [request] = fx.sim.requests.filter((r) => r.kind === 'api');
	expect(JSON.parse(request.rawBody)).toStrictEqual({ iotCode: fx.sim.iotCodes[0], alertSensitivity: 3 });
});

test('one bad item stops the whole run before anything is sent', async () => {
	const items = [{ iotCode: fx.sim.iotCodes[0] }, { iotCode: 'not-an-imei' }, { iotCode: fx.sim.iotCodes[1] }];
	const result = await fx.run(base('control', 'unlock'), items);
	expect(result.error?.message).toContain('not-an-imei');
	expect(fx.sim.requests).toHaveLength(0);
});

test('with continue on fail, only the bad item carries the error and the others are sent', async () => {
	const items = [{ iotCode: fx.sim.iotCodes[2] }, { iotCode: '123' }, { iotCode: fx.sim.iotCodes[3] }];
	const result = await fx.run(base('query', 'status'), items, true);
	expect(result.error).toBeUndefined();
	const output = result.output ?? [];
	expect(output).toHaveLength(3);
	expect(output[0].json.iotCode).toBe(fx.sim.iotCodes[2]);
	expect(output[1].json).toEqual({
		error: expect.stringContaining('Invalid iotCode: "123"'),
		details: { iotCode: '123', description: expect.stringContaining('15-digit') },
	});
	expect(output[1].pairedItem).toEqual({ item: 1 });
	expect(output[2].json.iotCode).toBe(fx.sim.iotCodes[3]);
	expect(fx.sim.requests.filter((r) => r.kind === 'api').map((r) => r.iotCode)).toEqual([
		fx.sim.iotCodes[2],
		fx.sim.iotCodes[3],
	]);
});

describe('parameters read from the item', () => {
	test('an expression that only reads an item field gives what n8n would: nested, numeric, missing', async () => {
		const { startFixture } = await import('./fixtures');
		const fx = await startFixture({ vehicles: 2 });
		try {
			const [a, b] = fx.sim.iotCodes;
			const nested = await fx.run({ resource: 'query', operation: 'status', iotCode: '={{ $json.vehicle.imei }}' }, [{ vehicle: { imei: a } }, { vehicle: { imei: Number(b) } }]);
			expect(nested.output?.map((item) => item.json.iotCode)).toEqual([a, b]);
			// Anything more than a field read goes through n8n's own evaluation.
			const computed = await fx.run({ resource: 'query', operation: 'status', iotCode: '={{ $json.code.trim() }}' }, [{ code: ` ${a} ` }]);
			expect(computed.output?.[0].json.iotCode).toBe(a);
			const missing = await fx.run({ resource: 'query', operation: 'status', iotCode: '={{ $json.iotCode }}' }, [{ other: 1 }]);
			expect(missing.error?.message).toBe('Invalid iotCode: undefined is not allowed; expected the 15-digit IoT IMEI, e.g. 861477038719116');
			expect(fx.apiRequests()).toHaveLength(3);
		} finally {
			await fx.sim.close();
		}
	});
});
