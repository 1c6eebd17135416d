/**
 * Where ridden vehicles go: routes (waypoints, speeds per leg, loop, an end that parks or locks,
 * set programmatically, by the admin API and by --routes) and, without a route, the street
 * ride that turns at corners drawn from the seed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { request } from 'undici';
import { findOperation } from '../../api/catalog/operations';
import { parseCli } from '../../simulator/cli';
import { REFERENCE_IOT_CODE, startSimulator, type RouteSpec, type Simulator, type Vehicle } from '../../simulator';
import { waitFor } from '../../harness/wait';
import { call, getToken, startReceiver } from './helpers';

const LAT = 22.6;
const LON = 114.1;
const M = 111_320;
/** Simulated time that all but stands still between advanceTime calls, so that positions are exact. */
const FROZEN = 1e-9;
/** A point `east` and `north` metres from (LON, LAT), on the simulator's own flat map. */
const at = (east: number, north: number): [number, number] => [LON + east / (M * Math.cos((LAT * Math.PI) / 180)), LAT + north / M];
/** Metres east and north of (LON, LAT). */
const where = (v: Vehicle) => ({
	east: (v.longitude - LON) * M * Math.cos((LAT * Math.PI) / 180),
	north: (v.latitude - LAT) * M,
});
const close = (v: Vehicle, east: number, north: number, within = 0.05) => {
	const p = where(v);
	expect(Math.hypot(p.east - east, p.north - north)).toBeLessThan(within);
};

describe('routes', () => {
	let sim: Simulator;
	let code: string;
	afterEach(() => sim.close());

	beforeEach(async () => {
		// A short auto-park: a route must not end early because of it.
		sim = await startSimulator({ vehicles: 3, seed: 5, pushSchedule: false, autoParkSeconds: 5, timeScale: FROZEN });
		code = sim.iotCodes[1];
		await sim.fleet.update(code, { powerPercent: 100 });
	});

	it('rides leg by leg at each leg speed, then parks at the last waypoint (end: park)', async () => {
		const before = sim.fleet.get(code)!;
		// 100 m east at 18 km/h (5 m/s, 20 s), then 100 m north at 36 km/h (10 m/s, 10 s).
		const started = await sim.fleet.setRoute(code, { waypoints: [at(0, 0), [...at(100, 0), 36], at(100, 100)], speedKph: 18 });
		expect(started).toMatchObject({ locked: false, riding: true, speed: 18, heading: 90, rideEndsAt: null });
		close(started, 0, 0);
		sim.advanceTime(10);
		const east = sim.fleet.get(code)!;
		close(east, 50, 0);
		expect(east).toMatchObject({ riding: true, speed: 18, heading: 90 });
		expect(east.odometer - before.odometer).toBeCloseTo(50, 6);
		expect(east.totalRidingSecs - before.totalRidingSecs).toBeCloseTo(10, 6);
		expect(before.battery - east.battery).toBeCloseTo((50 / 40000) * 100, 6);
		sim.advanceTime(15);
		const north = sim.fleet.get(code)!;
		close(north, 100, 50);
		expect(north).toMatchObject({ riding: true, speed: 36 });
		expect(Math.round(north.heading)).toBe(0);
		sim.advanceTime(10);
		const parked = sim.fleet.get(code)!;
		close(parked, 100, 100);
		expect(parked).toMatchObject({ riding: false, locked: false, speed: 0, route: null });
		expect(parked.odometer - before.odometer).toBeCloseTo(200, 6);
		expect(parked.totalRidingSecs - before.totalRidingSecs).toBeCloseTo(30, 6);
	});

	it('goes the same way however time is cut into reads', async () => {
		const other = sim.iotCodes[2];
		const route: RouteSpec = { waypoints: [at(0, 0), at(120, 0), [...at(120, 90), 12], at(0, 90)], speedKph: 19, loop: true };
		await sim.fleet.setRoute(code, route);
		await sim.fleet.setRoute(other, route);
		for (let i = 0; i < 300; i++) {
			sim.advanceTime(0.73);
			sim.fleet.get(code);
		}
		const often = sim.fleet.get(code)!;
		const once = sim.fleet.get(other)!;
		expect(once.longitude).toBeCloseTo(often.longitude, 9);
		expect(once.latitude).toBeCloseTo(often.latitude, 9);
		expect(once.route).toMatchObject({ leg: often.route!.leg, laps: often.route!.laps });
		expect(once.route!.alongM).toBeCloseTo(often.route!.alongM, 6);
	});

	it('loops: back to the first waypoint and round again, until the battery is empty', async () => {
		// A 100 m square at 18 km/h: 80 s a round.
		const square = [at(0, 0), at(100, 0), at(100, 100), at(0, 100)];
		await sim.fleet.setRoute(code, { waypoints: square, speedKph: 18, loop: true });
		const start = sim.fleet.get(code)!;
		sim.advanceTime(210);
		const third = sim.fleet.get(code)!;
		expect(third.route).toMatchObject({ laps: 2, leg: 2 });
		close(third, 50, 100);
		expect(third.heading).toBeCloseTo(270, 6);
		sim.advanceTime(110);
		close(sim.fleet.get(code)!, 0, 0);
		sim.advanceTime(3600);
		const hour = sim.fleet.get(code)!;
		expect(hour).toMatchObject({ riding: true, locked: false });
		expect(hour.route!.laps).toBe(Math.floor((210 + 110 + 3600) / 80));
		expect(hour.odometer - start.odometer).toBeCloseTo((210 + 110 + 3600) * 5, 3);
		sim.advanceTime(10 * 3600);
		expect(sim.fleet.get(code)).toMatchObject({ riding: false, battery: 0, speed: 0, route: null });
	});

	it('rides at the cruising speed without any speed, and a speed patch changes the route speed', async () => {
		const cruising = (await sim.fleet.update(code, { riding: true })).speed;
		await sim.fleet.setRoute(code, { waypoints: [at(0, 0), at(500, 0)] });
		expect(sim.fleet.get(code)!.speed).toBe(cruising);
		await sim.fleet.update(code, { speed: 15 });
		sim.advanceTime(10);
		const v = sim.fleet.get(code)!;
		expect(v).toMatchObject({ speed: 15, route: { speedKph: 15 } });
		close(v, (15 / 3.6) * 10, 0);
	});

	it('leaves the route with route: null (riding on until auto-park), by parking, or when moved', async () => {
		const route: RouteSpec = { waypoints: [at(0, 0), at(300, 0)], speedKph: 12 };
		await sim.fleet.setRoute(code, route);
		const left = await sim.fleet.setRoute(code, null);
		expect(left).toMatchObject({ route: null, riding: true, speed: 12 });
		expect(left.rideEndsAt).not.toBeNull();
		sim.advanceTime(6);
		expect(sim.fleet.get(code)).toMatchObject({ riding: false, speed: 0 });
		await sim.fleet.setRoute(code, route);
		expect(await sim.fleet.park(code)).toMatchObject({ riding: false, route: null });
		await sim.fleet.setRoute(code, route);
		expect(await sim.fleet.update(code, { latitude: 22.61 })).toMatchObject({ route: null, latitude: 22.61 });
	});

	it.each([
		['no waypoints', {}, /waypoints/],
		['one waypoint', { waypoints: [[LON, LAT]] }, /at least 2/],
		['latitude first', { waypoints: [[LAT, LON], [LAT, LON + 0.01]] }, /GeoJSON order/],
		['a zero speed', { waypoints: [at(0, 0), at(1, 1)], speedKph: 0 }, /speedKph/],
		['a bad leg speed', { waypoints: [[...at(0, 0), -3], at(10, 10)] }, /kph/],
		['loop and end', { waypoints: [at(0, 0), at(100, 0)], loop: true, end: 'lock' }, /loop or end/],
		['an unknown end', { waypoints: [at(0, 0), at(100, 0)], end: 'crash' }, /park.*lock/],
		['an unknown field', { points: [at(0, 0), at(100, 0)] }, /unknown field points/],
		['no length', { waypoints: [at(0, 0), at(0, 0)] }, /1 m/],
	])('refuses a route with %s, and nothing of the patch is applied', async (_name, route, message) => {
		const before = sim.fleet.get(code)!;
		await expect(sim.fleet.update(code, { powerPercent: 3, route: route as RouteSpec })).rejects.toThrow(message);
		expect(sim.fleet.get(code)).toMatchObject({ battery: before.battery, locked: true, route: null });
	});
});

describe('a route that ends with lock', () => {
	it('locks at the last waypoint and pushes status and location at once, as a lock does', async () => {
		const receiver = await startReceiver([200]);
		// Pushes start with the route: no scheduled push of the locked vehicle before it.
		const sim = await startSimulator({ vehicles: 1, pushTo: receiver.url, pushEnabled: false, timeScale: 10 });
		try {
			const token = await getToken(sim);
			// Hour-long intervals: any push in the next seconds is one the lock (or the unlock) caused.
			const intervals = { locationInterval: { unlockStatus: 3600 }, statusInterval: { ridingStatus: 3600, nonRiding: 3600 } };
			const set = await call(sim, findOperation('setting', 'interval')!, { iotCode: REFERENCE_IOT_CODE, ...intervals }, token);
			expect(set.body.code).toBe(0);
			// 60 m at 36 km/h: 6 simulated seconds, 0.6 s at timeScale 10.
			sim.configure({ pushEnabled: true });
			const started = Date.now();
			await sim.fleet.setRoute(REFERENCE_IOT_CODE, { waypoints: [at(0, 0), at(0, 60)], speedKph: 36, end: 'lock' });
			const lockPush = await waitFor('the status push of the lock', () =>
				receiver.received.find((r) => r.path === '/v2/vehicle/status' && r.body.includes('locked=true')),
			);
			const lockedAt = Date.now() - started;
			expect(lockedAt).toBeGreaterThanOrEqual(500);
			expect(lockedAt).toBeLessThan(3000);
			// The unlock's location push came first; the lock's says where the route ended.
			const locations = await waitFor('the location push of the lock', () => {
				const found = receiver.received.filter((r) => r.path === '/v2/vehicle/location');
				return found.length === 2 && found;
			});
			const [start, end] = locations.map((r) => new URLSearchParams(r.body)).sort((a, b) => Number(a.get('latitude')) - Number(b.get('latitude')));
			// The first tick after the unlock finds the rider a few metres along.
			expect(Number(start.get('latitude'))).toBeLessThan(at(0, 20)[1]);
			expect(Number(end.get('latitude'))).toBeCloseTo(at(0, 60)[1], 6);
			expect(Number(end.get('longitude'))).toBe(LON);
			expect(new URLSearchParams(lockPush.body).get('speed')).toBe('0');
			expect(sim.fleet.get(REFERENCE_IOT_CODE)).toMatchObject({ locked: true, riding: false, route: null });
			// The unlock at the start pushed once, the lock once: status and location each, no more.
			expect(receiver.received.map((r) => r.path).sort()).toEqual([
				'/v2/vehicle/location',
				'/v2/vehicle/location',
				'/v2/vehicle/status',
				'/v2/vehicle/status',
			]);
		} finally {
			await sim.close();
			await receiver.close();
		}
	});

	it('cannot be locked by command while the rider is on the route', async () => {
		const sim = await startSimulator({ vehicles: 1, pushSchedule: false, autoParkSeconds: 0 });
		try {
			const token = await getToken(sim);
			await sim.fleet.setRoute(REFERENCE_IOT_CODE, { waypoints: [at(0, 0), at(0, 60)], end: 'lock' });
			const lock = findOperation('control', 'lock')!;
			expect((await call(sim, lock, { iotCode: REFERENCE_IOT_CODE }, token)).body.code).toBe(15600);
		} finally {
			await sim.close();
		}
	});
});

describe('routes from the admin API and the command line', () => {
	async function admin(sim: Simulator, path: string, body: unknown) {
		const res = await request(`${sim.url}/_admin${path}`, {
			method: 'PATCH',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
		return { status: res.statusCode, body: (await res.body.json()) as any };
	}

	it('PATCH /_admin/vehicles/:iotCode {route} starts it; a wrong one is a 400 that says why', async () => {
		const sim = await startSimulator({ vehicles: 2, pushSchedule: false });
		try {
			const route = { waypoints: [at(0, 0), at(200, 0)], speedKph: 15, loop: true, note: 'demo' };
			const ok = await admin(sim, `/vehicles/${REFERENCE_IOT_CODE}`, { route });
			expect(ok.status).toBe(200);
			expect(ok.body).toMatchObject({ locked: false, riding: true, speed: 15, route: { ...route, end: 'park', leg: 0, alongM: 0, laps: 0 } });
			const bad = await admin(sim, `/vehicles/${REFERENCE_IOT_CODE}`, { route: { waypoints: [[200, 0], [0, 0]] } });
			expect(bad).toMatchObject({ status: 400, body: { error: expect.stringMatching(/GeoJSON order/) } });
			expect((await admin(sim, `/vehicles/${REFERENCE_IOT_CODE}`, { route: null })).body.route).toBeNull();
			expect((await request(`${sim.url}/_admin`).then((r) => r.body.json()) as any).endpoints.join('\n')).toMatch(/"route"/);
		} finally {
			await sim.close();
		}
	});

	it('--routes <file> rides them from the start; an IMEI the fleet lacks stops the start', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'routes-'));
		try {
			const file = join(dir, 'routes.json');
			const routes = { [REFERENCE_IOT_CODE]: { waypoints: [at(0, 0), at(0, 100)], speedKph: 12, end: 'park' } };
			writeFileSync(file, JSON.stringify(routes));
			const { options } = parseCli(['--routes', file, '--vehicles', '3']);
			expect(options.routes).toEqual(routes);
			const sim = await startSimulator({ ...options, port: 0, pushEnabled: false });
			try {
				const v = sim.fleet.get(REFERENCE_IOT_CODE)!;
				expect(v).toMatchObject({ locked: false, riding: true, speed: 12 });
				close(v, 0, 0);
				expect(sim.fleet.list().filter((x) => x.riding)).toHaveLength(1);
			} finally {
				await sim.close();
			}
			await expect(startSimulator({ vehicles: 3, routes: { '861477038700000': routes[REFERENCE_IOT_CODE] as RouteSpec } })).rejects.toThrow(
				/no vehicle 861477038700000/,
			);
			writeFileSync(file, '[1]');
			expect(() => parseCli(['--routes', file])).toThrow(/JSON object/);
			expect(() => parseCli(['--routes', join(dir, 'missing.json')])).toThrow(/--routes/);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('riding without a route', () => {
	/** A vehicle's street ride for `seconds` at 18 km/h, seen every `step` seconds. */
	async function streetRide(seed: number, seconds: number, step: number): Promise<Vehicle[]> {
		const sim = await startSimulator({ vehicles: 3, seed, pushSchedule: false, autoParkSeconds: Infinity, timeScale: FROZEN });
		try {
			const code = sim.iotCodes[2];
			await sim.fleet.update(code, { speed: 18, powerPercent: 100 });
			const seen = [sim.fleet.get(code)!];
			for (let t = step; t <= seconds + 1e-9; t += step) {
				sim.advanceTime(step);
				seen.push(sim.fleet.get(code)!);
			}
			return seen;
		} finally {
			await sim.close();
		}
	}

	it('turns left or right at corners 80–250 m apart, or goes on', async () => {
		const seen = await streetRide(11, 1200, 1);
		const first = seen[0].heading;
		const turns = seen.map((v) => (((v.heading - first) % 360) + 360) % 360);
		for (const turn of turns) expect([0, 90, 180, 270].some((q) => Math.abs(turn - q) < 1e-6 || Math.abs(turn - q) > 360 - 1e-6)).toBe(true);
		// Straight stretches between two turns: at least one block (80 m; 5 m/s seen every second).
		const changes = seen.flatMap((v, i) => (i > 0 && Math.abs(v.heading - seen[i - 1].heading) > 1e-6 ? [v.odometer] : []));
		expect(changes.length).toBeGreaterThanOrEqual(5);
		for (let i = 1; i < changes.length; i++) expect(changes[i] - changes[i - 1]).toBeGreaterThan(80 - 5);
		expect(new Set(turns.map((t) => Math.round(t))).size).toBeGreaterThanOrEqual(3);
	});

	it('is the same path for the same seed, however often it is read', async () => {
		const often = await streetRide(11, 1200, 1);
		const again = await streetRide(11, 1200, 1);
		const seldom = await streetRide(11, 1200, 400);
		expect(again.map((v) => v.heading)).toEqual(often.map((v) => v.heading));
		const apart = again.map((v, i) => Math.hypot(v.latitude - often[i].latitude, v.longitude - often[i].longitude));
		expect(Math.max(...apart)).toBeLessThan(1e-7);
		const [end, last] = [often[often.length - 1], seldom[seldom.length - 1]];
		expect(last.latitude).toBeCloseTo(end.latitude, 7);
		expect(last.longitude).toBeCloseTo(end.longitude, 7);
		expect(last.heading).toBe(end.heading);
		const otherSeed = await streetRide(12, 1200, 400);
		expect(otherSeed[otherSeed.length - 1].street).not.toEqual(last.street);
	});
});
