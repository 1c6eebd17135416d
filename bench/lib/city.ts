/**
 * A city's zones and a fleet riding through them, for the zone benches (bench/zones.ts,
 * `bench:push-ingest -- --zones`): deterministic for a seed, sized like a real operator's feed.
 *
 * The document is a GBFS v2.3 geofencing_zones.json over a ~10 × 10 km city (centred on 52.52 N,
 * 13.405 E), every geometry a MultiPolygon as GBFS 2.x requires, coordinates to 6 decimals as
 * feeds publish them:
 * - small zones first (GBFS: the zone listed first decides where zones overlap): irregular
 *   star-shaped polygons of 20–200 vertices, 25–250 m in radius, some MultiPolygons of 2–3
 *   parts, some placed over another zone's centre so that they overlap; no parking (ride_allowed
 *   false), slow (maximum_speed_kph 10 or 15), no riding (ride_through_allowed false too), and
 *   parking areas; some rules only for one vehicle type, a few zones with a start and an end;
 * - last, the service area: one polygon of a few thousand vertices (a wobbly ring ≈ 4.5 km out)
 *   with a few holes (a lake, parks) where no ride may end.
 *
 * The fleet: vehicles spread over the city, many starting inside a small zone, some within 25 m of
 * a zone's boundary, the rest anywhere within 5 km of the centre (a few outside the service area).
 * Most ride (unlocked, 30–70 m between fixes, 8–25 km/h, a slowly turning heading), the rest are
 * parked (locked, their fix wandering 3–15 m: GPS jitter, at boundaries too); now and then a rider
 * locks and a parked one is unlocked. Each vehicle's pushes are signed, form-encoded location and
 * status pushes as Segway sends them while riding (one of each per 10 s).
 */
import { computeSignature } from '../../api/catalog/signature';
import { encodeForm } from '../../simulator';
import { seededRandom, type Random } from '../../simulator/random';

export const CITY_CENTRE = { latitude: 52.52, longitude: 13.405 } as const;
const METRES_PER_DEGREE = 111_320;
const METRES_PER_DEGREE_LON = METRES_PER_DEGREE * Math.cos((CITY_CENTRE.latitude * Math.PI) / 180);

/** [longitude, latitude] of a point `x` metres east and `y` metres north of the centre, to 6 decimals. */
function lonLat(x: number, y: number): [number, number] {
	return [round6(CITY_CENTRE.longitude + x / METRES_PER_DEGREE_LON), round6(CITY_CENTRE.latitude + y / METRES_PER_DEGREE)];
}
const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

export interface CityOptions {
	/** Small zones (no parking, slow, no riding, parking areas). */
	zones: number;
	/** Vertices of the service area's outer ring. */
	serviceVertices: number;
	/** Holes in the service area. */
	holes: number;
	seed: number;
}

export const CITY_DEFAULTS: CityOptions = { zones: 600, serviceVertices: 3000, holes: 4, seed: 7 };

/** Where a small zone (or one part of it) lies, in metres from the centre. */
interface Disc {
	x: number;
	y: number;
	r: number;
}

export interface City {
	/** The GBFS v2.3 document. */
	document: object;
	/** Its text, as a user pastes it into the trigger's Zones parameter. */
	text: string;
	stats: { zones: number; features: number; polygons: number; multiPolygons: number; holes: number; vertices: number; largestRing: number; overlapping: number; characters: number };
	/** The small zones' parts: where vehicles start inside or at a boundary. */
	discs: Disc[];
	/** The rings' vertices in metres (for starts at a boundary). */
	boundaryPoints: Array<[number, number]>;
}

/**
 * A closed ring of `n` vertices around (cx, cy): radius `r` varied by a few harmonics and a little
 * noise, angles strictly increasing, so the ring is simple (star-shaped about its centre).
 */
function wobblyRing(rnd: Random, cx: number, cy: number, r: number, n: number, roughness: number, out: Array<[number, number]>): Array<[number, number]> {
	const harmonics = Array.from({ length: 4 }, (_, k) => ({ k: k + 2, a: (roughness * rnd()) / (k + 1), phase: rnd() * 2 * Math.PI }));
	const ring: Array<[number, number]> = [];
	for (let i = 0; i < n; i++) {
		const angle = ((i + 0.4 * rnd()) / n) * 2 * Math.PI;
		let radius = 1;
		for (const h of harmonics) radius += h.a * Math.sin(h.k * angle + h.phase);
		radius *= r * (1 + 0.04 * (rnd() - 0.5));
		const x = cx + radius * Math.cos(angle);
		const y = cy + radius * Math.sin(angle);
		out.push([x, y]);
		ring.push(lonLat(x, y));
	}
	// Rounding to 6 decimals may merge neighbours of a dense ring: drop repeats, then close it.
	const distinct = ring.filter((p, i) => i === 0 || p[0] !== ring[i - 1][0] || p[1] !== ring[i - 1][1]);
	distinct.push([distinct[0][0], distinct[0][1]]);
	return distinct as Array<[number, number]>;
}

type ZoneKind = 'noParking' | 'slow' | 'noRide' | 'parking';

function rulesOf(kind: ZoneKind, rnd: Random): object[] {
	const rule = (rideAllowed: boolean, through: boolean, speed?: number, types?: string[]) => ({
		...(types ? { vehicle_type_id: types } : {}),
		ride_allowed: rideAllowed,
		ride_through_allowed: through,
		...(speed === undefined ? {} : { maximum_speed_kph: speed }),
	});
	// One zone in eight has a rule for bikes first, then the one for everything else.
	const bikesFirst = rnd() < 0.125 ? [rule(true, true, 20, ['bike'])] : [];
	switch (kind) {
		case 'noParking':
			return [...bikesFirst, rule(false, true)];
		case 'slow':
			return [...bikesFirst, rule(true, true, rnd() < 0.5 ? 10 : 15)];
		case 'noRide':
			return [...bikesFirst, rule(false, false)];
		case 'parking':
			return [...bikesFirst, rule(true, true, undefined, rnd() < 0.5 ? ['scooter'] : undefined)];
	}
}

const KIND_NAMES: Record<ZoneKind, string> = { noParking: 'No parking', slow: 'Slow zone', noRide: 'No riding', parking: 'Parking area' };

export function generateCity(options: Partial<CityOptions> = {}): City {
	const { zones, serviceVertices, holes, seed } = { ...CITY_DEFAULTS, ...options };
	const rnd = seededRandom(seed);
	const features: object[] = [];
	const discs: Disc[] = [];
	const boundaryPoints: Array<[number, number]> = [];
	let vertices = 0;
	let polygons = 0;
	let multiPolygons = 0;
	let overlapping = 0;
	let largestRing = 0;
	const count = (ring: unknown[]) => {
		vertices += ring.length - 1;
		largestRing = Math.max(largestRing, ring.length - 1);
	};

	for (let z = 0; z < zones; z++) {
		const roll = rnd();
		const kind: ZoneKind = roll < 0.4 ? 'noParking' : roll < 0.75 ? 'slow' : roll < 0.9 ? 'noRide' : 'parking';
		const parts = rnd() < 0.1 ? 2 + Math.floor(rnd() * 2) : 1;
		// One in eight over an earlier zone's centre: overlapping zones, the earlier one deciding.
		const over = discs.length > 0 && rnd() < 0.125 ? discs[Math.floor(rnd() * discs.length)] : undefined;
		if (over) overlapping += 1;
		const angle = rnd() * 2 * Math.PI;
		const distance = 3800 * Math.sqrt(rnd());
		let cx = over ? over.x + over.r * 0.5 * (rnd() - 0.5) : distance * Math.cos(angle);
		let cy = over ? over.y + over.r * 0.5 * (rnd() - 0.5) : distance * Math.sin(angle);
		const coordinates: unknown[] = [];
		for (let p = 0; p < parts; p++) {
			const r = 25 + 225 * rnd() ** 3;
			const n = parts > 1 ? 20 + Math.floor(rnd() * 101) : 20 + Math.floor(rnd() * 181);
			const ring = wobblyRing(rnd, cx, cy, r, n, 0.25, boundaryPoints);
			count(ring);
			coordinates.push([ring]);
			discs.push({ x: cx, y: cy, r });
			polygons += 1;
			// The next part a little way off: two halves of a square, a station and its annex.
			cx += (r + 150 + 300 * rnd()) * (rnd() < 0.5 ? 1 : -1);
			cy += (r + 150 + 300 * rnd()) * (rnd() < 0.5 ? 1 : -1);
		}
		if (parts > 1) multiPolygons += 1;
		const properties: Record<string, unknown> = { name: `${KIND_NAMES[kind]} ${z + 1}`, rules: rulesOf(kind, rnd) };
		// A few temporary zones (events, building sites): active from 2024 to 2099.
		if (rnd() < 0.05) Object.assign(properties, { start: 1_704_067_200, end: 4_070_908_800 });
		features.push({ type: 'Feature', properties, geometry: { type: 'MultiPolygon', coordinates } });
	}

	// The service area, with its holes (a lake, parks): no ride may end there.
	const outer = wobblyRing(rnd, 0, 0, 4600, serviceVertices, 0.08, boundaryPoints);
	count(outer);
	const rings = [outer];
	for (let h = 0; h < holes; h++) {
		const angle = (h / Math.max(1, holes)) * 2 * Math.PI + rnd();
		const hole = wobblyRing(rnd, 2400 * Math.cos(angle), 2400 * Math.sin(angle), 300 + 300 * rnd(), 150 + Math.floor(rnd() * 151), 0.2, boundaryPoints);
		count(hole);
		rings.push(hole);
	}
	polygons += 1;
	features.push({
		type: 'Feature',
		properties: { name: 'Service area', rules: [{ ride_allowed: true, ride_through_allowed: true, maximum_speed_kph: 25 }] },
		geometry: { type: 'MultiPolygon', coordinates: [rings] },
	});

	const document = { last_updated: 1_733_356_800, ttl: 60, version: '2.3', data: { geofencing_zones: { type: 'FeatureCollection', features } } };
	const text = JSON.stringify(document);
	return {
		document,
		text,
		stats: { zones: zones + 1, features: features.length, polygons, multiPolygons, holes, vertices, largestRing, overlapping, characters: text.length },
		discs,
		boundaryPoints,
	};
}

// ---------------------------------------------------------------------------------------------
// The fleet.

interface CityVehicle {
	iotCode: string;
	/** Metres from the centre. */
	x: number;
	y: number;
	/** Where a parked vehicle stands (its fixes wander around it). */
	homeX: number;
	homeY: number;
	heading: number;
	locked: boolean;
	speedKph: number;
	power: number;
	odometer: number;
	/** Own time of its last push, epoch ms: each push's is later. */
	lastAt: number;
}

export interface CityFleetOptions {
	vehicles: number;
	seed: number;
	/** Share of vehicles riding (unlocked). */
	riding?: number;
	/** Digits 3–6 of the IoT codes (15 digits: 861 + these 4 + an 8-digit index). */
	prefix?: string;
}

/**
 * A fleet in the city, pushing as a riding fleet does: `next()` gives the next signed push
 * (location and status alternating, each vehicle in turn, in a shuffled order).
 */
export class CityFleet {
	readonly vehicles: CityVehicle[] = [];
	private readonly rnd: Random;
	private readonly order: number[];
	private cursor = 0;
	private location = false;
	/** Location and status pushes made so far. */
	made = { location: 0, status: 0 };

	constructor(
		city: Pick<City, 'discs' | 'boundaryPoints'>,
		options: CityFleetOptions,
		private readonly secret: string,
		private readonly platformCode: string,
	) {
		this.rnd = seededRandom(options.seed);
		const rnd = this.rnd;
		const riding = options.riding ?? 0.75;
		const prefix = options.prefix ?? '0000';
		for (let i = 0; i < options.vehicles; i++) {
			const start = rnd();
			let x: number;
			let y: number;
			if (start < 0.35 && city.discs.length > 0) {
				// Inside a small zone.
				const d = city.discs[Math.floor(rnd() * city.discs.length)];
				const a = rnd() * 2 * Math.PI;
				const r = d.r * 0.5 * Math.sqrt(rnd());
				[x, y] = [d.x + r * Math.cos(a), d.y + r * Math.sin(a)];
			} else if (start < 0.5 && city.boundaryPoints.length > 0) {
				// Within 25 m of a boundary.
				const [bx, by] = city.boundaryPoints[Math.floor(rnd() * city.boundaryPoints.length)];
				const a = rnd() * 2 * Math.PI;
				const r = 25 * rnd();
				[x, y] = [bx + r * Math.cos(a), by + r * Math.sin(a)];
			} else {
				const a = rnd() * 2 * Math.PI;
				const r = 5000 * Math.sqrt(rnd());
				[x, y] = [r * Math.cos(a), r * Math.sin(a)];
			}
			const locked = rnd() >= riding;
			this.vehicles.push({
				iotCode: `861${prefix}${String(i).padStart(8, '0')}`,
				x,
				y,
				homeX: x,
				homeY: y,
				heading: rnd() * 2 * Math.PI,
				locked,
				speedKph: 8 + Math.floor(rnd() * 18),
				power: 30 + rnd() * 70,
				odometer: Math.floor(rnd() * 2_000_000),
				lastAt: 0,
			});
		}
		this.order = this.vehicles.map((_, i) => i);
		for (let i = this.order.length - 1; i > 0; i--) {
			const j = Math.floor(rnd() * (i + 1));
			[this.order[i], this.order[j]] = [this.order[j], this.order[i]];
		}
	}

	/** The next push: a vehicle's location, then its status, then the next vehicle's. */
	next(): { event: 'location' | 'status'; body: string } {
		this.location = !this.location;
		const v = this.vehicles[this.order[this.cursor]];
		if (this.location) return { event: 'location', body: this.locationPush(v) };
		this.cursor = (this.cursor + 1) % this.order.length;
		return { event: 'status', body: this.statusPush(v) };
	}

	/** One location and one status push of every vehicle, in the fleet's order. */
	round(): Array<{ event: 'location' | 'status'; body: string }> {
		return Array.from({ length: this.vehicles.length * 2 }, () => this.next());
	}

	private at(v: CityVehicle): number {
		v.lastAt = Math.max(Date.now(), v.lastAt + 1);
		return v.lastAt;
	}

	private locationPush(v: CityVehicle): string {
		const rnd = this.rnd;
		// Now and then a rider locks where it is, and a parked vehicle is taken for a ride.
		if (rnd() < 0.02) {
			v.locked = !v.locked;
			[v.homeX, v.homeY] = [v.x, v.y];
		}
		if (!v.locked) {
			v.heading += (rnd() - 0.5) * 0.6;
			const step = 30 + 40 * rnd();
			v.x += step * Math.cos(v.heading);
			v.y += step * Math.sin(v.heading);
			// Riders turn back at the city's edge.
			if (Math.hypot(v.x, v.y) > 5200) v.heading += Math.PI;
			v.odometer += Math.round(step);
		} else {
			const a = rnd() * 2 * Math.PI;
			const r = 3 + 12 * rnd();
			[v.x, v.y] = [v.homeX + r * Math.cos(a), v.homeY + r * Math.sin(a)];
		}
		const [longitude, latitude] = lonLat(v.x, v.y);
		const params: Record<string, string> = {
			iotCode: v.iotCode,
			platformCode: this.platformCode,
			locationStatus: 'valid',
			latitude: latitude.toFixed(6),
			longitude: longitude.toFixed(6),
			satelliteNumber: String(7 + Math.floor(rnd() * 6)),
			hdop: (0.7 + rnd()).toFixed(1),
			altitude: '41',
			gpsUtcTime: String(this.at(v)),
		};
		params.signature = computeSignature(params, this.secret);
		this.made.location += 1;
		return encodeForm(params);
	}

	private statusPush(v: CityVehicle): string {
		v.power = Math.max(5, v.power - (v.locked ? 0.01 : 0.1));
		const speed = v.locked ? 0 : Math.max(0, v.speedKph + Math.floor((this.rnd() - 0.5) * 6));
		const params: Record<string, string> = {
			iotCode: v.iotCode,
			platformCode: this.platformCode,
			online: 'true',
			locked: String(v.locked),
			charging: 'false',
			powerPercent: String(Math.floor(v.power)),
			speedMode: '2',
			speed: String(speed),
			odometer: String(v.odometer),
			remainingRange: String(Math.round(v.power * 0.45)),
			statusUtcTime: String(this.at(v)),
		};
		params.signature = computeSignature(params, this.secret);
		this.made.status += 1;
		return encodeForm(params);
	}
}
