/**
 * Zone rules (nodes/shared/rules/zones.ts) through the trigger's decision (decide.ts), as plain
 * values: each rule fires once per episode and re-arms when its condition ends; GPS jitter at a
 * boundary does not flap; start/end windows, vehicle types and a changed document.
 */
import type { IDataObject } from 'n8n-workflow';

import { decidePush, type ActiveRule } from '../../nodes/SegwayFleetTrigger/decide';
import { decodeVehicles, encodeVehicles, emptyRecord } from '../../nodes/shared/memory/codec';
import type { VehicleState } from '../../nodes/shared/rules';
import { movedWhileLocked } from '../../nodes/shared/rules/movedWhileLocked';
import { position } from '../../nodes/shared/rules/position';
import type { PushEvent } from '../../api/catalog/pushes';
import { zones, ZONE_RULES, type ZoneRuleName, type ZoneSettings } from '../../nodes/shared/rules/zones';
import { zoneDocument } from '../../nodes/shared/zones/document';
import { METRES_PER_DEGREE } from '../../nodes/shared/zones/geometry';
import { square } from '../zones/shapes';

const rule = (allowed: boolean, through: boolean, extra: object = {}) => ({ ride_allowed: allowed, ride_through_allowed: through, ...extra });
/** Berlin-sized: a service area with a no-ride park, a slow old town, a no-parking square (listed first, so it decides). */
const CITY = {
	last_updated: 1_700_000_000,
	ttl: 0,
	version: '2.3',
	data: {
		geofencing_zones: {
			type: 'FeatureCollection',
			features: [
				{ type: 'Feature', properties: { name: 'Station Square', rules: [rule(false, true)] }, geometry: { type: 'MultiPolygon', coordinates: [square(13.43, 52.52, 13.432, 52.522)] } },
				{ type: 'Feature', properties: { name: 'Park', rules: [rule(false, false)] }, geometry: { type: 'MultiPolygon', coordinates: [square(13.40, 52.50, 13.41, 52.51)] } },
				{ type: 'Feature', properties: { name: 'Old Town', rules: [rule(true, true, { maximum_speed_kph: 10 })] }, geometry: { type: 'MultiPolygon', coordinates: [square(13.42, 52.51, 13.44, 52.53)] } },
				{ type: 'Feature', properties: { name: 'Service area', rules: [rule(true, true)] }, geometry: { type: 'MultiPolygon', coordinates: [square(13.3, 52.4, 13.5, 52.6)] } },
			],
		},
	},
};
const PLACES = {
	street: [13.35, 52.45],
	park: [13.405, 52.505],
	oldTown: [13.425, 52.515],
	square: [13.431, 52.521],
	outside: [13.6, 52.45],
} as const;

const T = 1_795_000_000_000;

/** One vehicle's pushes through the trigger's decision, its state carried as the memory would. */
class Vehicle {
	state: Partial<VehicleState> | undefined;
	at = T;
	readonly rules: ActiveRule[];

	constructor(on: readonly ZoneRuleName[] = ZONE_RULES, overrides: Partial<ZoneSettings> = {}, document: unknown = CITY) {
		const settings: ZoneSettings = { document: zoneDocument(JSON.stringify(document))!, rules: new Set(on), marginMetres: 15, types: {}, ...overrides };
		this.rules = [
			{ rule: position, settings: undefined },
			{ rule: movedWhileLocked, settings: undefined },
			{ rule: zones, settings },
		];
	}

	push(event: PushEvent, fields: Record<string, string>, stepMs = 10_000): { rules: string[]; items: IDataObject[]; urgency: string; emit: boolean } {
		this.at += stepMs;
		const decision = decidePush(this.rules, { event, fields: { iotCode: '861477038710001', ...fields }, atMs: this.at }, false, this.state as VehicleState | undefined, this.at);
		if (decision.vehicle !== undefined) this.state = { ...emptyRecord(), ...this.state, ...decision.vehicle };
		const zone = (item: IDataObject) => item.zone as IDataObject;
		return { rules: decision.items.map((item) => `${String(zone(item).rule)}:${String(zone(item).name)}`), items: decision.items, urgency: decision.urgency, emit: decision.emit };
	}

	at_([longitude, latitude]: readonly number[]) {
		return this.push('location', { locationStatus: 'valid', latitude: String(latitude), longitude: String(longitude) });
	}

	status(locked: boolean, speed = 0) {
		return this.push('status', { locked: String(locked), speed: String(speed) });
	}
}

test('entered and left: per zone and crossing, not on the first fix; overlapping zones each count', () => {
	const v = new Vehicle(['entered', 'left']);
	expect(v.at_(PLACES.park).rules).toEqual([]);
	expect(v.at_(PLACES.street).rules).toEqual(['left:Park']);
	expect(v.at_(PLACES.street).rules).toEqual([]);
	expect(v.at_(PLACES.oldTown).rules).toEqual(['entered:Old Town']);
	expect(v.at_(PLACES.square).rules).toEqual(['entered:Station Square']);
	const out = v.at_(PLACES.outside);
	expect(out.rules).toEqual(['left:Station Square', 'left:Old Town', 'left:Service area']);
	expect(out.items[1]).toMatchObject({ zone: { rule: 'left', name: 'Old Town', feature: 2, durationSeconds: 20 }, lastLocation: { latitude: 52.45, longitude: 13.6 } });
	expect(String((out.items[1].lastLocation as IDataObject).mapUrl)).toContain('mlat=52.45');
	expect(out.urgency).toBe('critical');
});

test('entered and left only for the named zones', () => {
	const v = new Vehicle(['entered', 'left'], { names: new Set(['old town']) });
	v.at_(PLACES.street);
	expect(v.at_(PLACES.park).rules).toEqual([]);
	expect(v.at_(PLACES.oldTown).rules).toEqual(['entered:Old Town']);
});

test('outside every zone: also on a first fix, once, re-armed back inside', () => {
	const v = new Vehicle(['outside']);
	expect(v.at_(PLACES.outside).rules).toEqual(['outside:null']);
	expect(v.at_([13.61, 52.45]).rules).toEqual([]);
	const back = v.at_(PLACES.street);
	expect(back).toMatchObject({ rules: [], urgency: 'critical' });
	const again = v.at_(PLACES.outside);
	expect(again.rules).toEqual(['outside:null']);
	expect(again.items[0]).toMatchObject({ zone: { global: false, gbfsRule: null, durationSeconds: 0 } });
});

test('ride-through: an unlocked vehicle in a no-ride zone, once; re-armed once out of it or locked', () => {
	const v = new Vehicle(['rideThrough']);
	expect(v.at_(PLACES.park).rules).toEqual([]); // lock state unknown: no guess
	v.status(false, 15);
	expect(v.at_([13.406, 52.505]).rules).toEqual(['rideThrough:Park']);
	expect(v.at_([13.407, 52.505]).rules).toEqual([]);
	v.at_(PLACES.street);
	const again = v.at_(PLACES.park);
	expect(again.rules).toEqual(['rideThrough:Park']);
	expect(again.items[0]).toMatchObject({ zone: { gbfsRule: { ride_allowed: false, ride_through_allowed: false } } });
	v.status(true);
	v.status(false, 12);
	expect(v.at_([13.4055, 52.505]).rules).toEqual(['rideThrough:Park']);
});

test('parking: locked where a ride may not end, at the lock; once; re-armed by unlocking; a locked vehicle carried in fires too', () => {
	const v = new Vehicle(['parking']);
	v.status(false, 12);
	v.at_(PLACES.square);
	const locked = v.status(true);
	expect(locked.rules).toEqual(['parking:Station Square']);
	expect(locked.items[0]).toMatchObject({ zone: { rule: 'parking', feature: 0, gbfsRule: { ride_allowed: false } }, lastLocation: { latitude: PLACES.square[1] } });
	expect(v.status(true).rules).toEqual([]);
	expect(v.at_([13.4311, 52.5211]).rules).toEqual([]);
	v.status(false);
	expect(v.status(true).rules).toEqual(['parking:Station Square']);
	v.status(false);
	v.at_(PLACES.oldTown);
	expect(v.status(true).rules).toEqual([]);
	// Carried into the square while locked.
	expect(v.at_(PLACES.square).rules).toEqual(['parking:Station Square']);
});

test('parking: a lock without a recent fix is decided by the next fix', () => {
	const v = new Vehicle(['parking']);
	v.status(false, 12);
	v.at_(PLACES.square);
	v.at = v.at + 10 * 60_000;
	expect(v.status(true).rules).toEqual([]);
	const fix = v.at_([13.4312, 52.5212]);
	expect(fix.rules).toEqual(['parking:Station Square']);
	expect((fix.items[0].zone as IDataObject).durationSeconds).toBe(10);
});

test('speed: above the zone limit once; a speed hovering at the limit does not flap; re-armed 3 km/h below or out of the zone', () => {
	const v = new Vehicle(['speed']);
	v.status(false, 12);
	v.at_(PLACES.oldTown);
	const fast = v.status(false, 14);
	expect(fast.rules).toEqual(['speed:Old Town']);
	expect(fast.items[0]).toMatchObject({ zone: { speedKph: 14, maximumSpeedKph: 10, gbfsRule: { maximum_speed_kph: 10 } } });
	expect(v.status(false, 10).rules).toEqual([]);
	expect(v.status(false, 11).rules).toEqual([]);
	expect(v.status(false, 7).rules).toEqual([]);
	expect(v.status(false, 11).rules).toEqual(['speed:Old Town']);
	v.at_(PLACES.street);
	v.status(false, 25);
	v.at_(PLACES.oldTown);
	expect(v.status(false, 25).rules).toEqual(['speed:Old Town']);
});

test('the same rule broken in the next zone is an episode of its own: one no-ride park straight into another, a slow zone into a faster one', () => {
	const parks = structuredClone(CITY);
	const features = parks.data.geofencing_zones.features as Array<{ type: string; properties: object; geometry: { type: string; coordinates: unknown } }>;
	// A second no-ride park adjoining the first, and the old town's limit over a 20 km/h service area.
	features.splice(2, 0, { type: 'Feature', properties: { name: 'Second Park', rules: [rule(false, false)] }, geometry: { type: 'MultiPolygon', coordinates: [square(13.41, 52.50, 13.42, 52.51)] } });
	Object.assign(features[4].properties, { rules: [rule(true, true, { maximum_speed_kph: 20 })] });
	const v = new Vehicle(['rideThrough', 'speed'], { marginMetres: 0 }, parks);
	v.status(false, 8);
	expect(v.at_(PLACES.park).rules).toEqual(['rideThrough:Park']);
	expect(v.at_([13.415, 52.505]).rules).toEqual(['rideThrough:Second Park']);
	expect(v.at_([13.416, 52.505]).rules).toEqual([]);
	v.at_(PLACES.oldTown);
	expect(v.status(false, 12).rules).toEqual(['speed:Old Town']);
	v.at_(PLACES.street);
	expect(v.status(false, 22).rules).toEqual(['speed:Service area']);
	expect(v.status(false, 23).rules).toEqual([]);
});

test('jitter at a boundary: fixes wandering a few metres either side of an edge enter and leave nothing', () => {
	const v = new Vehicle(['entered', 'left']);
	const edge = 13.41; // the park's east edge
	const metres = (m: number) => m / (METRES_PER_DEGREE * Math.cos((52.505 * Math.PI) / 180));
	v.at_(PLACES.street);
	v.at_([edge + metres(40), 52.505]);
	for (const m of [8, -6, 10, -12, 3, -9, 14, -14]) expect(v.at_([edge + metres(m), 52.505]).rules).toEqual([]);
	expect(v.at_([edge - metres(20), 52.505]).rules).toEqual(['entered:Park']);
	for (const m of [-8, 6, -10, 12, -3, 9, 14, -14]) expect(v.at_([edge + metres(m), 52.505]).rules).toEqual([]);
	expect(v.at_([edge + metres(20), 52.505]).rules).toEqual(['left:Park']);
	// Without a margin every crossing counts.
	const raw = new Vehicle(['entered', 'left'], { marginMetres: 0 });
	raw.at_([edge + metres(5), 52.505]);
	expect(raw.at_([edge - metres(5), 52.505]).rules).toEqual(['entered:Park']);
	expect(raw.at_([edge + metres(5), 52.505]).rules).toEqual(['left:Park']);
});

test('a zone outside its start/end window counts as absent', () => {
	const windowed = structuredClone(CITY);
	Object.assign(windowed.data.geofencing_zones.features[1].properties, { start: (T + 60_000) / 1000, end: (T + 120_000) / 1000 });
	const v = new Vehicle(['entered', 'left'], {}, windowed);
	v.at_(PLACES.street);
	expect(v.at_(PLACES.park).rules).toEqual([]);
	v.push('location', { locationStatus: 'valid', latitude: '52.505', longitude: '13.4051' }, 60_000);
	expect(v.state?.zones?.inside.map((m) => m.zone)).toEqual([1, 3]);
	expect(v.push('location', { locationStatus: 'valid', latitude: '52.505', longitude: '13.4052' }, 60_000).rules).toEqual(['left:Park']);
});

test('rules with vehicle types apply only to vehicles mapped to those types; v3.0 global rules apply outside every zone', () => {
	const v3 = {
		version: '3.0',
		last_updated: '2026-12-01T00:00:00Z',
		ttl: 0,
		data: {
			geofencing_zones: {
				type: 'FeatureCollection',
				features: [
					{
						type: 'Feature',
						properties: {
							name: [{ text: 'Park', language: 'en' }],
							rules: [{ vehicle_type_ids: ['scooter'], ride_start_allowed: false, ride_end_allowed: false, ride_through_allowed: false }],
						},
						geometry: { type: 'MultiPolygon', coordinates: [square(13.40, 52.50, 13.41, 52.51)] },
					},
				],
			},
			global_rules: [{ ride_start_allowed: true, ride_end_allowed: true, ride_through_allowed: true, maximum_speed_kph: 20 }],
		},
	};
	const untyped = new Vehicle(['rideThrough', 'speed'], {}, v3);
	untyped.status(false, 12);
	expect(untyped.at_(PLACES.park).rules).toEqual([]);
	const scooter = new Vehicle(['rideThrough', 'speed'], { types: { all: 'scooter' } }, v3);
	scooter.status(false, 12);
	expect(scooter.at_(PLACES.park).rules).toEqual(['rideThrough:Park']);
	const bike = new Vehicle(['rideThrough', 'speed'], { types: { all: 'scooter', byVehicle: new Map([['861477038710001', 'bike']]) } }, v3);
	bike.status(false, 12);
	expect(bike.at_(PLACES.park).rules).toEqual([]);
	scooter.at_(PLACES.street);
	const global = scooter.status(false, 24);
	expect(global.rules).toEqual(['speed:null']);
	expect(global.items[0]).toMatchObject({ zone: { global: true, maximumSpeedKph: 20, gbfsRule: { maximum_speed_kph: 20 } } });
});

test('zone rules start runs of their own, one item per firing; a push nothing fired for starts nothing', () => {
	const v = new Vehicle();
	expect(v.at_(PLACES.street).emit).toBe(false);
	v.status(false, 12);
	const park = v.at_(PLACES.park);
	expect(park.emit).toBe(true);
	expect(park.rules).toEqual(['entered:Park', 'rideThrough:Park']);
});

test('a changed document starts over without firing for the old zone indices', () => {
	const v = new Vehicle(['entered', 'left']);
	v.at_(PLACES.park);
	const reordered = structuredClone(CITY);
	reordered.data.geofencing_zones.features.reverse();
	const w = new Vehicle(['entered', 'left'], {}, reordered);
	w.state = v.state;
	w.at = v.at;
	expect(w.at_(PLACES.park).rules).toEqual([]);
	expect(w.at_(PLACES.street).rules).toEqual(['left:Park']);
});

test('what the zones remember survives the stored text, and a fired episode is kept first', () => {
	const v = new Vehicle();
	v.status(false, 12);
	v.at_(PLACES.park);
	const text = encodeVehicles([['861477038710001', { ...emptyRecord(), ...v.state, seenAt: T }]]);
	expect(decodeVehicles(text).get('861477038710001')?.zones).toEqual(v.state?.zones);
	expect(zones.remembers!.zones.mustKeep!(v.state!.zones!)).toBe(true);
	expect(zones.remembers!.zones.read(['x', '1795000000', '3@1795000000;junk', ''])).toBeUndefined();
});
