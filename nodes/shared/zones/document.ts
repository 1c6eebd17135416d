/**
 * The operator's zones, read from what they already publish: a GBFS `geofencing_zones.json`
 * (v2.1–v3.0, each version's own field names) or a plain GeoJSON FeatureCollection of Polygon
 * and MultiPolygon features with a `name` property (what geojson.io and QGIS export). Nothing is
 * guessed: a document that does not say what a zone rule needs is refused with the feature and
 * the field, since a zone read wrongly would alert on every ride or on none.
 */
import { describeJsonProblem, describeValue } from '../../../api/describe';
import { BoxGrid, indexPolygon, unionBox, type Box, type IndexedPolygon, type Position, type Ring } from './geometry';

/** What one GBFS rule allows, with the rule as the document wrote it (shown on items). */
export interface ZoneRule {
	/** Undefined: every vehicle type. */
	vehicleTypeIds?: readonly string[];
	rideStartAllowed: boolean;
	rideEndAllowed: boolean;
	rideThroughAllowed: boolean;
	maximumSpeedKph?: number;
	written: Readonly<Record<string, unknown>>;
}

export interface Zone {
	/** Its position in the document's features, from 0: lower decides where zones overlap. */
	index: number;
	name: string | null;
	polygons: IndexedPolygon[];
	box: Box;
	/** Active from / until, epoch ms; undefined: always. */
	start?: number;
	end?: number;
	rules: ZoneRule[];
}

export interface ZoneDocument {
	/** `2.3`, `3.0`, or `geojson` for a plain FeatureCollection. */
	format: string;
	zones: Zone[];
	/** v3.0: what applies where no zone has a rule for the vehicle. */
	globalRules: ZoneRule[];
	vertices: number;
	grid: BoxGrid;
	/** Changes with any change of the document: remembered zone indices only hold for the same one. */
	fingerprint: string;
}

/** Bounds on what one trigger keeps in memory and reads at activation. */
export const ZONE_LIMITS = { zones: 10_000, vertices: 1_000_000, characters: 64 * 1024 * 1024 } as const;

export class ZoneDocumentError extends Error {}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** GBFS versions whose geofencing_zones.json this reads; v2.1 introduced the file. */
const V2 = /^2\.[1-9]\b/;
const V3 = /^3\.\d/;

/** The document read and indexed; undefined when empty (no zones configured). */
export function readZoneDocument(raw: unknown, fingerprint: string): ZoneDocument | undefined {
	const document = typeof raw === 'string' ? parseText(raw) : raw;
	if (document === undefined || document === null || (isObject(document) && Object.keys(document).length === 0)) return undefined;
	if (!isObject(document)) throw new ZoneDocumentError(`expected a JSON object (a GBFS geofencing_zones.json or a GeoJSON FeatureCollection), got ${kind(document)}`);

	let format: string;
	let collection: Json;
	let globalRules: unknown;
	if (isObject(document.data)) {
		const version = String(document.version ?? '');
		if (V3.test(version)) format = version;
		else if (V2.test(version)) format = version;
		else throw new ZoneDocumentError(`"version" is ${describeValue(document.version)}: expected a GBFS version from 2.1 (geofencing_zones.json exists since 2.1) to 3.x`);
		const zones = document.data.geofencing_zones;
		if (!isObject(zones)) throw new ZoneDocumentError('data.geofencing_zones is missing: expected a GeoJSON FeatureCollection');
		collection = zones;
		globalRules = document.data.global_rules;
	} else if (document.type === 'FeatureCollection') {
		format = 'geojson';
		collection = document;
	} else {
		throw new ZoneDocumentError('expected a GBFS geofencing_zones.json (with "version" and "data.geofencing_zones") or a GeoJSON FeatureCollection');
	}
	const features = collection.features;
	if (!Array.isArray(features)) throw new ZoneDocumentError('the FeatureCollection has no "features" list');
	if (features.length > ZONE_LIMITS.zones) throw new ZoneDocumentError(`${features.length} zones: at most ${ZONE_LIMITS.zones} are allowed`);

	const v3 = V3.test(format);
	const reader = new FeatureReader(format, v3);
	const zones = features.map((feature, index) => reader.zone(feature, index));
	const global = globalRules === undefined ? [] : reader.globalRules(globalRules);
	if (zones.length === 0 && global.length === 0) throw new ZoneDocumentError('the document has no zones');
	return { format, zones, globalRules: global, vertices: reader.vertices, grid: new BoxGrid(zones.map((zone) => zone.box)), fingerprint };
}

function parseText(text: string): unknown {
	if (text.trim() === '') return undefined;
	if (text.length > ZONE_LIMITS.characters) throw new ZoneDocumentError(`${text.length} characters: at most ${ZONE_LIMITS.characters} are allowed`);
	let problem: string;
	try {
		return JSON.parse(text) as unknown;
	} catch (error) {
		problem = describeJsonProblem(error);
	}
	throw new ZoneDocumentError(`not valid JSON: ${problem}`);
}

const kind = (value: unknown) => (Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value);

class FeatureReader {
	vertices = 0;
	private where = '';

	constructor(
		private readonly format: string,
		private readonly v3: boolean,
	) {}

	zone(feature: unknown, index: number): Zone {
		this.where = `feature ${index}`;
		if (!isObject(feature)) throw this.error(`is ${kind(feature)}: expected a GeoJSON Feature`);
		const properties = isObject(feature.properties) ? feature.properties : {};
		const name = this.name(properties.name);
		if (name !== null) this.where = `feature ${index} (${describeValue(name)})`;
		const polygons = this.geometry(feature.geometry).map((rings) => indexPolygon(rings));
		const box = unionBox(polygons.map((p) => p.box));
		const zone: Zone = { index, name, polygons, box, rules: properties.rules === undefined ? [] : this.rules(properties.rules, 'rules') };
		const start = this.time(properties.start, 'start');
		const end = this.time(properties.end, 'end');
		if (start !== undefined) zone.start = start;
		if (end !== undefined) zone.end = end;
		if (start !== undefined && end !== undefined && end <= start) throw this.error(`ends (${describeValue(properties.end)}) before it starts (${describeValue(properties.start)})`);
		return zone;
	}

	globalRules(list: unknown): ZoneRule[] {
		this.where = 'data';
		return this.rules(list, 'global_rules');
	}

	private rules(list: unknown, path: string): ZoneRule[] {
		if (!Array.isArray(list)) throw this.error(`${path} is ${kind(list)}: expected a list of rules`);
		return list.map((rule, i) => this.rule(rule, `${path}[${i}]`));
	}

	/** A name as text, or the first text of a localized list (v3.0). */
	private name(value: unknown): string | null {
		if (typeof value === 'string') return value;
		if (Array.isArray(value)) {
			const texts = value.filter(isObject).map((entry) => entry.text);
			const text = texts.find((t): t is string => typeof t === 'string');
			return text ?? null;
		}
		return null;
	}

	private geometry(geometry: unknown): Ring[][] {
		if (!isObject(geometry)) throw this.error('has no geometry: expected a Polygon or MultiPolygon');
		const { type, coordinates } = geometry;
		if (type === 'Polygon') return [this.polygon(coordinates, 'coordinates')];
		if (type !== 'MultiPolygon') throw this.error(`${typeof type === 'string' ? `has a ${describeValue(type)} geometry` : `has a geometry whose type is ${describeValue(type)}`}: expected a Polygon or MultiPolygon`);
		if (!Array.isArray(coordinates) || coordinates.length === 0) throw this.error('has a MultiPolygon without polygons');
		return coordinates.map((polygon, i) => this.polygon(polygon, `coordinates[${i}]`));
	}

	private polygon(rings: unknown, path: string): Ring[] {
		if (!Array.isArray(rings) || rings.length === 0) throw this.error(`${path} holds no rings: expected [outer ring, …holes]`);
		return rings.map((ring, i) => this.ring(ring, `${path}[${i}]`));
	}

	private ring(ring: unknown, path: string): Ring {
		if (!Array.isArray(ring) || ring.length < 4) {
			throw this.error(`${path} has ${Array.isArray(ring) ? ring.length : 0} positions: a ring needs at least 4, the last equal to the first`);
		}
		const positions = ring.map((position, i) => this.position(position, `${path}[${i}]`));
		const [first, last] = [positions[0], positions[positions.length - 1]];
		if (first[0] !== last[0] || first[1] !== last[1]) throw this.error(`${path} is not closed: its last position must equal its first (GeoJSON)`);
		this.vertices += positions.length - 1;
		if (this.vertices > ZONE_LIMITS.vertices) throw this.error(`brings the document over ${ZONE_LIMITS.vertices} vertices`);
		return positions;
	}

	private position(value: unknown, path: string): Position {
		if (!Array.isArray(value) || typeof value[0] !== 'number' || typeof value[1] !== 'number') {
			throw this.error(`${path} is ${describeValue(value)}: expected [longitude, latitude] as two numbers`);
		}
		const [longitude, latitude] = value as [number, number];
		if (!(Math.abs(longitude) <= 180) || !(Math.abs(latitude) <= 90)) {
			throw this.error(`${path} is [${longitude}, ${latitude}]: longitude must be from -180 to 180 and latitude from -90 to 90 (GeoJSON puts longitude first)`);
		}
		return [longitude, latitude];
	}

	/** POSIX seconds (v2.x) or RFC 3339 (v3.0); either is taken, since hand-made files mix them. */
	private time(value: unknown, field: string): number | undefined {
		if (value === undefined || value === null) return undefined;
		if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000;
		if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)) {
			const ms = Date.parse(value);
			if (Number.isFinite(ms)) return ms;
		}
		throw this.error(`"${field}" is ${describeValue(value)}: expected ${this.v3 ? 'an RFC 3339 date-time' : 'POSIX seconds'}`);
	}

	private rule(value: unknown, path: string): ZoneRule {
		if (!isObject(value)) throw this.error(`${path} is ${kind(value)}: expected a rule object`);
		const flag = (field: string): boolean => {
			const v = value[field];
			if (typeof v !== 'boolean') throw this.error(`${path}.${field} is ${v === undefined ? 'missing' : describeValue(v)}: GBFS ${this.format} requires true or false`);
			return v;
		};
		// v2.x: one flag for starting and ending a ride; v3.0 split it. A plain GeoJSON file may use either.
		const v3Fields = this.v3 || (this.format === 'geojson' && value.ride_allowed === undefined);
		const [start, end] = v3Fields ? [flag('ride_start_allowed'), flag('ride_end_allowed')] : [flag('ride_allowed'), flag('ride_allowed')];
		const rule: ZoneRule = { rideStartAllowed: start, rideEndAllowed: end, rideThroughAllowed: flag('ride_through_allowed'), written: value };
		const speed = value.maximum_speed_kph;
		if (speed !== undefined) {
			if (typeof speed !== 'number' || !(speed >= 0)) throw this.error(`${path}.maximum_speed_kph is ${describeValue(speed)}: expected a number of 0 or more`);
			rule.maximumSpeedKph = speed;
		}
		const typesField = this.v3 ? 'vehicle_type_ids' : value.vehicle_type_ids !== undefined ? 'vehicle_type_ids' : 'vehicle_type_id';
		const types = value[typesField];
		if (types !== undefined) {
			if (!Array.isArray(types) || !types.every((t) => typeof t === 'string')) throw this.error(`${path}.${typesField} is ${describeValue(types)}: expected a list of vehicle type ids`);
			rule.vehicleTypeIds = types as string[];
		}
		return rule;
	}

	private error(problem: string): ZoneDocumentError {
		return new ZoneDocumentError(`${this.where} ${problem}`);
	}
}

/**
 * The document behind a parameter's value, read once per distinct value: the trigger reads its
 * parameters on every push, and a city's document takes milliseconds to index. A value from an
 * expression may be an object; it is keyed by its text then. A refused document is remembered as
 * refused, so a bad one costs one read, not one per push.
 */
export function zoneDocument(raw: unknown): ZoneDocument | undefined {
	if (raw === undefined || raw === null || raw === '') return undefined;
	if (typeof raw === 'object') {
		let text = TEXT_OF.get(raw);
		if (text === undefined) TEXT_OF.set(raw, (text = JSON.stringify(raw)));
		return zoneDocument(text);
	}
	if (typeof raw !== 'string') throw new ZoneDocumentError(`expected a JSON document, got ${kind(raw)}`);
	let read = READ.get(raw);
	if (read === undefined) {
		let caught: unknown;
		try {
			read = { document: readZoneDocument(raw, fingerprint(raw)) };
		} catch (error) {
			caught = error;
		}
		// Only a refused document is remembered; anything else is a defect and goes up as it is.
		if (read === undefined && !(caught instanceof ZoneDocumentError)) throw caught;
		read ??= { error: caught as ZoneDocumentError };
		if (READ.size >= CACHED_DOCUMENTS) READ.delete(READ.keys().next().value as string);
		READ.set(raw, read);
	}
	if (read.error !== undefined) throw read.error;
	return read.document;
}

const CACHED_DOCUMENTS = 8;
const READ = new Map<string, { document?: ZoneDocument; error?: ZoneDocumentError }>();
const TEXT_OF = new WeakMap<object, string>();

/** FNV-1a of the text with its length: a short tag that changes when the document does. */
function fingerprint(text: string): string {
	let hash = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
	return `${(hash >>> 0).toString(36)}.${text.length.toString(36)}`;
}
