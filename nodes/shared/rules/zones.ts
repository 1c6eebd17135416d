/**
 * Zone rules: where a vehicle is ridden and parked against the operator's zones (a GBFS
 * geofencing_zones.json or a GeoJSON FeatureCollection, see ../zones/document.ts).
 *
 * - Each rule fires once per episode and is re-armed when its condition ends: entered / left a
 *   zone (per zone and crossing), outside every zone (until it is in one again), ridden where
 *   riding through is not allowed (until it is out of there or locked), parked where a ride may
 *   not end (until unlocked or moved out), faster than the zone allows (until SPEED_REARM_KPH
 *   below the limit, or out of the zone). An episode is of one zone: the same rule broken in the
 *   next zone fires again.
 * - Zone rules start runs of their own, on the location and status pushes where they fire,
 *   whichever push kinds Events selects: one item per rule that fired, with `zone` saying which.
 * - Membership comes from location pushes (damped at boundaries, ../zones/place.ts); the lock
 *   state and speed from status pushes. A status is placed by the newest fix when that fix is
 *   recent enough to say where the vehicle is; otherwise the next fix decides.
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { describeValue } from '../../../api/describe';
import { parseBoolean, parseNumber } from '../../../api/values';
import { millis, seconds } from '../memory/cells';
import { numberProperty, type NodeParameters } from '../parameters';
import { zoneDocument, type Zone, type ZoneDocument } from '../zones/document';
import { governingRule, vehicleTypeOf, zonesAt, type Governing, type VehicleTypes } from '../zones/place';
import { lastLocation } from './lastLocation';
import { ANCHOR_MAX_AGE_MS, movedWhileLocked, type LockState } from './movedWhileLocked';
import { newFix, position, type Fix, type PositionState } from './position';
import { NO_CHANGE, type Decision, type Push, type Rule, type StoredField, type Urgency } from './rule';

export const ZONE_RULES = ['entered', 'left', 'outside', 'rideThrough', 'parking', 'speed'] as const;
export type ZoneRuleName = (typeof ZONE_RULES)[number];

/** Below the limit by this much, a speeding vehicle is re-armed: a speed hovering at the limit fires once. */
export const SPEED_REARM_KPH = 3;
/** A status is placed by a fix at most this much older: riding vehicles send one every 10 s. */
const SPEED_FIX_MAX_AGE_MS = 60_000;

export interface ZoneSettings {
	document: ZoneDocument;
	rules: ReadonlySet<ZoneRuleName>;
	/** Entered / left only for these names (lower case); undefined: every zone. */
	names?: ReadonlySet<string>;
	marginMetres: number;
	types: VehicleTypes;
}

/** Episodes that fired and were not re-armed: outside, ride-through, parking, speed. */
type Episode = 'o' | 'r' | 'p' | 's';

export interface ZoneWatch {
	/** The document's fingerprint: zone indices mean nothing in another document. */
	doc: string;
	/** Own time of the fix the zones were decided from, epoch ms. */
	at: number;
	/** The zones it is in (ascending index), each with when it entered. */
	inside: ReadonlyArray<{ zone: number; since: number }>;
	/** Since when it has been outside every zone; 0 while in one. */
	outsideSince: number;
	fired: string;
}

export interface ZoneState {
	/** Replaced, never changed in place (records are shallow-copied). */
	zones?: ZoneWatch;
}

type Vehicle = Readonly<ZoneState & PositionState & LockState>;

const ruleOptions: Array<{ name: string; value: ZoneRuleName; description: string }> = [
	{ name: 'Entered a Zone', value: 'entered', description: 'Once per entry into a zone (only the named ones, if Only Zones Named is set)' },
	{
		name: 'Faster Than the Zone Allows',
		value: 'speed',
		description: `A status push whose speed is above the zone's maximum_speed_kph; again after ${SPEED_REARM_KPH} km/h below it or out of the zone`,
	},
	{ name: 'Left a Zone', value: 'left', description: 'Once per exit from a zone (only the named ones, if Only Zones Named is set)' },
	{ name: 'Outside Every Zone', value: 'outside', description: 'Once when a vehicle is in no zone (left the service area); again after it was back in one' },
	{
		name: 'Parked Where a Ride May Not End',
		value: 'parking',
		description: 'A locked vehicle in a zone whose rule has ride_allowed (v2.x) or ride_end_allowed (v3.0) false; again after it was unlocked',
	},
	{
		name: 'Ridden Where Riding Through Is Not Allowed',
		value: 'rideThrough',
		description: 'An unlocked vehicle in a zone whose rule has ride_through_allowed false; again after it left the zone or was locked',
	},
];

/** Shown once a zone rule is chosen. */
const withZoneRules = { displayOptions: { show: { zoneRules: [...ZONE_RULES] } } };

const parameters: INodeProperties[] = [
	{
		displayName: 'Zone Rules',
		name: 'zoneRules',
		type: 'multiOptions',
		default: [],
		description:
			'Rules that start the workflow when a vehicle breaks them, on its location and status pushes, whichever Events are selected. Each fires once per episode. Items carry zone: the rule, the zone, its GBFS rule, since when.',
		options: ruleOptions,
	},
	{
		displayName: 'Zones',
		name: 'zones',
		type: 'json',
		default: '',
		description:
			"The operator's zones: a GBFS geofencing zones document (the feed's geofencing_zones file, v2.1–v3.0) or a GeoJSON FeatureCollection of Polygon/MultiPolygon features with a name property. Where zones overlap, the one listed first decides. May be an expression.",
		typeOptions: { rows: 8 },
		...withZoneRules,
	},
	{
		// Events' default selects every push kind: without this a user adding zone rules would get
		// a run for every location and status push besides the zone breaks.
		displayName:
			'Zone rules start runs of their own. Location and Status selected in Events above still start runs as their settings say (All: every push). For zone breaks only, remove them from Events.',
		name: 'zoneEventsNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { zoneRules: [...ZONE_RULES], events: ['location', 'status'] } },
	},
];

const options: INodeProperties[] = [
	numberProperty(
		'zoneMargin',
		'Zone Boundary Margin (Metres)',
		15,
		0,
		500,
		"How far inside a zone a fix must be to enter it, and outside to leave it. Keeps GPS jitter (5–30 m for a parked scooter) at a boundary from firing enter/leave over and over. 0 takes every fix as it is.",
	),
	{
		displayName: 'Only Zones Named',
		name: 'zoneNames',
		type: 'string',
		default: '',
		placeholder: 'Old Town, Station Square',
		description: 'Comma-separated zone names: Entered and Left fire only for these. Empty: every zone.',
	},
	{
		displayName: 'Vehicle Type IDs',
		name: 'zoneVehicleTypes',
		type: 'string',
		default: '',
		placeholder: 'scooter',
		description:
			'The GBFS vehicle_type_id of the vehicles: one ID for all, or a JSON object of IoT code → ID ("*" for the rest). Zone rules that list vehicle types apply only to vehicles of those types; while this is empty, such rules are ignored.',
	},
];

/**
 * Values read so far, a few (one per trigger in the process, usually): parameters are read on
 * every push, and a fleet's map can hold thousands of vehicles.
 */
const TYPES_READ = new Map<unknown, VehicleTypes>();

function readTypes(raw: unknown): VehicleTypes {
	let types = TYPES_READ.get(raw);
	if (types === undefined) {
		types = parseTypes(raw);
		if (TYPES_READ.size >= 8) TYPES_READ.delete(TYPES_READ.keys().next().value);
		TYPES_READ.set(raw, types);
	}
	return types;
}

function parseTypes(raw: unknown): VehicleTypes {
	const text = typeof raw === 'string' ? raw.trim() : raw;
	if (text === '' || text === undefined || text === null) return {};
	const object: unknown = typeof text === 'string' && text.startsWith('{') ? JSON.parse(text) : text;
	if (typeof object === 'string') return { all: object };
	if (typeof object !== 'object' || object === null || Array.isArray(object)) throw new Error('expected a vehicle type id or a JSON object of IoT code → vehicle type id');
	const byVehicle = new Map<string, string>();
	for (const [code, type] of Object.entries(object)) {
		if (typeof type !== 'string') throw new Error(`the type of ${describeValue(code)} is ${describeValue(type)}: expected a vehicle type id`);
		byVehicle.set(code, type);
	}
	const all = byVehicle.get('*');
	byVehicle.delete('*');
	return all === undefined ? { byVehicle } : { all, byVehicle };
}

function readZoneSettings(read: NodeParameters): ZoneSettings | undefined {
	const rules = read.subsetOf('zoneRules', ZONE_RULES);
	if (rules.length === 0) return undefined;
	const document = read.parsed('zones', (raw) => {
		const read = zoneDocument(raw);
		if (read === undefined) throw new Error('no document is set; the zone rules need a GBFS geofencing_zones.json or a GeoJSON FeatureCollection');
		return read;
	});
	const names = read.parsed('options.zoneNames', (raw) =>
		String(raw ?? '')
			.split(',')
			.map((name) => name.trim().toLowerCase())
			.filter((name) => name !== ''),
	);
	return {
		document,
		rules: new Set(rules),
		names: names.length > 0 ? new Set(names) : undefined,
		marginMetres: read.number('options.zoneMargin'),
		types: read.parsed('options.zoneVehicleTypes', readTypes),
	};
}

/** What one firing adds to its item. */
function zoneItem(rule: ZoneRuleName, zone: Zone | undefined, governing: Governing | undefined, since: number, at: number, fix: Fix | undefined, now: number, extra: IDataObject = {}): IDataObject {
	const about = zone ?? governing?.zone;
	return {
		zone: {
			rule,
			name: about?.name ?? null,
			feature: about?.index ?? null,
			global: governing !== undefined && governing.zone === undefined,
			gbfsRule: (governing?.rule.written as IDataObject | undefined) ?? null,
			...extra,
			since: new Date(since).toISOString(),
			durationSeconds: Math.max(0, Math.round((at - since) / 1000)),
		},
		lastLocation: lastLocation(fix, now),
	};
}

/**
 * The episodes of one vehicle: each fired one with the place it fired for (the governing zone's
 * index, `g` for a global rule, nothing for outside), so that breaking the same rule in the next
 * zone (one no-ride park straight into another, a 10 km/h zone into a 20 km/h one) is an episode
 * of its own. Written as `o;r3;sg`.
 */
class Episodes {
	private readonly fired: Map<string, string>;
	changed = false;
	constructor(text: string) {
		this.fired = new Map(text === '' ? [] : text.split(';').map((entry) => [entry[0], entry.slice(1)]));
	}
	/** Whether the episode fires now: its condition holds here and it has not fired for here since it was re-armed. */
	step(episode: Episode, holds: boolean, on: boolean, place = ''): boolean {
		const firedFor = this.fired.get(episode);
		if (!holds) {
			if (firedFor !== undefined) {
				this.fired.delete(episode);
				this.changed = true;
			}
			return false;
		}
		if (!on || firedFor === place) return false;
		this.fired.set(episode, place);
		this.changed = true;
		return true;
	}
	toString(): string {
		return [...this.fired].map(([episode, place]) => episode + place).sort().join(';');
	}
}

const placeOf = (governing: Governing | undefined): string => (governing === undefined ? '' : governing.zone === undefined ? 'g' : String(governing.zone.index));

function decision(items: IDataObject[], next: ZoneWatch, urgency: Urgency): Decision<ZoneState> {
	return { fires: items.length > 0, items, next: { zones: next }, urgency: items.length > 0 ? 'critical' : urgency };
}

function onFix(settings: ZoneSettings, vehicle: Vehicle, watch: ZoneWatch | undefined, push: Push, now: number): Decision<ZoneState> {
	const fix = newFix(vehicle.fix, push);
	if (fix === undefined || (watch !== undefined && fix.at <= watch.at)) return NO_CHANGE;
	const { document, rules, names } = settings;
	const before = watch === undefined ? undefined : new Set(watch.inside.map((m) => m.zone));
	const zonesNow = zonesAt(document, fix.longitude, fix.latitude, fix.at, settings.marginMetres, before);
	const inside = zonesNow.map((zone) => ({ zone, since: watch?.inside.find((m) => m.zone === zone)?.since ?? fix.at }));
	const outsideSince = inside.length > 0 ? 0 : watch?.outsideSince || fix.at;
	const episodes = new Episodes(watch?.fired ?? '');
	const items: IDataObject[] = [];
	const named = (zone: Zone) => names === undefined || (zone.name !== null && names.has(zone.name.toLowerCase()));
	let crossed = false;
	if (watch !== undefined) {
		for (const { zone, since } of watch.inside) {
			if (zonesNow.includes(zone)) continue;
			crossed = true;
			const left = document.zones[zone];
			if (rules.has('left') && named(left)) items.push(zoneItem('left', left, undefined, since, fix.at, fix, now));
		}
		for (const zone of zonesNow) {
			if (before!.has(zone)) continue;
			crossed = true;
			const entered = document.zones[zone];
			if (rules.has('entered') && named(entered)) items.push(zoneItem('entered', entered, undefined, fix.at, fix.at, fix, now));
		}
	}
	if (episodes.step('o', inside.length === 0, rules.has('outside'))) items.push(zoneItem('outside', undefined, undefined, outsideSince, fix.at, fix, now));
	const type = vehicleTypeOf(settings.types, push.fields.iotCode);
	const governing = governingRule(document, zonesNow, type, fix.at);
	const sinceIn = (g: Governing) => (g.zone === undefined ? outsideSince : (inside.find((m) => m.zone === g.zone!.index)?.since ?? fix.at));
	const lock = vehicle.lock;
	const here = placeOf(governing);
	if (episodes.step('r', lock?.locked === false && governing !== undefined && !governing.rule.rideThroughAllowed, rules.has('rideThrough'), here)) {
		items.push(zoneItem('rideThrough', undefined, governing, sinceIn(governing!), fix.at, fix, now));
	}
	const parked = lock?.locked === true && fix.at >= lock.at - ANCHOR_MAX_AGE_MS;
	if (episodes.step('p', parked && governing !== undefined && !governing.rule.rideEndAllowed, rules.has('parking'), here)) {
		items.push(zoneItem('parking', undefined, governing, lock!.at, fix.at, fix, now, { lockedAt: new Date(lock!.at).toISOString() }));
	}
	if (governing?.rule.maximumSpeedKph === undefined) episodes.step('s', false, false);
	const next: ZoneWatch = { doc: document.fingerprint, at: fix.at, inside, outsideSince, fired: episodes.toString() };
	// A fire or a re-arm must survive a restart (decision() makes a fire critical); a crossing no
	// rule fired for can wait for the spread-out writes.
	return decision(items, next, episodes.changed ? 'critical' : watch === undefined || crossed ? 'changed' : 'none');
}

function onStatus(settings: ZoneSettings, vehicle: Vehicle, watch: ZoneWatch | undefined, push: Push, now: number): Decision<ZoneState> {
	if (watch === undefined || (vehicle.lock !== undefined && push.atMs < vehicle.lock.at)) return NO_CHANGE;
	const { document, rules } = settings;
	const locked = parseBoolean(push.fields.locked);
	const speed = parseNumber(push.fields.speed);
	const type = vehicleTypeOf(settings.types, push.fields.iotCode);
	const zones = watch.inside.map((m) => m.zone);
	const episodes = new Episodes(watch.fired);
	const items: IDataObject[] = [];
	const fix = vehicle.fix;
	const sinceIn = (g: Governing) => (g.zone === undefined ? watch.outsideSince : (watch.inside.find((m) => m.zone === g.zone!.index)?.since ?? watch.at));

	const placed = watch.at >= push.atMs - ANCHOR_MAX_AGE_MS;
	const governing = placed ? governingRule(document, zones, type, push.atMs) : undefined;
	if (locked === false) episodes.step('p', false, false);
	else if (locked === true && placed) {
		const lockedAt = vehicle.lock?.locked === true ? vehicle.lock.at : push.atMs;
		if (episodes.step('p', governing !== undefined && !governing.rule.rideEndAllowed, rules.has('parking'), placeOf(governing))) {
			items.push(zoneItem('parking', undefined, governing, lockedAt, push.atMs, fix, now, { lockedAt: new Date(lockedAt).toISOString() }));
		}
	}
	if (locked === true) episodes.step('r', false, false);

	const limit = watch.at >= push.atMs - SPEED_FIX_MAX_AGE_MS ? governing?.rule.maximumSpeedKph : undefined;
	if (speed !== undefined && limit !== undefined) {
		if (speed > limit) {
			if (episodes.step('s', true, rules.has('speed'), placeOf(governing))) {
				items.push(zoneItem('speed', undefined, governing, sinceIn(governing!), push.atMs, fix, now, { speedKph: speed, maximumSpeedKph: limit }));
			}
		} else if (speed <= limit - SPEED_REARM_KPH) episodes.step('s', false, false);
	} else if (placed && governing?.rule.maximumSpeedKph === undefined) episodes.step('s', false, false);

	if (!episodes.changed) return NO_CHANGE;
	return decision(items, { ...watch, fired: episodes.toString() }, 'critical');
}

const FIRED = /^(?:[orps](?:\d+|g)?(?:;[orps](?:\d+|g)?)*)?$/;

/** `3@1733350000;7@1733350100` (zone@since), or `out@since` outside every zone. */
function writeInside(watch: ZoneWatch): string {
	return watch.inside.length === 0 ? `out@${seconds(watch.outsideSince)}` : watch.inside.map((m) => `${m.zone}@${seconds(m.since)}`).join(';');
}

const zonesField: StoredField<ZoneWatch> = {
	columns: ['zoneDoc', 'zoneAt', 'zoneIn', 'zoneFired'],
	write: (watch) => `${watch.doc},${seconds(watch.at)},${writeInside(watch)},${watch.fired}`,
	read([doc, at, inside, fired]) {
		const atMs = millis(at);
		if (doc === '' || atMs === 0 || !FIRED.test(fired)) return undefined;
		const entries = inside.split(';').map((entry) => entry.split('@'));
		if (entries.length === 1 && entries[0][0] === 'out') return { doc, at: atMs, inside: [], outsideSince: millis(entries[0][1]), fired };
		const members = entries.map(([zone, since]) => ({ zone: Number(zone), since: millis(since) }));
		if (!members.every((m) => Number.isInteger(m.zone) && m.zone >= 0 && m.since > 0)) return undefined;
		return { doc, at: atMs, inside: members.sort((a, b) => a.zone - b.zone), outsideSince: 0, fired };
	},
	// Forgotten, a vehicle would fire again for an episode it already fired for.
	mustKeep: (watch) => watch.fired !== '',
};

export const zones: Rule<ZoneSettings, ZoneState, PositionState & LockState> = {
	parameters,
	options,
	settings: readZoneSettings,
	starts: ['location', 'status'],
	needs: [position, movedWhileLocked],
	remembers: { zones: zonesField },
	decide(settings, vehicle, push, now) {
		const watch = vehicle.zones?.doc === settings.document.fingerprint ? vehicle.zones : undefined;
		return push.event === 'location' ? onFix(settings, vehicle, watch, push, now) : onStatus(settings, vehicle, watch, push, now);
	},
};
