import { CODE_TOKEN_INVALID } from '../../api/catalog/codes';
import { findOperation, OPERATIONS, type OperationSpec } from '../../api/catalog/operations';
import { wireFields } from '../../api/requests';
import { startSimulator, type Simulator } from '../../simulator';
import { CODE_PARAMETER_ERROR, endpointCodes } from '../../simulator/endpointCodes';
import { call, callRaw, getToken, invalidValue, validParams } from './helpers';

const op = (resource: string, operation: string) => findOperation(resource, operation)!;
const STRANGER = '861477038700000';

describe('operations', () => {
	let sim: Simulator;
	let token: string;
	let codes: string[];

	beforeEach(async () => {
		sim = await startSimulator({ vehicles: OPERATIONS.length + 5, seed: 7 });
		token = await getToken(sim);
		codes = sim.iotCodes;
	});
	afterEach(() => sim.close());

	it('has a fleet of distinct valid IMEIs of the reference family, the same for the same seed', async () => {
		expect(new Set(codes).size).toBe(codes.length);
		for (const code of codes) expect(code).toMatch(/^86147703871\d{4}$/);
		const again = await startSimulator({ vehicles: codes.length, seed: 7 });
		const other = await startSimulator({ vehicles: codes.length, seed: 8 });
		expect(again.iotCodes).toEqual(codes);
		expect(other.iotCodes).not.toEqual(codes);
		expect(codes).not.toContain(STRANGER);
		await Promise.all([again.close(), other.close()]);
	});

	it.each(OPERATIONS.map((spec) => [`${spec.method} ${spec.path}`, spec] as const))(
		'answers %s with success and the reference shape',
		async (_name, spec) => {
			const iotCode = codes[OPERATIONS.indexOf(spec)];
			const { status, body } = await call(sim, spec, validParams(spec, iotCode), token);
			expect(status).toBe(200);
			expect(body.code).toBe(0);
			expect(['Success', 'success']).toContain(body.msg);
			expect(typeof body.t).toBe('number');
			const keys = spec.operation === 'batteryInfo' && spec.resource === 'query'
				? ['code', 'msg', 'data', 't', 'opId', 'resId']
				: ['code', 'msg', 'data', 't', 'opId'];
			expect(Object.keys(body)).toEqual(keys);
			if (spec.resource !== 'query') expect(body.data).toBeNull();
			else expect(body.data.iotCode).toBe(iotCode);
			const recorded = sim.requests.at(-1)!;
			expect(recorded).toMatchObject({ method: spec.method, path: spec.path, operation: `${spec.resource}.${spec.operation}`, iotCode, code: 0 });
		},
	);

	it('shows the status fields, with remainderRange as the reference example names it', async () => {
		const { body } = await call(sim, op('query', 'status'), { iotCode: codes[0] }, token);
		expect(Object.keys(body.data).sort()).toEqual(
			['iotCode', 'online', 'locked', 'lockVoltage', 'networkSignal', 'charging', 'powerPercent', 'speedMode', 'speed', 'odometer', 'remainderRange', 'totalRidingSecs', 'statusUtcTime'].sort(),
		);
		expect(body.msg).toBe('Success');
		expect(body.data).toMatchObject({ online: true, locked: true, speed: 0 });
	});

	it('shows location, battery info (with the reference spelling) and bluetooth key', async () => {
		const location = (await call(sim, op('query', 'location'), { iotCode: codes[0] }, token)).body;
		expect(Object.keys(location.data).sort()).toEqual(['altitude', 'gpsUtcTime', 'hdop', 'iotCode', 'latitude', 'longitude', 'satelliteNumber']);
		expect(location.msg).toBe('success');
		const battery = (await call(sim, op('query', 'batteryInfo'), { iotCode: codes[0] }, token)).body;
		expect(battery.resId).toBe(battery.opId);
		expect(Object.keys(battery.data.batteryData[0]).sort()).toEqual(['batteryPercent', 'cycleTimes', 'temperatrue1', 'temperatrue2']);
		const key = (await call(sim, op('query', 'bluetoothKey'), { iotCode: codes[0] }, token)).body;
		expect(key.data.key).toMatch(/^[A-Za-z0-9]{8}$/);
		expect(key.data.key).toBe(sim.fleet.get(codes[0])!.bluetoothKey);
	});

	describe('15004 parameter error', () => {
		const cases = OPERATIONS.flatMap((spec) =>
			wireFields(spec).map((field) => [`${spec.resource}.${spec.operation} ${field.name} (${field.type})`, spec, field.name] as const),
		);
		it.each(cases)('for a bad %s', async (_name, spec, fieldName) => {
			const field = wireFields(spec).find((f) => f.name === fieldName)!;
			const params = { ...validParams(spec, codes[0]), [fieldName]: invalidValue(field) };
			const { status, body } = await call(sim, spec, spec.method === 'GET' ? { ...params, [fieldName]: String(params[fieldName]) } : params, token);
			expect(status).toBe(200);
			expect(body).toMatchObject({ code: CODE_PARAMETER_ERROR, msg: 'parameter error', data: null });
		});

		it('for a missing or malformed iotCode, on every operation', async () => {
			for (const spec of OPERATIONS) {
				expect((await call(sim, spec, {}, token)).body.code).toBe(CODE_PARAMETER_ERROR);
				expect((await call(sim, spec, { iotCode: '12345' }, token)).body.code).toBe(CODE_PARAMETER_ERROR);
			}
		});

		it('for a POST body that is not a JSON object', async () => {
			expect((await callRaw(sim, op('control', 'unlock'), '{"iotCode":', token)).body.code).toBe(CODE_PARAMETER_ERROR);
			expect((await callRaw(sim, op('control', 'unlock'), `["${codes[0]}"]`, token)).body.code).toBe(CODE_PARAMETER_ERROR);
		});

		it('for an object field sent as a plain value', async () => {
			const spec = op('setting', 'interval');
			expect((await call(sim, spec, { iotCode: codes[0], statusInterval: 30 }, token)).body.code).toBe(CODE_PARAMETER_ERROR);
		});

		it('answers 15004 when a field the reference does not mark optional is missing', async () => {
			expect((await call(sim, op('setting', 'speedMode'), { iotCode: codes[0] }, token)).body.code).toBe(CODE_PARAMETER_ERROR);
			expect((await call(sim, op('control', 'power'), { iotCode: codes[0] }, token)).body.code).toBe(CODE_PARAMETER_ERROR);
			expect((await call(sim, op('setting', 'bluetoothKey'), { iotCode: codes[0] }, token)).body.code).toBe(CODE_PARAMETER_ERROR);
			expect((await call(sim, op('setting', 'switch'), { iotCode: codes[0] }, token)).body.code).toBe(0);
		});

		it('checks the token before the parameters', async () => {
			expect((await call(sim, op('control', 'unlock'), {}, 'nope')).body.code).toBe(CODE_TOKEN_INVALID);
		});
	});

	it('answers 15102 for a vehicle not in the fleet, on every operation', async () => {
		for (const spec of OPERATIONS) {
			const { body } = await call(sim, spec, validParams(spec, STRANGER), token);
			expect(body).toMatchObject({ code: 15102, msg: 'device not found', data: null });
		}
	});

	it('answers 15300 for an inactive vehicle and 15301 for an offline one, on every operation', async () => {
		await sim.fleet.update(codes[0], { active: false });
		await sim.fleet.update(codes[1], { online: false });
		for (const spec of OPERATIONS) {
			expect((await call(sim, spec, validParams(spec, codes[0]), token)).body.code).toBe(15300);
			expect((await call(sim, spec, validParams(spec, codes[1]), token)).body.code).toBe(15301);
		}
	});

	it('answers 15500 to commands and settings while upgrading, but still answers queries', async () => {
		await sim.fleet.update(codes[0], { upgrading: true });
		for (const spec of OPERATIONS) {
			const { body } = await call(sim, spec, validParams(spec, codes[0]), token);
			expect(body.code).toBe(spec.resource === 'query' ? 0 : 15500);
		}
	});

	it('answers 15600 to lock while riding, and locks once the rider has parked', async () => {
		const [unlock, lock, status] = [op('control', 'unlock'), op('control', 'lock'), op('query', 'status')];
		expect((await call(sim, unlock, { iotCode: codes[0] }, token)).body.code).toBe(0);
		expect((await call(sim, lock, { iotCode: codes[0] }, token)).body).toMatchObject({ code: 15600, msg: 'lock failed: vehicle is riding' });
		expect((await call(sim, status, { iotCode: codes[0] }, token)).body.data.locked).toBe(false);
		await sim.fleet.park(codes[0]);
		expect((await call(sim, lock, { iotCode: codes[0] }, token)).body.code).toBe(0);
		expect((await call(sim, status, { iotCode: codes[0] }, token)).body.data).toMatchObject({ locked: true, speed: 0 });
	});

	it('answers 15707 when the firmware is older than the operation or a sent field needs', async () => {
		const [interval, ableSwitch, sound] = [op('setting', 'interval'), op('setting', 'ableSwitch'), op('setting', 'sound')];
		await sim.fleet.update(codes[0], { firmware: 151 });
		await sim.fleet.update(codes[1], { firmware: 150 });
		const answer = async (spec: OperationSpec, params: Record<string, unknown>, iotCode = codes[0]) =>
			(await call(sim, spec, { iotCode, ...params }, token)).body.code;
		expect(await answer(interval, { statusInterval: { lockStatus: 60 } })).toBe(15707);
		expect(await answer(interval, {})).toBe(15707);
		expect(await answer(ableSwitch, { buzzer: 2 })).toBe(15707);
		expect(await answer(ableSwitch, { assistedMode: 2 })).toBe(0);
		// 0 means "no setting": it asks nothing of the firmware.
		expect(await answer(ableSwitch, { assistedMode: 2, buzzer: 0 })).toBe(0);
		expect(await answer(ableSwitch, { assistedMode: 0, buzzer: 1 })).toBe(15707);
		expect(await answer(ableSwitch, { assistedMode: 2 }, codes[1])).toBe(15707);
		expect(await answer(sound, { workMode: 2, sctoMask: { beep: 0 } })).toBe(15707);
		expect(await answer(sound, { workMode: 2 })).toBe(0);
		await sim.fleet.update(codes[0], { firmware: 152 });
		expect(await answer(interval, { statusInterval: { lockStatus: 60 } })).toBe(0);
	});

	it('answers 15400 to a real-time location without a GPS fix, and the last location otherwise', async () => {
		const location = op('query', 'location');
		await sim.fleet.update(codes[0], { gpsFix: false });
		expect((await call(sim, location, { iotCode: codes[0], realTimeLocation: 'true' }, token)).body).toMatchObject({
			code: 15400,
			msg: 'latest location not found via device',
		});
		expect((await call(sim, location, { iotCode: codes[0] }, token)).body.code).toBe(0);
		expect((await call(sim, location, { iotCode: codes[0], realTimeLocation: 'false' }, token)).body.code).toBe(0);
		expect((await call(sim, op('query', 'bluetoothKey'), { iotCode: codes[0] }, token)).body.code).toBe(0);
	});

	it('never answers a code the reference does not list for the endpoint', async () => {
		// whole-shutdown does not list 15302: a forced device timeout becomes "command send failed".
		const shutdown = op('control', 'wholeShutdown');
		sim.failNext(codes[2], 1, 15302);
		expect((await call(sim, shutdown, { iotCode: codes[2] }, token)).body.code).toBe(15303);
		// Every operation in every refusing state, plus an injected failure, stays within its list.
		await sim.fleet.update(codes[3], { riding: true, gpsFix: false, firmware: 140 });
		for (const spec of OPERATIONS) {
			for (const kind of [15302, 15303]) {
				sim.failNext(codes[4], 1, kind);
				const { body } = await call(sim, spec, validParams(spec, codes[4]), token);
				expect([...endpointCodes(spec)]).toContain(body.code);
			}
			const { body } = await call(sim, spec, validParams(spec, codes[3]), token);
			expect([0, ...endpointCodes(spec)]).toContain(body.code);
		}
	});
});
