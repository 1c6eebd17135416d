import { findOperation } from '../../api/catalog/operations';
import { startSimulator, type Simulator } from '../../simulator';
import { setTimeout as sleep } from 'timers/promises';

import { call, getToken } from './helpers';

const op = (resource: string, operation: string) => findOperation(resource, operation)!;
const status = op('query', 'status');

describe('vehicle state through the API', () => {
	let sim: Simulator;
	let token: string;
	let iotCode: string;
	const query = async (spec = status) => (await call(sim, spec, { iotCode }, token)).body.data;
	const command = async (resource: string, operation: string, params: Record<string, unknown> = {}) =>
		(await call(sim, op(resource, operation), { iotCode, ...params }, token)).body.code;

	beforeEach(async () => {
		sim = await startSimulator({ vehicles: 3, seed: 3, autoParkSeconds: 600 });
		token = await getToken(sim);
		iotCode = sim.iotCodes[1];
		await sim.fleet.update(iotCode, { powerPercent: 80 });
	});
	afterEach(() => sim.close());

	it('unlock starts a ride; time makes it drain the battery, add distance and move it', async () => {
		const before = await query();
		const where = await query(op('query', 'location'));
		expect(before).toMatchObject({ locked: true, speed: 0, powerPercent: 80 });
		expect(await command('control', 'unlock')).toBe(0);
		const riding = await query();
		expect(riding.locked).toBe(false);
		expect(riding.speed).toBeGreaterThan(0);
		sim.advanceTime(300);
		const later = await query();
		expect(later.powerPercent).toBeLessThan(80);
		expect(later.remainderRange).toBeLessThan(before.remainderRange);
		expect(later.odometer).toBeGreaterThan(before.odometer);
		expect(later.totalRidingSecs).toBeGreaterThanOrEqual(before.totalRidingSecs + 300);
		const moved = await query(op('query', 'location'));
		expect([moved.latitude, moved.longitude]).not.toEqual([where.latitude, where.longitude]);
	});

	it('lets simulated time run faster with timeScale', async () => {
		sim.configure({ timeScale: 2000 });
		expect(await command('control', 'unlock')).toBe(0);
		const start = await query();
		await sleep(200);
		const later = await query();
		expect(later.odometer).toBeGreaterThan(start.odometer);
		expect(later.powerPercent).toBeLessThan(start.powerPercent);
	});

	it('ends the ride after autoParkSeconds, so that lock then works', async () => {
		sim.configure({ autoParkSeconds: 30 });
		expect(await command('control', 'unlock')).toBe(0);
		sim.advanceTime(10);
		expect(await command('control', 'lock')).toBe(15600);
		sim.advanceTime(25);
		expect((await query()).speed).toBe(0);
		expect(await command('control', 'lock')).toBe(0);
		expect(await query()).toMatchObject({ locked: true, speed: 0 });
	});

	it('with autoParkSeconds 0 an unlocked vehicle stands still and locks at once', async () => {
		sim.configure({ autoParkSeconds: 0 });
		expect(await command('control', 'unlock')).toBe(0);
		expect(await query()).toMatchObject({ locked: false, speed: 0 });
		expect(await command('control', 'lock')).toBe(0);
	});

	it('charges while parked on the charger', async () => {
		await sim.fleet.update(iotCode, { charging: true, powerPercent: 20 });
		sim.advanceTime(600);
		expect(await query()).toMatchObject({ charging: true, powerPercent: 30 });
	});

	it('applies lights, speed mode, bluetooth key, settings and intervals', async () => {
		expect(await command('control', 'light', { headLight: 2, tailLight: 1 })).toBe(0);
		expect(sim.fleet.get(iotCode)!.lights).toEqual({ headLight: 2, tailLight: 1 });
		expect(await command('control', 'light', { tailLight: 0 })).toBe(0);
		expect(sim.fleet.get(iotCode)!.lights).toEqual({ headLight: 2, tailLight: 0 });
		expect(await command('control', 'headlight', { controlType: 0 })).toBe(0);
		expect(sim.fleet.get(iotCode)!.lights.headLight).toBe(0);
		expect(await command('setting', 'speedMode', { speedMode: 3 })).toBe(0);
		expect((await query()).speedMode).toBe(3);
		expect(await command('setting', 'bluetoothKey', { key: '4BKNwi77' })).toBe(0);
		expect((await query(op('query', 'bluetoothKey'))).key).toBe('4BKNwi77');
		expect(await command('setting', 'scooter', { highSpeedLimit: 20, cruiseControl: 1 })).toBe(0);
		expect(sim.fleet.get(iotCode)!.scooter).toMatchObject({ highSpeedLimit: 20, cruiseControl: 1, lowSpeedLimit: 6 });
		expect(await command('setting', 'switch', { alertSensitivity: 3 })).toBe(0);
		expect(await command('setting', 'ableSwitch', { assistedMode: 2, buzzer: 0 })).toBe(0);
		expect(sim.fleet.get(iotCode)!).toMatchObject({ alertSensitivity: 3, switches: { assistedMode: true, buzzer: true } });
		expect(await command('setting', 'sound', { workMode: 1, sctoMask: { beep: 0, alarm: 2 } })).toBe(0);
		expect(sim.fleet.get(iotCode)!.sound).toMatchObject({ enabled: false, mask: { beep: false, alarm: true } });
		expect(await command('setting', 'interval', { statusInterval: { lockStatus: 60 } })).toBe(0);
		expect(sim.fleet.get(iotCode)!.intervals.statusInterval).toEqual({ ridingStatus: 10, nonRiding: 10, lockStatus: 60 });
		expect(await command('control', 'power', { controlType: 0 })).toBe(0);
		expect(sim.fleet.get(iotCode)!.powered).toBe(false);
	});

	it('goes offline in transport mode until the admin brings it back', async () => {
		expect(await command('control', 'wholeShutdown')).toBe(0);
		expect((await call(sim, status, { iotCode }, token)).body.code).toBe(15301);
		expect(await command('control', 'unlock')).toBe(15301);
		expect(sim.fleet.get(iotCode)).toMatchObject({ online: false, transportMode: true });
		await sim.fleet.update(iotCode, { online: true });
		expect(await query()).toMatchObject({ online: true, locked: true });
	});
});
