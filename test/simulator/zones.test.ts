/**
 * The demo city's zones (examples/zones/demo-city.json, GBFS v2.3 geofencing_zones) and the
 * routes that make each zone rule happen (examples/zones/demo-routes.json), checked with a
 * point-in-polygon of the test's own and by riding the routes in the simulator, seen at
 * Segway's location interval (10 s while unlocked) whatever the push's phase.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { startSimulator, type RouteSpec, type Simulator, type Vehicle } from '../../simulator';

type Position = number[];
type Ring = Position[];
interface Zone {
	type: 'Feature';
	geometry: { type: 'MultiPolygon'; coordinates: Ring[][] };
	properties: { name: string; start?: number; end?: number; rules: Array<Record<string, unknown>> };
}

const ROOT = join(__dirname, '..', '..');
const city = JSON.parse(readFileSync(join(ROOT, 'examples/zones/demo-city.json'), 'utf8'));
const routes = JSON.parse(readFileSync(join(ROOT, 'examples/zones/demo-routes.json'), 'utf8')) as Record<string, RouteSpec>;
const zones = city.data.geofencing_zones.features as Zone[];
const zone = (name: string) => zones.find((z) => z.properties.name === name)!;

/** Vehicles scripts/demo.sh already tells a story with: the routes must leave them alone. */
const DEMO_USES = [
	'861477038717753', '861477038711377', '861477038715104', '861477038719116', '861477038712749', '861477038710069', '861477038716447',
	'861477038715702', '861477038713152', '861477038713516', '861477038712844', '861477038719676', '861477038718929',
];
const NO_RIDE = '861477038715471';
const SLOW = '861477038710196';
const NO_PARKING = '861477038713181';
const LEAVES = '861477038718285';

// ── A tiny geometry of the test's own (not the simulator's) ──────────────────────────────────

/** Even-odd ray casting in longitude/latitude: fine for a city, and blind to ring direction. */
function inRing(point: Position, ring: Ring): boolean {
	const [x, y] = point;
	let inside = false;
	for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
		const [xi, yi] = ring[i];
		const [xj, yj] = ring[j];
		if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
	}
	return inside;
}

function inZone(point: Position, z: Zone): boolean {
	return z.geometry.coordinates.some(([outer, ...holes]) => inRing(point, outer) && !holes.some((hole) => inRing(point, hole)));
}

/** The zone whose rules apply: the first listed that contains the point. */
function zoneAt(point: Position): string | undefined {
	return zones.find((z) => inZone(point, z))?.properties.name;
}

/** Metres east/north of `origin`, on a flat map around it. */
function local(origin: Position, p: Position): [number, number] {
	const m = 111_195;
	return [(p[0] - origin[0]) * m * Math.cos((origin[1] * Math.PI) / 180), (p[1] - origin[1]) * m];
}

function metres(a: Position, b: Position): number {
	return Math.hypot(...local(a, b));
}

/** Metres from the point to the nearest edge of any zone. */
function toNearestBoundary(point: Position): number {
	let best = Infinity;
	for (const z of zones) {
		for (const ring of z.geometry.coordinates.flat()) {
			for (let i = 1; i < ring.length; i++) {
				const [ax, ay] = local(point, ring[i - 1]);
				const [bx, by] = local(point, ring[i]);
				const [dx, dy] = [bx - ax, by - ay];
				const t = Math.max(0, Math.min(1, -(ax * dx + ay * dy) / (dx * dx + dy * dy)));
				best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy));
			}
		}
	}
	return best;
}

/** Twice the signed area: > 0 counter-clockwise (longitude east, latitude north). */
function signedArea(ring: Ring): number {
	let sum = 0;
	for (let i = 1; i < ring.length; i++) sum += ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1];
	return sum;
}

// ── The file ────────────────────────────────────────────────────────────────────────────────

describe('examples/zones/demo-city.json', () => {
	it('is a GBFS v2.3 geofencing_zones.json: MultiPolygon features with a name and rules', () => {
		expect(city).toMatchObject({ version: '2.3', data: { geofencing_zones: { type: 'FeatureCollection' } } });
		expect(Number.isInteger(city.last_updated)).toBe(true);
		expect(Number.isInteger(city.ttl) && city.ttl >= 0).toBe(true);
		for (const z of zones) {
			expect(z.type).toBe('Feature');
			expect(z.geometry.type).toBe('MultiPolygon');
			expect(typeof z.properties.name).toBe('string');
			for (const rule of z.properties.rules) {
				expect(typeof rule.ride_allowed).toBe('boolean');
				expect(typeof rule.ride_through_allowed).toBe('boolean');
				if (rule.maximum_speed_kph !== undefined) expect(Number.isInteger(rule.maximum_speed_kph)).toBe(true);
			}
		}
	});

	it('lists the zones in precedence order: no riding, slow, no parking, then the service area', () => {
		expect(zones.map((z) => [z.properties.name, z.properties.rules])).toEqual([
			['Lakeside Park', [{ ride_allowed: false, ride_through_allowed: false }]],
			['Old Town', [{ ride_allowed: true, ride_through_allowed: true, maximum_speed_kph: 10 }]],
			['Station Square', [{ ride_allowed: false, ride_through_allowed: true }]],
			['Service area', [{ ride_allowed: true, ride_through_allowed: true }]],
		]);
	});

	it('has closed rings of 8–40 positions, outer rings counter-clockwise, the one hole clockwise', () => {
		for (const z of zones) {
			for (const [outer, ...holes] of z.geometry.coordinates) {
				for (const ring of [outer, ...holes]) {
					expect(ring[0]).toEqual(ring[ring.length - 1]);
					expect(ring.length).toBeGreaterThanOrEqual(8);
					expect(ring.length).toBeLessThanOrEqual(40);
					for (const [lon, lat] of ring) expect(Math.abs(lon - 114.126) < 0.05 && Math.abs(lat - 22.634) < 0.05).toBe(true);
				}
				expect(signedArea(outer)).toBeGreaterThan(0);
				for (const hole of holes) expect(signedArea(hole)).toBeLessThan(0);
			}
		}
		const holes = zones.flatMap((z) => z.geometry.coordinates.flatMap((polygon) => polygon.slice(1)));
		expect(holes).toHaveLength(1);
		expect(zone('Service area').geometry.coordinates[0]).toHaveLength(2);
	});

	it('puts every vehicle of the demo fleet (20, default seed) in the service area, off the island and clear of every zone edge', async () => {
		const sim = await startSimulator({ vehicles: 20, pushEnabled: false });
		try {
			const [, hole] = zone('Service area').geometry.coordinates[0];
			for (const v of sim.fleet.list()) {
				const at = [v.longitude, v.latitude];
				expect([v.iotCode, zoneAt(at)]).toEqual([v.iotCode, 'Service area']);
				expect(inRing(at, hole)).toBe(false);
				expect(toNearestBoundary(at)).toBeGreaterThan(100);
			}
		} finally {
			await sim.close();
		}
	});
});

// ── The routes ──────────────────────────────────────────────────────────────────────────────

interface Sample {
	t: number;
	zone: string | undefined;
	speed: number;
	locked: boolean;
	riding: boolean;
}

/** Each route ridden from the start for `seconds` (a whole round of each loop), seen every simulated second. */
async function ride(seconds: number): Promise<{ starts: Map<string, Vehicle>; samples: Map<string, Sample[]> }> {
	const sim: Simulator = await startSimulator({ vehicles: 20, pushEnabled: false });
	try {
		const starts = new Map(sim.fleet.list().map((v) => [v.iotCode, v]));
		for (const [iotCode, route] of Object.entries(routes)) await sim.fleet.setRoute(iotCode, route);
		const samples = new Map(Object.keys(routes).map((code) => [code, [] as Sample[]]));
		for (let t = 0; t <= seconds; t++) {
			for (const [code, list] of samples) {
				const v = sim.fleet.get(code)!;
				list.push({ t, zone: zoneAt([v.longitude, v.latitude]), speed: v.speed, locked: v.locked, riding: v.riding });
			}
			sim.advanceTime(1);
		}
		return { starts, samples };
	} finally {
		await sim.close();
	}
}

/** What a receiver sees at a 10 s interval starting `phase` seconds in. */
const every10s = (samples: Sample[], phase: number) => samples.filter((s) => s.t >= phase && (s.t - phase) % 10 === 0);

/** The first sample from `from` on that matches. */
const first = (samples: Sample[], match: (s: Sample) => boolean, from = 0) => samples.find((s) => s.t >= from && match(s));

describe('examples/zones/demo-routes.json', () => {
	let riding: Awaited<ReturnType<typeof ride>>;
	beforeAll(async () => {
		riding = await ride(460);
	});

	it('routes four vehicles of the demo fleet that the demo does not use otherwise', () => {
		expect(Object.keys(routes).sort()).toEqual([NO_RIDE, SLOW, NO_PARKING, LEAVES].sort());
		for (const code of Object.keys(routes)) {
			expect(riding.starts.has(code)).toBe(true);
			expect(DEMO_USES).not.toContain(code);
		}
	});

	it('starts each route where its vehicle stands, along plausible streets at 12–20 km/h', () => {
		for (const [code, route] of Object.entries(routes)) {
			const start = riding.starts.get(code)!;
			expect(metres(route.waypoints[0], [start.longitude, start.latitude])).toBeLessThan(1);
			const points = route.loop ? [...route.waypoints, route.waypoints[0]] : route.waypoints;
			let total = 0;
			for (let i = 1; i < points.length; i++) {
				const leg = metres(points[i - 1], points[i]);
				expect([code, i, leg >= 50 && leg <= 300]).toEqual([code, i, true]);
				total += leg;
			}
			expect(total).toBeGreaterThan(300);
			expect(total).toBeLessThan(2100);
			for (const kph of [route.speedKph, ...route.waypoints.map((w) => w[2])]) {
				if (kph !== undefined) expect(kph >= 12 && kph <= 20).toBe(true);
			}
		}
	});

	it('keeps every waypoint at least 30 m from any zone edge: only legs cross them', () => {
		for (const [code, route] of Object.entries(routes)) {
			for (const [i, point] of route.waypoints.entries()) {
				expect([code, i, toNearestBoundary(point) >= 30]).toEqual([code, i, true]);
			}
		}
	});

	it('(a) loops through Lakeside Park (no riding, no riding through): in and out again within 4 minutes', () => {
		expect(routes[NO_RIDE].loop).toBe(true);
		expect(zoneAt(routes[NO_RIDE].waypoints[0])).toBe('Service area');
		for (let phase = 0; phase < 10; phase++) {
			const seen = every10s(riding.samples.get(NO_RIDE)!, phase);
			const entered = first(seen, (s) => s.zone === 'Lakeside Park' && s.riding);
			expect(entered && entered.t <= 240).toBe(true);
			const left = first(seen, (s) => s.zone !== 'Lakeside Park', entered!.t);
			expect(left && left.t <= 240 && left.zone === 'Service area').toBe(true);
		}
	});

	it('(b) loops into Old Town at 20 km/h, twice its 10 km/h, and out again', () => {
		expect(routes[SLOW].loop).toBe(true);
		for (let phase = 0; phase < 10; phase++) {
			const seen = every10s(riding.samples.get(SLOW)!, phase);
			const speeding = first(seen, (s) => s.zone === 'Old Town' && s.speed === 20);
			expect(speeding && speeding.t <= 120).toBe(true);
			const left = first(seen, (s) => s.zone !== 'Old Town', speeding!.t);
			expect(left && left.t <= 240 && left.zone === 'Service area').toBe(true);
		}
	});

	it('(c) rides into Station Square (no parking) and locks there', () => {
		const route = routes[NO_PARKING];
		expect(route.end).toBe('lock');
		expect(zoneAt(route.waypoints[route.waypoints.length - 1])).toBe('Station Square');
		const samples = riding.samples.get(NO_PARKING)!;
		const entered = first(samples, (s) => s.zone === 'Station Square')!;
		expect(entered.riding).toBe(true);
		const locked = first(samples, (s) => s.locked)!;
		expect(locked.t).toBeGreaterThan(entered.t + 10);
		expect(locked.t).toBeLessThanOrEqual(240);
		expect(locked).toMatchObject({ zone: 'Station Square', riding: false, speed: 0 });
		expect(samples.filter((s) => s.t >= locked.t).every((s) => s.locked && s.zone === 'Station Square')).toBe(true);
	});

	it('(d) loops out of the service area (outside every zone) and back in', () => {
		expect(routes[LEAVES].loop).toBe(true);
		for (let phase = 0; phase < 10; phase++) {
			const seen = every10s(riding.samples.get(LEAVES)!, phase);
			const out = first(seen, (s) => s.zone === undefined);
			expect(out && out.t <= 120).toBe(true);
			const back = first(seen, (s) => s.zone === 'Service area', out!.t);
			expect(back && back.t <= 240).toBe(true);
		}
	});

	it('crosses no other zone on the way', () => {
		const allowed: Record<string, (string | undefined)[]> = {
			[NO_RIDE]: ['Service area', 'Lakeside Park'],
			[SLOW]: ['Service area', 'Old Town'],
			[NO_PARKING]: ['Service area', 'Station Square'],
			[LEAVES]: ['Service area', undefined],
		};
		for (const [code, samples] of riding.samples) {
			expect([code, [...new Set(samples.map((s) => s.zone))].sort()]).toEqual([code, [...allowed[code]].sort()]);
		}
	});
});
