/**
 * Which zones a vehicle is in, and which zone rule governs it there.
 *
 * GPS jitter is damped by a boundary margin: a fix closer to a zone's boundary than the margin
 * leaves the vehicle's membership of that zone as it was, so it enters a zone only once it is the
 * margin inside and leaves only once it is the margin outside. A parked scooter whose fix wanders
 * 5–30 m across a boundary therefore never flaps. The first fix of a vehicle has nothing to keep,
 * and is taken as it is.
 */
import type { ZoneDocument, Zone, ZoneRule } from './document';
import { boundaryDistanceMetres, contains, METRES_PER_DEGREE } from './geometry';

export const isActive = (zone: Zone, atMs: number): boolean => (zone.start === undefined || atMs >= zone.start) && (zone.end === undefined || atMs < zone.end);

/**
 * The indices (ascending, so the first decides) of the zones the point is in at `atMs`, with
 * `before` the zones it was in at its previous fix (undefined for a first fix).
 */
export function zonesAt(document: ZoneDocument, longitude: number, latitude: number, atMs: number, marginMetres: number, before: ReadonlySet<number> | undefined): number[] {
	const damped = before !== undefined && marginMetres > 0;
	const dy = damped ? marginMetres / METRES_PER_DEGREE : 0;
	const dx = damped ? marginMetres / (METRES_PER_DEGREE * Math.max(0.01, Math.cos((latitude * Math.PI) / 180))) : 0;
	const found: number[] = [];
	for (const index of document.grid.near(longitude, latitude, dx, dy)) {
		const zone = document.zones[index];
		if (!isActive(zone, atMs)) continue;
		if (damped && zone.polygons.some((polygon) => boundaryDistanceMetres(polygon, longitude, latitude, marginMetres) < marginMetres)) {
			if (before.has(index)) found.push(index);
		} else if (zone.polygons.some((polygon) => contains(polygon, longitude, latitude))) {
			found.push(index);
		}
	}
	return found;
}

/** Which vehicles are of which GBFS vehicle type: one type for all, or by IoT code. */
export interface VehicleTypes {
	all?: string;
	byVehicle?: ReadonlyMap<string, string>;
}

const appliesTo = (rule: ZoneRule, type: string | undefined): boolean => rule.vehicleTypeIds === undefined || (type !== undefined && rule.vehicleTypeIds.includes(type));

export function vehicleTypeOf(types: VehicleTypes, iotCode: string): string | undefined {
	return types.byVehicle?.get(iotCode) ?? types.all;
}

/** The rule that governs a vehicle: `zone` undefined when it comes from the document's global rules. */
export interface Governing {
	zone?: Zone;
	rule: ZoneRule;
}

/**
 * Of the zones the vehicle is in, the first listed with a rule for its type decides (GBFS: the
 * zone listed first takes precedence, and a zone's first matching rule applies); where none has
 * one, the document's global rules (v3.0) do.
 */
export function governingRule(document: ZoneDocument, inside: readonly number[], type: string | undefined, atMs: number): Governing | undefined {
	for (const index of inside) {
		const zone = document.zones[index];
		if (!isActive(zone, atMs)) continue;
		const rule = zone.rules.find((r) => appliesTo(r, type));
		if (rule !== undefined) return { zone, rule };
	}
	const global = document.globalRules.find((r) => appliesTo(r, type));
	return global === undefined ? undefined : { rule: global };
}
