/**
 * Where a ridden vehicle goes. With a route (`Fleet.setRoute`, the admin's `route`, the CLI's
 * `--routes`) it follows a polyline of waypoints at the route's speeds, then loops, parks or
 * locks. Without one it rides along streets: straight on for 80–250 m, then a corner where it
 * turns left or right or goes on, drawn from the fleet's seed so that a seed always gives the
 * same paths. Pure geometry and bookkeeping: the fleet applies battery, odometer and time.
 */
import { seededRandom } from './random';

/** `[longitude, latitude]` (GeoJSON order), or with the km/h of the leg that starts here. */
export type Waypoint = [number, number] | [number, number, number];

export type RouteEnd = 'park' | 'lock';

/** A route as given: the admin's `route`, a `--routes` file's entry. */
export interface RouteSpec {
	waypoints: Waypoint[];
	/** km/h of legs whose waypoint gives none; default: the vehicle's cruising speed. */
	speedKph?: number;
	/** After the last waypoint, ride back to the first and start again (forever). */
	loop?: boolean;
	/** What the rider does at the last waypoint (without `loop`): get off (`park`, the default) or get off and lock. */
	end?: RouteEnd;
	/** For people: what the route is for (kept, shown with the vehicle, not used). */
	note?: string;
}

/** A route being ridden: the spec and how far along it the vehicle is. */
export interface ActiveRoute {
	waypoints: Waypoint[];
	speedKph?: number;
	loop: boolean;
	end: RouteEnd;
	note?: string;
	/** Index of the waypoint the current leg starts from. */
	leg: number;
	/** Metres ridden along the current leg. */
	alongM: number;
	/** Whole rounds completed (loop). */
	laps: number;
}

/** The street ride's own dice: per vehicle, so that one vehicle's corners do not shift another's. */
export interface StreetState {
	seed: number;
	corners: number;
	/** Metres to the next corner. */
	toCornerM: number;
}

/** Metres per degree of latitude (and of longitude at the equator), as the fleet has always moved. */
export const METRES_PER_DEGREE = 111_320;
const MAX_KPH = 100;
const ROUTE_KEYS = new Set(['waypoints', 'speedKph', 'loop', 'end', 'note']);
export const CORNER_MIN_M = 80;
export const CORNER_MAX_M = 250;

/** East and north metres from `a` to `b` on a local flat map (legs are short). */
export function offsetMetres(a: readonly number[], b: readonly number[]): { east: number; north: number } {
	const meanLat = ((a[1] + b[1]) / 2) * (Math.PI / 180);
	return {
		east: (b[0] - a[0]) * METRES_PER_DEGREE * Math.cos(meanLat),
		north: (b[1] - a[1]) * METRES_PER_DEGREE,
	};
}

export function distanceMetres(a: readonly number[], b: readonly number[]): number {
	const { east, north } = offsetMetres(a, b);
	return Math.hypot(east, north);
}

/** Degrees clockwise from north, 0 ≤ h < 360. */
export function bearing(a: readonly number[], b: readonly number[]): number {
	const { east, north } = offsetMetres(a, b);
	const degrees = (Math.atan2(east, north) * 180) / Math.PI;
	return (degrees + 360) % 360;
}

function fail(message: string): never {
	throw new RangeError(`route: ${message}`);
}

function isSpeed(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_KPH;
}

/** Checks a route from outside (JSON) and returns it as ridden from its first waypoint; RangeError says what is wrong. */
export function parseRoute(value: unknown): ActiveRoute {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		fail('must be an object {waypoints: [[longitude, latitude], ...], speedKph?, loop? | end?}');
	}
	const spec = value as Record<string, unknown>;
	const unknown = Object.keys(spec).filter((key) => !ROUTE_KEYS.has(key));
	if (unknown.length > 0) fail(`unknown field ${unknown.join(', ')} (known: ${[...ROUTE_KEYS].join(', ')})`);
	const { waypoints, speedKph, loop, end, note } = spec;
	if (!Array.isArray(waypoints) || waypoints.length < 2) fail('waypoints must be a list of at least 2 [longitude, latitude] points');
	const points = waypoints.map((point: unknown, i): Waypoint => {
		if (!Array.isArray(point) || point.length < 2 || point.length > 3 || !point.every((n) => typeof n === 'number' && Number.isFinite(n))) {
			fail(`waypoint ${i} must be [longitude, latitude] or [longitude, latitude, kph]`);
		}
		const [lon, lat, kph] = point as number[];
		if (lon < -180 || lon > 180 || lat < -90 || lat > 90) fail(`waypoint ${i} [${lon}, ${lat}] is not [longitude, latitude] (GeoJSON order)`);
		if (kph !== undefined && !isSpeed(kph)) fail(`waypoint ${i}: kph must be > 0 and ≤ ${MAX_KPH}, got ${kph}`);
		return kph === undefined ? [lon, lat] : [lon, lat, kph];
	});
	if (speedKph !== undefined && !isSpeed(speedKph)) fail(`speedKph must be > 0 and ≤ ${MAX_KPH}, got ${String(speedKph)}`);
	if (loop !== undefined && typeof loop !== 'boolean') fail('loop must be true or false');
	if (end !== undefined && end !== 'park' && end !== 'lock') fail(`end must be "park" or "lock", got ${JSON.stringify(end)}`);
	if (loop === true && end !== undefined) fail('a looping route has no end: give loop or end, not both');
	if (note !== undefined && typeof note !== 'string') fail('note must be text');
	const route: ActiveRoute = { waypoints: points, loop: loop === true, end: end ?? 'park', leg: 0, alongM: 0, laps: 0 };
	if (speedKph !== undefined) route.speedKph = speedKph;
	if (note !== undefined) route.note = note;
	if (lapMetres(route) < 1) fail('waypoints must be at least 1 m apart in all');
	return route;
}

/** How many legs the route has: a loop rides back from the last waypoint to the first. */
export function legCount(route: ActiveRoute): number {
	return route.loop ? route.waypoints.length : route.waypoints.length - 1;
}

export function legEnds(route: ActiveRoute, leg: number): [Waypoint, Waypoint] {
	const { waypoints } = route;
	return [waypoints[leg], waypoints[(leg + 1) % waypoints.length]];
}

export function legMetres(route: ActiveRoute, leg: number): number {
	const [a, b] = legEnds(route, leg);
	return distanceMetres(a, b);
}

/** km/h on a leg: its waypoint's, else the route's, else the rider's cruising speed. */
export function legKph(route: ActiveRoute, leg: number, cruisingKph: number): number {
	return route.waypoints[leg][2] ?? route.speedKph ?? cruisingKph;
}

function lapMetres(route: ActiveRoute): number {
	let metres = 0;
	for (let leg = 0; leg < legCount(route); leg++) metres += legMetres(route, leg);
	return metres;
}

/** One whole round of the route: metres and seconds. */
export function lap(route: ActiveRoute, cruisingKph: number): { metres: number; seconds: number } {
	let metres = 0;
	let seconds = 0;
	for (let leg = 0; leg < legCount(route); leg++) {
		const m = legMetres(route, leg);
		metres += m;
		seconds += m / (legKph(route, leg, cruisingKph) / 3.6);
	}
	return { metres, seconds };
}

/** The point `alongM` metres into the current leg: `[longitude, latitude]`. */
export function routePosition(route: ActiveRoute): [number, number] {
	const [a, b] = legEnds(route, route.leg);
	const length = distanceMetres(a, b);
	const f = length > 0 ? Math.min(1, route.alongM / length) : 1;
	return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
}

/** The street ride's state for a vehicle, from the fleet's street seed and the IMEI. */
export function newStreetState(fleetSeed: number, iotCode: string): StreetState {
	let hash = (2166136261 ^ fleetSeed) >>> 0;
	for (const ch of iotCode) hash = Math.imul(hash ^ ch.charCodeAt(0), 16777619) >>> 0;
	const random = seededRandom(hash);
	return { seed: hash, corners: 0, toCornerM: CORNER_MIN_M + random() * (CORNER_MAX_M - CORNER_MIN_M) };
}

/** At a corner: the new heading (left, right or straight on) and the next block's length. */
export function turnAtCorner(street: StreetState, heading: number): number {
	street.corners += 1;
	const random = seededRandom((street.seed ^ Math.imul(street.corners, 0x9e3779b1)) >>> 0);
	const choice = random();
	street.toCornerM = CORNER_MIN_M + random() * (CORNER_MAX_M - CORNER_MIN_M);
	const turn = choice < 0.35 ? -90 : choice < 0.7 ? 90 : 0;
	return (heading + turn + 360) % 360;
}
