/**
 * The virtual fleet: every vehicle's state, how it evolves with simulated time, and what the
 * commands do to it. Time is applied lazily (`advance`) whenever a vehicle is read or changed.
 */
import { IOT_CODE_PATTERN } from '../api/catalog/fields';
import { wallSeconds, type SimClock } from './clock';
import { randomAlnum, randomInt, type Random } from './random';

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
	transportMode: boolean;
	/** A firmware upgrade is running → commands answer 15500, queries still work. */
	upgrading: boolean;
	firmware: number;
	powered: boolean;
	locked: boolean;
	/** A rider is on it: set by unlock, ended by `park` or after `autoParkSeconds`. */
	riding: boolean;
	rideEndsAt: number | null;
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
}

export const DEFAULT_FIRMWARE = 152;
/** The reference's example IMEI and position, so its curl examples work as written. */
export const REFERENCE_IOT_CODE = '861477038719116';
const HOME = { latitude: 22.634228, longitude: 114.125962 };
/** Metres a full battery lasts; remainingRange is derived from it. */
const FULL_RANGE_M = 40000;
/** Battery percent gained per simulated minute on the charger. */
const CHARGE_PER_MINUTE = 1;
const DEFAULT_INTERVALS: Intervals = {
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
		transportMode: false,
		upgrading: false,
		firmware: DEFAULT_FIRMWARE,
		powered: true,
		locked: true,
		riding: false,
		rideEndsAt: null,
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

	constructor(
		count: number,
		random: Random,
		private readonly clock: SimClock,
		public options: FleetOptions,
	) {
		const now = clock.now();
		for (const code of generateIotCodes(count, random)) this.vehicles.set(code, newVehicle(code, random, now));
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
		vehicle.simulatedUntil = now;
		if (vehicle.riding) {
			const rideLeft = vehicle.rideEndsAt === null ? Infinity : (vehicle.rideEndsAt - (now - seconds * 1000)) / 1000;
			const rideSeconds = Math.max(0, Math.min(seconds, rideLeft));
			this.ride(vehicle, rideSeconds);
			if (rideSeconds < seconds) {
				this.park(vehicle);
				seconds -= rideSeconds;
			} else {
				seconds = 0;
			}
		}
		if (vehicle.charging && !vehicle.riding && seconds > 0) {
			vehicle.battery = Math.min(100, vehicle.battery + (CHARGE_PER_MINUTE * seconds) / 60);
		}
		return vehicle;
	}

	private ride(vehicle: Vehicle, seconds: number): void {
		if (seconds <= 0) return;
		const metres = Math.min((vehicle.speed / 3.6) * seconds, (vehicle.battery / 100) * FULL_RANGE_M);
		vehicle.odometer += metres;
		vehicle.totalRidingSecs += seconds;
		vehicle.battery = Math.max(0, vehicle.battery - (metres / FULL_RANGE_M) * 100);
		const rad = (vehicle.heading * Math.PI) / 180;
		vehicle.latitude += (metres * Math.cos(rad)) / 111320;
		vehicle.longitude += (metres * Math.sin(rad)) / (111320 * Math.cos((vehicle.latitude * Math.PI) / 180));
		vehicle.gpsUtcTime = this.nowSeconds();
		if (vehicle.battery <= 0) this.park(vehicle);
	}

	/** The rider gets off: the vehicle stays unlocked but stands still. */
	park(vehicle: Vehicle): void {
		vehicle.riding = false;
		vehicle.rideEndsAt = null;
		vehicle.speed = 0;
	}

	/** A rider gets on (unlock, or the admin starting a ride). */
	startRide(vehicle: Vehicle, speed?: number): void {
		vehicle.locked = false;
		vehicle.powered = true;
		vehicle.charging = false;
		const { autoParkSeconds } = this.options;
		if (autoParkSeconds <= 0 && speed === undefined) {
			this.park(vehicle);
			return;
		}
		vehicle.riding = true;
		vehicle.speed = speed ?? cruisingSpeed(vehicle);
		vehicle.rideEndsAt = Number.isFinite(autoParkSeconds) ? this.clock.now() + autoParkSeconds * 1000 : null;
	}

	/** Applies an admin patch; returns what changed so that pushes can follow (e.g. illegal moving). */
	update(iotCode: string, patch: VehiclePatch): { vehicle: Vehicle; movedWhileLocked: boolean } | undefined {
		const vehicle = this.get(iotCode);
		if (!vehicle) return undefined;
		let movedWhileLocked = false;
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
		else if (patch.riding === true || (patch.speed !== undefined && patch.speed > 0)) {
			this.startRide(vehicle, patch.speed ?? (vehicle.speed > 0 ? vehicle.speed : cruisingSpeed(vehicle)));
		}
		if (patch.latitude !== undefined || patch.longitude !== undefined || patch.altitude !== undefined) {
			movedWhileLocked = vehicle.locked;
			vehicle.latitude = patch.latitude ?? vehicle.latitude;
			vehicle.longitude = patch.longitude ?? vehicle.longitude;
			vehicle.altitude = patch.altitude ?? vehicle.altitude;
			vehicle.gpsUtcTime = this.nowSeconds();
		}
		return { vehicle, movedWhileLocked };
	}
}

// ── Views: what the API and the pushes show of a vehicle ───────────────────────────────────

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
