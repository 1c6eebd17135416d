/**
 * The virtual fleet: every vehicle's state, how it evolves with simulated time, and what the
 * commands do to it. Time is applied lazily (`advance`) whenever a vehicle is read or changed.
 */
import { IOT_CODE_PATTERN } from '../api/catalog/fields';
import { wallSeconds, type SimClock } from './clock';
import { randomAlnum, randomInt, type Random } from './random';
import {
	bearing,
	lap,
	legCount,
	legEnds,
	legKph,
	legMetres,
	METRES_PER_DEGREE,
	newStreetState,
	parseRoute,
	routePosition,
	turnAtCorner,
	type ActiveRoute,
	type RouteSpec,
	type StreetState,
} from './riding';

export type LightState = 0 | 1 | 2;

export interface Intervals {
	locationInterval: { unlockStatus: number; lockStatus: number };
	statusInterval: { ridingStatus: number; nonRiding: number; lockStatus: number };
}

export interface Vehicle {
	iotCode: string;
	/** false → 15300 inactive device. */
	active: boolean;
	/** false → 15301 offline device (no network, or transport mode). */
	online: boolean;
	/**
	 * Its IoT module is cut off or smashed: it sends no push of any kind and Segway's API
	 * answers 15301 offline device, while the vehicle itself goes on (a rider, a route, the
	 * battery). Unlike `online: false` it says nothing about it; see `reachable`.
	 */
	silent: boolean;
	transportMode: boolean;
	/** A firmware upgrade is running → commands answer 15500, queries still work. */
	upgrading: boolean;
	firmware: number;
	powered: boolean;
	locked: boolean;
	/** A rider is on it: set by unlock, ended by `park` or after `autoParkSeconds` (never early on a route). */
	riding: boolean;
	rideEndsAt: number | null;
	/** The route the rider follows (see riding.ts); null: the rider goes along streets, turning at corners. */
	route: ActiveRoute | null;
	/** Where the next street corner is and how the vehicle turns there, from the fleet's seed. */
	street: StreetState;
	lockVoltage: number;
	networkSignal: number;
	charging: boolean;
	/** Kept fractional so that slow drains show up; reported rounded. */
	battery: number;
	speedMode: 1 | 2 | 3;
	speed: number;
	/** Metres, kept fractional; reported rounded. */
	odometer: number;
	totalRidingSecs: number;
	latitude: number;
	longitude: number;
	/** Degrees clockwise from north, the direction it moves while ridden. */
	heading: number;
	altitude: number;
	satelliteNumber: number;
	hdop: number;
	/** false → no GPS fix: real-time location queries answer 15400, pushes say `invalid`. */
	gpsFix: boolean;
	gpsUtcTime: number;
	batteryCycles: number;
	batteryTemperature: number;
	bluetoothKey: string;
	lights: { headLight: LightState; tailLight: LightState };
	throttleResponse: boolean;
	alertSensitivity: number;
	switches: { assistedMode: boolean; buzzer: boolean };
	scooter: {
		bssDisplay: number;
		cruiseControl: number;
		buttonSwitchSpeedMode: number;
		lowSpeedLimit: number;
		mediumSpeedLimit: number;
		highSpeedLimit: number;
	};
	sound: { enabled: boolean; mask: Record<string, boolean>; lastPlayed: { controlType: number; at: number } | null };
	intervals: Intervals;
	/** How often the vehicle carried out each command or setting (`control.unlock`: 2). */
	executed: Record<string, number>;
	/** Alerts and faults currently appearing (pushed with status 0, not yet with 1). */
	activeAlerts: number[];
	activeFaults: number[];
	/** Simulated ms up to which the state has been advanced. */
	simulatedUntil: number;
}

/** What the admin interface and tests may change directly. */
export interface VehiclePatch {
	active?: boolean;
	online?: boolean;
	/** true: the vehicle stops pushing and answers 15301; false: it reconnects (and reports its status at once). */
	silent?: boolean;
	upgrading?: boolean;
	firmware?: number;
	powered?: boolean;
	locked?: boolean;
	riding?: boolean;
	speed?: number;
	charging?: boolean;
	powerPercent?: number;
	speedMode?: 1 | 2 | 3;
	odometer?: number;
	networkSignal?: number;
	lockVoltage?: number;
	gpsFix?: boolean;
	latitude?: number;
	longitude?: number;
	altitude?: number;
	bluetoothKey?: string;
	/**
	 * A rider gets on (unlocking it) at the first waypoint and follows the route; null: the
	 * rider leaves the route and rides on along streets until the auto-park time.
	 */
	route?: RouteSpec | null;
}

export const DEFAULT_FIRMWARE = 152;
/** The reference's example IMEI and position, so its curl examples work as written. */
export const REFERENCE_IOT_CODE = '861477038719116';
const HOME = { latitude: 22.634228, longitude: 114.125962 };
/** Metres a full battery lasts; remainingRange is derived from it. */
const FULL_RANGE_M = 40000;
/** Battery percent gained per simulated minute on the charger. */
const CHARGE_PER_MINUTE = 1;
/** Segway's upload intervals before any Set Upload Intervals; the reference gives none for status while locked (900 s assumed). */
export const DEFAULT_INTERVALS: Intervals = {
	locationInterval: { unlockStatus: 10, lockStatus: 900 },
	statusInterval: { ridingStatus: 10, nonRiding: 10, lockStatus: 900 },
};
const SOUND_NAMES = [
	'powerOn',
	'powerOff',
	'locked',
	'unlocked',
	'lostHeartbeat',
	'outofGeofence',
	'intoGeofence',
	'alarm',
	'locating',
	'beep',
];

/**
 * IMEIs from the seed: the reference's example first, then distinct ones of the same family
 * (86147703871xxxx), with one digit more of room for fleets above ten thousand.
 */
export function generateIotCodes(count: number, random: Random): string[] {
	const codes = new Set<string>();
	if (count > 0) codes.add(REFERENCE_IOT_CODE);
	const [prefix, digits] = count <= 9000 ? ['86147703871', 4] : ['8614770387', 5];
	const space = 10 ** digits;
	if (count > space) throw new RangeError(`at most ${space} vehicles, got ${count}`);
	while (codes.size < count) {
		const code = prefix + String(Math.floor(random() * space)).padStart(digits, '0');
		if (IOT_CODE_PATTERN.test(code)) codes.add(code);
	}
	return [...codes];
}

function newVehicle(iotCode: string, random: Random, simNow: number): Vehicle {
	const battery = randomInt(random, 35, 100);
	return {
		iotCode,
		active: true,
		online: true,
		silent: false,
		transportMode: false,
		upgrading: false,
		firmware: DEFAULT_FIRMWARE,
		powered: true,
		locked: true,
		riding: false,
		rideEndsAt: null,
		route: null,
		// Drawn after the whole fleet (see Fleet), so that the seed's vehicles stay as they were.
		street: { seed: 0, corners: 0, toCornerM: 0 },
		lockVoltage: randomInt(random, 380, 420),
		networkSignal: randomInt(random, 12, 31),
		charging: false,
		battery,
		speedMode: 1,
		speed: 0,
		odometer: randomInt(random, 1000, 900000),
		totalRidingSecs: randomInt(random, 0, 400000),
		latitude: HOME.latitude + (random() - 0.5) * 0.04,
		longitude: HOME.longitude + (random() - 0.5) * 0.04,
		heading: random() * 360,
		altitude: Math.round(random() * 500) / 10,
		satelliteNumber: randomInt(random, 5, 14),
		hdop: Math.round((0.6 + random() * 1.4) * 100) / 100,
		gpsFix: true,
		gpsUtcTime: wallSeconds(),
		batteryCycles: randomInt(random, 0, 400),
		batteryTemperature: randomInt(random, 18, 32),
		bluetoothKey: randomAlnum(random, 8),
		lights: { headLight: 0, tailLight: 0 },
		throttleResponse: true,
		alertSensitivity: 2,
		switches: { assistedMode: false, buzzer: true },
		scooter: {
			bssDisplay: 0,
			cruiseControl: 0,
			buttonSwitchSpeedMode: 0,
			lowSpeedLimit: 6,
			mediumSpeedLimit: 18,
			highSpeedLimit: 25,
		},
		sound: { enabled: true, mask: Object.fromEntries(SOUND_NAMES.map((n) => [n, true])), lastPlayed: null },
		intervals: structuredClone(DEFAULT_INTERVALS),
		executed: {},
		activeAlerts: [],
		activeFaults: [],
		simulatedUntil: simNow,
	};
}

/** km/h a rider goes in the current speed mode: a little under its limit. */
function cruisingSpeed(vehicle: Vehicle): number {
	const { lowSpeedLimit, mediumSpeedLimit, highSpeedLimit } = vehicle.scooter;
	const limit = [lowSpeedLimit, mediumSpeedLimit, highSpeedLimit][vehicle.speedMode - 1];
	return Math.max(1, Math.round(limit * 0.85));
}

export interface FleetOptions {
	/** Simulated seconds a ride lasts after unlock before the rider parks; 0 parks at once, Infinity never. */
	autoParkSeconds: number;
}

export class Fleet {
	private readonly vehicles = new Map<string, Vehicle>();
	/** IMEIs of the vehicles on a route. */
	private readonly routed = new Set<string>();
	/** Told when the fleet locks a vehicle by itself (a route ending with `lock`), so that its pushes follow. */
	onLocked: ((iotCode: string) => void) | undefined;

	constructor(
		count: number,
		random: Random,
		private readonly clock: SimClock,
		public options: FleetOptions,
	) {
		const now = clock.now();
		for (const code of generateIotCodes(count, random)) this.vehicles.set(code, newVehicle(code, random, now));
		// One draw after the fleet: the street corners follow the seed without changing any vehicle.
		const streetSeed = Math.floor(random() * 2 ** 32);
		for (const vehicle of this.vehicles.values()) vehicle.street = newStreetState(streetSeed, vehicle.iotCode);
	}

	/** Wall-clock epoch seconds, the time stamped on status and location fields (see wallSeconds). */
	nowSeconds(): number {
		return wallSeconds();
	}

	get size(): number {
		return this.vehicles.size;
	}

	iotCodes(): string[] {
		return [...this.vehicles.keys()];
	}

	/** The live state, advanced to now; undefined for an unknown IMEI. */
	get(iotCode: string): Vehicle | undefined {
		const vehicle = this.vehicles.get(iotCode);
		if (vehicle) this.advance(vehicle);
		return vehicle;
	}

	/** Copies, advanced to now, safe to keep or serialise. */
	list(): Vehicle[] {
		return [...this.vehicles.values()].map((v) => structuredClone(this.advance(v)));
	}

	/** Lets simulated time act on one vehicle: the ride, the battery, the charger. */
	advance(vehicle: Vehicle): Vehicle {
		const now = this.clock.now();
		let seconds = (now - vehicle.simulatedUntil) / 1000;
		if (seconds <= 0) return vehicle;
		const from = vehicle.simulatedUntil;
		vehicle.simulatedUntil = now;
		if (vehicle.riding) {
			// On a route the rider stays on until the route says otherwise.
			const rideLeft = vehicle.route !== null || vehicle.rideEndsAt === null ? Infinity : (vehicle.rideEndsAt - from) / 1000;
			const rideSeconds = Math.max(0, Math.min(seconds, rideLeft));
			const ridden = this.ride(vehicle, rideSeconds);
			if (vehicle.riding && rideSeconds < seconds) this.park(vehicle);
			seconds -= vehicle.riding ? seconds : ridden;
		}
		if (vehicle.charging && !vehicle.riding && seconds > 0) {
			vehicle.battery = Math.min(100, vehicle.battery + (CHARGE_PER_MINUTE * seconds) / 60);
		}
		return vehicle;
	}

	/** Brings every vehicle on a route up to now, so that a route's end (a lock) happens on time rather than at the next read. */
	advanceRoutes(): void {
		for (const iotCode of this.routed) {
			const vehicle = this.vehicles.get(iotCode);
			if (vehicle) this.advance(vehicle);
		}
	}

	/**
	 * Rides for up to `seconds`, leg by leg (route) or block by block (streets), so that the
	 * path is the same however time is cut into reads. Returns the seconds ridden: fewer when the
	 * route ended or the battery ran out.
	 */
	private ride(vehicle: Vehicle, seconds: number): number {
		let left = seconds;
		while (left > 1e-9 && vehicle.riding) {
			const route = vehicle.route;
			if (route) left -= this.rideWholeLaps(vehicle, route, left);
			const kph = route ? legKph(route, route.leg, cruisingSpeed(vehicle)) : vehicle.speed;
			const toEnd = route ? legMetres(route, route.leg) - route.alongM : vehicle.street.toCornerM;
			if (!(kph > 0)) break;
			const perSecond = kph / 3.6;
			const range = (vehicle.battery / 100) * FULL_RANGE_M;
			const metres = Math.max(0, Math.min(perSecond * left, toEnd, range));
			const used = metres / perSecond;
			this.travel(vehicle, metres, used);
			left -= used;
			if (route) {
				route.alongM += metres;
				vehicle.speed = kph;
				[vehicle.longitude, vehicle.latitude] = routePosition(route);
				const [a, b] = legEnds(route, route.leg);
				if (toEnd > 0) vehicle.heading = bearing(a, b);
			} else {
				const rad = (vehicle.heading * Math.PI) / 180;
				vehicle.latitude += (metres * Math.cos(rad)) / METRES_PER_DEGREE;
				vehicle.longitude += (metres * Math.sin(rad)) / (METRES_PER_DEGREE * Math.cos((vehicle.latitude * Math.PI) / 180));
				vehicle.street.toCornerM -= metres;
			}
			if (metres >= range && metres < toEnd) {
				vehicle.battery = 0;
				this.park(vehicle);
			} else if (metres >= toEnd) {
				if (route) this.nextLeg(vehicle, route);
				else vehicle.heading = turnAtCorner(vehicle.street, vehicle.heading);
			}
		}
		return seconds - Math.max(0, left);
	}

	/** On a loop at its first waypoint: as many whole rounds as time and battery allow, at once. */
	private rideWholeLaps(vehicle: Vehicle, route: ActiveRoute, seconds: number): number {
		if (!route.loop || route.leg !== 0 || route.alongM !== 0) return 0;
		const round = lap(route, cruisingSpeed(vehicle));
		const range = (vehicle.battery / 100) * FULL_RANGE_M;
		const laps = Math.floor(Math.min(seconds / round.seconds, range / round.metres));
		if (!(laps >= 1)) return 0;
		this.travel(vehicle, laps * round.metres, laps * round.seconds);
		route.laps += laps;
		return laps * round.seconds;
	}

	private travel(vehicle: Vehicle, metres: number, seconds: number): void {
		vehicle.odometer += metres;
		vehicle.totalRidingSecs += seconds;
		vehicle.battery = Math.max(0, vehicle.battery - (metres / FULL_RANGE_M) * 100);
		vehicle.gpsUtcTime = this.nowSeconds();
	}

	/** The end of a leg: the next one, a new round, or the route's end (park, or park and lock). */
	private nextLeg(vehicle: Vehicle, route: ActiveRoute): void {
		route.alongM = 0;
		if (route.leg + 1 < legCount(route)) {
			route.leg += 1;
			return;
		}
		if (route.loop) {
			route.leg = 0;
			route.laps += 1;
			return;
		}
		const [lon, lat] = route.waypoints[route.waypoints.length - 1];
		vehicle.longitude = lon;
		vehicle.latitude = lat;
		this.park(vehicle);
		if (route.end === 'lock') {
			vehicle.locked = true;
			this.onLocked?.(vehicle.iotCode);
		}
	}

	/** The rider gets off: the vehicle stays unlocked but stands still (and leaves its route). */
	park(vehicle: Vehicle): void {
		vehicle.riding = false;
		vehicle.rideEndsAt = null;
		vehicle.speed = 0;
		vehicle.route = null;
		this.routed.delete(vehicle.iotCode);
	}

	/** A rider gets on (unlock, or the admin starting a ride). On a route the route sets the speed and the ride has no time limit. */
	startRide(vehicle: Vehicle, speed?: number): void {
		vehicle.locked = false;
		vehicle.powered = true;
		vehicle.charging = false;
		const { route } = vehicle;
		if (route) {
			vehicle.riding = true;
			vehicle.rideEndsAt = null;
			vehicle.speed = legKph(route, route.leg, cruisingSpeed(vehicle));
			return;
		}
		const { autoParkSeconds } = this.options;
		if (autoParkSeconds <= 0 && speed === undefined) {
			this.park(vehicle);
			return;
		}
		vehicle.riding = true;
		vehicle.speed = speed ?? cruisingSpeed(vehicle);
		vehicle.rideEndsAt = Number.isFinite(autoParkSeconds) ? this.clock.now() + autoParkSeconds * 1000 : null;
	}

	/**
	 * A rider gets on at the route's first waypoint (the vehicle is put there, unlocked) and
	 * follows it from now on. RangeError when the route is not valid (see parseRoute).
	 */
	setRoute(vehicle: Vehicle, spec: RouteSpec): void {
		const route = parseRoute(spec);
		this.advance(vehicle);
		this.park(vehicle);
		vehicle.route = route;
		this.routed.add(vehicle.iotCode);
		[vehicle.longitude, vehicle.latitude] = routePosition(route);
		const [a, b] = legEnds(route, 0);
		if (legMetres(route, 0) > 0) vehicle.heading = bearing(a, b);
		vehicle.gpsUtcTime = this.nowSeconds();
		this.startRide(vehicle);
	}

	/** The rider leaves the route and rides on along streets (until the auto-park time, from now). */
	leaveRoute(vehicle: Vehicle): void {
		if (vehicle.route === null) return;
		vehicle.route = null;
		this.routed.delete(vehicle.iotCode);
		if (vehicle.riding) this.startRide(vehicle, vehicle.speed);
	}

	/** Applies an admin patch; returns what changed so that pushes can follow (e.g. illegal moving). */
	update(iotCode: string, patch: VehiclePatch): { vehicle: Vehicle; movedWhileLocked: boolean } | undefined {
		const vehicle = this.get(iotCode);
		if (!vehicle) return undefined;
		// A wrong route refuses the whole patch before anything of it is applied.
		if (patch.route) parseRoute(patch.route);
		if (patch.silent !== undefined && typeof patch.silent !== 'boolean') {
			throw new RangeError(`silent must be true or false, got ${JSON.stringify(patch.silent)}`);
		}
		let movedWhileLocked = false;
		if (patch.silent !== undefined) vehicle.silent = patch.silent;
		if (patch.active !== undefined) vehicle.active = patch.active;
		if (patch.online !== undefined) {
			vehicle.online = patch.online;
			if (patch.online) vehicle.transportMode = false;
		}
		if (patch.upgrading !== undefined) vehicle.upgrading = patch.upgrading;
		if (patch.firmware !== undefined) vehicle.firmware = patch.firmware;
		if (patch.powered !== undefined) vehicle.powered = patch.powered;
		if (patch.charging !== undefined) vehicle.charging = patch.charging;
		if (patch.powerPercent !== undefined) vehicle.battery = Math.max(0, Math.min(100, patch.powerPercent));
		if (patch.speedMode !== undefined) vehicle.speedMode = patch.speedMode;
		if (patch.odometer !== undefined) vehicle.odometer = patch.odometer;
		if (patch.networkSignal !== undefined) vehicle.networkSignal = patch.networkSignal;
		if (patch.lockVoltage !== undefined) vehicle.lockVoltage = patch.lockVoltage;
		if (patch.gpsFix !== undefined) {
			if (vehicle.gpsFix && !patch.gpsFix) vehicle.gpsUtcTime = wallSeconds();
			vehicle.gpsFix = patch.gpsFix;
		}
		if (patch.bluetoothKey !== undefined) vehicle.bluetoothKey = patch.bluetoothKey;
		if (patch.locked === true) {
			this.park(vehicle);
			vehicle.locked = true;
		} else if (patch.locked === false) {
			vehicle.locked = false;
		}
		if (patch.riding === false || patch.speed === 0) this.park(vehicle);
		else if (vehicle.route && patch.speed !== undefined && patch.speed > 0) {
			// On a route a speed is the route's: legs without their own speed go at it.
			vehicle.route.speedKph = patch.speed;
			this.startRide(vehicle);
		} else if (patch.riding === true || (patch.speed !== undefined && patch.speed > 0)) {
			this.startRide(vehicle, patch.speed ?? (vehicle.speed > 0 ? vehicle.speed : cruisingSpeed(vehicle)));
		}
		if (patch.latitude !== undefined || patch.longitude !== undefined || patch.altitude !== undefined) {
			movedWhileLocked = vehicle.locked;
			// Put somewhere else, a rider is off the route.
			if (patch.latitude !== undefined || patch.longitude !== undefined) this.leaveRoute(vehicle);
			vehicle.latitude = patch.latitude ?? vehicle.latitude;
			vehicle.longitude = patch.longitude ?? vehicle.longitude;
			vehicle.altitude = patch.altitude ?? vehicle.altitude;
			vehicle.gpsUtcTime = this.nowSeconds();
		}
		if (patch.route === null) this.leaveRoute(vehicle);
		else if (patch.route !== undefined) this.setRoute(vehicle, patch.route);
		return { vehicle, movedWhileLocked };
	}
}

// ── Views: what the API and the pushes show of a vehicle ───────────────────────────────────

/**
 * Segway's cloud hears from the vehicle: it is online (not cut off, not in transport mode) and
 * not silent. Otherwise it pushes nothing and its queries and commands answer 15301.
 */
export function reachable(vehicle: Vehicle): boolean {
	return vehicle.online && !vehicle.silent;
}

export function powerPercent(vehicle: Vehicle): number {
	return Math.round(vehicle.battery);
}

/** Unit 10 m, from what the battery has left. */
export function remainingRange(vehicle: Vehicle): number {
	return Math.round(((vehicle.battery / 100) * FULL_RANGE_M) / 10);
}

/** The status fields common to the query and the push; the range field is named by the caller. */
export function statusFields(vehicle: Vehicle) {
	return {
		iotCode: vehicle.iotCode,
		online: vehicle.online,
		locked: vehicle.locked,
		lockVoltage: vehicle.lockVoltage,
		networkSignal: vehicle.networkSignal,
		charging: vehicle.charging,
		powerPercent: powerPercent(vehicle),
		speedMode: vehicle.speedMode,
		speed: vehicle.speed,
		odometer: Math.round(vehicle.odometer),
		remainingRange: remainingRange(vehicle),
		totalRidingSecs: Math.round(vehicle.totalRidingSecs),
		// The status is taken when it is asked for or pushed.
		statusUtcTime: wallSeconds(),
	};
}

export function locationFields(vehicle: Vehicle) {
	return {
		iotCode: vehicle.iotCode,
		latitude: Math.round(vehicle.latitude * 1e6) / 1e6,
		longitude: Math.round(vehicle.longitude * 1e6) / 1e6,
		satelliteNumber: vehicle.gpsFix ? vehicle.satelliteNumber : 0,
		hdop: vehicle.hdop,
		altitude: vehicle.altitude,
		// A vehicle with a fix has a current one; without, its last fix's time.
		gpsUtcTime: vehicle.gpsFix ? wallSeconds() : vehicle.gpsUtcTime,
	};
}

/** Controller voltage in volts of the 36 V pack, a number as in the reference's example. */
export function controllerVoltage(vehicle: Vehicle): number {
	return Math.round(33 + (9 * vehicle.battery) / 100);
}
