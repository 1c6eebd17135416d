/**
 * Reading the operator's zones (nodes/shared/zones/document.ts): each GBFS version's own field
 * names, plain GeoJSON, and refusals that name the feature and what is wrong.
 */
import { readZoneDocument, zoneDocument, ZoneDocumentError, type ZoneDocument } from '../../nodes/shared/zones/document';
import { governingRule, zonesAt } from '../../nodes/shared/zones/place';
import { ring } from './shapes';

const feature = (properties: object, coordinates: unknown = [[ring(13.4, 52.5, 13.41, 52.51)]], type = 'MultiPolygon') => ({
	type: 'Feature',
	properties,
	geometry: { type, coordinates },
});
const gbfs = (version: string, features: unknown[], extra: object = {}) => ({
	last_updated: 1_700_000_000,
	ttl: 60,
	version,
	data: { geofencing_zones: { type: 'FeatureCollection', features }, ...extra },
});
const read = (document: unknown): ZoneDocument => readZoneDocument(JSON.stringify(document), 'f')!;
const refusal = (document: unknown): string => {
	try {
		readZoneDocument(JSON.stringify(document), 'f');
	} catch (error) {
		expect(error).toBeInstanceOf(ZoneDocumentError);
		return (error as Error).message;
	}
	throw new Error('not refused');
};

test('GBFS v2.3: name text, POSIX start/end, ride_allowed for both start and end, vehicle_type_id', () => {
	const document = read(
		gbfs('2.3', [
			feature({
				name: 'Old Town',
				start: 1_700_000_000,
				end: 1_800_000_000,
				rules: [{ vehicle_type_id: ['scooter'], ride_allowed: false, ride_through_allowed: true, maximum_speed_kph: 10 }],
			}),
		]),
	);
	const [zone] = document.zones;
	expect(document.format).toBe('2.3');
	expect(zone).toMatchObject({ index: 0, name: 'Old Town', start: 1_700_000_000_000, end: 1_800_000_000_000 });
	expect(zone.rules[0]).toMatchObject({ vehicleTypeIds: ['scooter'], rideStartAllowed: false, rideEndAllowed: false, rideThroughAllowed: true, maximumSpeedKph: 10 });
});

test('GBFS v3.0: localized name, RFC 3339 times, ride_start/end_allowed, vehicle_type_ids and global rules', () => {
	const document = read(
		gbfs(
			'3.0',
			[
				feature({
					name: [{ text: 'Altstadt', language: 'de' }],
					start: '2023-11-14T22:13:20Z',
					rules: [{ vehicle_type_ids: ['bike'], ride_start_allowed: true, ride_end_allowed: false, ride_through_allowed: true }],
				}),
			],
			{ global_rules: [{ ride_start_allowed: true, ride_end_allowed: true, ride_through_allowed: false, maximum_speed_kph: 20 }] },
		),
	);
	expect(document.zones[0]).toMatchObject({ name: 'Altstadt', start: 1_700_000_000_000 });
	expect(document.zones[0].rules[0]).toMatchObject({ vehicleTypeIds: ['bike'], rideStartAllowed: true, rideEndAllowed: false });
	expect(document.globalRules[0]).toMatchObject({ rideThroughAllowed: false, maximumSpeedKph: 20 });
	// Outside every zone the global rule governs; in the zone, its rule does only for bikes.
	expect(governingRule(document, [], undefined, 1_800_000_000_000)?.zone).toBeUndefined();
	expect(governingRule(document, [0], 'bike', 1_800_000_000_000)?.zone?.name).toBe('Altstadt');
	expect(governingRule(document, [0], 'scooter', 1_800_000_000_000)?.zone).toBeUndefined();
});

test('plain GeoJSON: Polygon and MultiPolygon features, names, no rules needed', () => {
	const document = read({
		type: 'FeatureCollection',
		features: [feature({ name: 'A' }, [ring(0, 0, 1, 1)], 'Polygon'), feature({ name: 'B' }, [[ring(2, 2, 3, 3)], [ring(4, 4, 5, 5)]])],
	});
	expect(document.format).toBe('geojson');
	expect(document.zones.map((z) => [z.name, z.polygons.length, z.rules.length])).toEqual([
		['A', 1, 0],
		['B', 2, 0],
	]);
	expect(zonesAt(document, 4.5, 4.5, 0, 0, undefined)).toEqual([1]);
	expect(zonesAt(document, 3.5, 3.5, 0, 0, undefined)).toEqual([]);
});

test('overlapping zones: every containing zone is listed, and the first listed with a rule decides', () => {
	const document = read(
		gbfs('2.2', [
			feature({ name: 'No ride', rules: [{ ride_allowed: false, ride_through_allowed: false }] }, [[ring(13.4, 52.5, 13.41, 52.51)]]),
			feature({ name: 'Area', rules: [{ ride_allowed: true, ride_through_allowed: true }] }, [[ring(13, 52, 14, 53)]]),
		]),
	);
	expect(zonesAt(document, 13.405, 52.505, 0, 0, undefined)).toEqual([0, 1]);
	expect(governingRule(document, [0, 1], undefined, 0)?.zone?.name).toBe('No ride');
});

test.each([
	[gbfs('2.3', [feature({ name: 'Gap' }, [[[[13.4, 52.5], [13.41, 52.5], [13.41, 52.51], [13.4, 52.51]]]])]), 'feature 0 ("Gap") coordinates[0][0] is not closed'],
	[gbfs('2.3', [feature({}), feature({ name: 'Flipped' }, [[ring(13.4, 52.5, 13.41, 92)]])]), 'feature 1 ("Flipped") coordinates[0][0][2] is [13.41, 92]: longitude must be from -180 to 180 and latitude from -90 to 90'],
	[gbfs('2.3', [feature({ name: 'Old', rules: [{ ride_through_allowed: true }] })]), 'feature 0 ("Old") rules[0].ride_allowed is missing: GBFS 2.3 requires true or false'],
	[gbfs('3.0', [feature({ rules: [{ ride_allowed: true, ride_through_allowed: true }] })]), 'feature 0 rules[0].ride_start_allowed is missing: GBFS 3.0 requires true or false'],
	[gbfs('2.3', [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [13, 52] } }]), 'feature 0 has a "Point" geometry: expected a Polygon or MultiPolygon'],
	[gbfs('2.0', [feature({})]), '"version" is "2.0": expected a GBFS version from 2.1'],
	[gbfs('2.3', [feature({ start: '2024-01-01' })]), 'feature 0 "start" is "2024-01-01": expected POSIX seconds'],
	[gbfs('2.3', [feature({ start: 20, end: 10 })]), 'feature 0 ends (10) before it starts (20)'],
	[gbfs('2.3', []), 'the document has no zones'],
	[{ type: 'Feature' }, 'expected a GBFS geofencing_zones.json'],
])('refused, naming the feature and what is wrong: %#', (document, message) => {
	expect(refusal(document)).toContain(message);
});

test('text that is no JSON, and an empty value (no zones)', () => {
	expect(() => zoneDocument('{"version": ')).toThrow(/not valid JSON/);
	expect(zoneDocument('')).toBeUndefined();
	expect(zoneDocument('   ')).toBeUndefined();
});

test('one read per distinct value: the same text or object gives the same document; a refusal is remembered', () => {
	const text = JSON.stringify(gbfs('2.3', [feature({ name: 'A' })]));
	expect(zoneDocument(text)).toBe(zoneDocument(`${text}`));
	const object = JSON.parse(text) as object;
	expect(zoneDocument(object)).toBe(zoneDocument(object));
	expect(zoneDocument(object)).toBe(zoneDocument(text));
	expect(zoneDocument(text + ' ')?.fingerprint).not.toBe(zoneDocument(text)?.fingerprint);
	const bad = JSON.stringify(gbfs('2.3', [feature({ name: 'Bad' }, [[[[0, 0], [1, 0], [1, 1], [0, 1]]]])]));
	let first: unknown;
	try {
		zoneDocument(bad);
	} catch (error) {
		first = error;
	}
	expect(first).toBeInstanceOf(ZoneDocumentError);
	expect(() => zoneDocument(bad)).toThrow(first as Error);
});
