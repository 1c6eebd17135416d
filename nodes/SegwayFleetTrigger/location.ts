/**
 * Where each vehicle is, from its own location pushes, so that alert, fault and status items can
 * say it without an API call (Get Location fails on an offline vehicle, 15301, and costs a
 * request against the gateway's limit exactly when alerts come in bursts), and "moved while
 * locked": a locked vehicle whose fix is further than a set distance from where it was locked
 * (carried off on a van, which the alert codes may not report).
 *
 * Rules, chosen so that a person clicking a map link is never misled:
 * - Only a valid fix (`locationStatus` valid, with coordinates) is "the position". An invalid one
 *   never replaces it; a newer invalid one marks it `valid: false` (the GPS has lost its fix since,
 *   the vehicle may have moved). No valid fix yet: `lastLocation` is null.
 * - A fix replaces the remembered one only when its own time (gpsUtcTime) is newer: a late resend
 *   or a replay inside the freshness window cannot move a vehicle back.
 * - The lock state comes from status pushes (location pushes do not carry it). Where it was
 *   locked is the last valid fix when that fix is at most ANCHOR_MAX_AGE_MS older than the lock
 *   (riding vehicles send one every 10 s), otherwise the first valid fix after it.
 * - It fires once per movement: again only after the vehicle was unlocked, or brought back
 *   within half the distance of where it was locked (half, so a fix hovering at the distance
 *   does not fire on every push).
 *
 * Records are shallow-copied between processes' memories (memory.ts), so `fix` and `lock` are
 * always replaced, never changed in place.
 */
import type { IDataObject } from 'n8n-workflow';

import { parseBoolean, parseNumber } from '../../api/values';
import type { Change } from './memory';
import type { Fix, Position, VehicleRecord } from './vehicles';

/** A fix taken this long before the lock still tells where the vehicle was locked. */
export const ANCHOR_MAX_AGE_MS = 5 * 60_000;

const EARTH_RADIUS_METRES = 6_371_008.8;
const radians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance (haversine): exact to well under a metre at a scooter's scale. */
export function distanceMetres(a: Position, b: Position): number {
	const dLat = radians(b.latitude - a.latitude);
	const dLon = radians(b.longitude - a.longitude);
	const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.latitude)) * Math.cos(radians(b.latitude)) * Math.sin(dLon / 2) ** 2;
	return 2 * EARTH_RADIUS_METRES * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A link anyone can open from Slack or an e-mail, with a marker on the position. */
export function mapUrl(latitude: number, longitude: number): string {
	return `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=18/${latitude}/${longitude}`;
}

function changed(record: VehicleRecord, now: number): void {
	record.seenAt = now;
	// Changed here, so this process stores it from now on (see vehicleRecord in memory.ts).
	record.shared = undefined;
}

/**
 * Takes a verified, fresh location push into account. Returns whether it is the vehicle's new
 * position (a valid fix newer than the remembered one).
 */
export function observeFix(record: VehicleRecord, params: Readonly<Record<string, string>>, atMs: number, now: number): { newFix: boolean; change: Change } {
	const known = record.fix;
	if (known !== undefined && atMs <= known.at) return { newFix: false, change: 'none' };
	const latitude = parseNumber(params.latitude);
	const longitude = parseNumber(params.longitude);
	if (params.locationStatus !== 'valid' || latitude === undefined || longitude === undefined) {
		if (known === undefined || (known.invalidAt !== undefined && atMs <= known.invalidAt)) return { newFix: false, change: 'none' };
		record.fix = { ...known, invalidAt: atMs };
		changed(record, now);
		return { newFix: false, change: 'changed' };
	}
	const fix: Fix = { latitude, longitude, at: atMs };
	const satellites = parseNumber(params.satelliteNumber);
	const hdop = parseNumber(params.hdop);
	if (satellites !== undefined) fix.satellites = satellites;
	if (hdop !== undefined) fix.hdop = hdop;
	record.fix = fix;
	changed(record, now);
	// A new position is not worth a write of its own: losing the last few in a restart costs an
	// older position, and riding vehicles send one every 10 s.
	return { newFix: true, change: 'changed' };
}

/**
 * Takes a status push's `locked` into account. A lock or an unlock is critical: lost in a
 * restart, a theft after it would go unnoticed (no anchor) or a vehicle would fire twice. The
 * first state of a vehicle is not: at activation every vehicle of the fleet has one, and a
 * restart that loses it learns it again from the next status push.
 */
export function observeLock(record: VehicleRecord, params: Readonly<Record<string, string>>, atMs: number, now: number): Change {
	const locked = parseBoolean(params.locked);
	const watch = record.lock;
	if (locked === undefined || (watch !== undefined && atMs <= watch.at)) return 'none';
	if (watch !== undefined && watch.locked === locked) {
		// The same state again: only its time moves on, which a restart may lose.
		record.lock = { ...watch, at: atMs };
		return 'none';
	}
	const fix = record.fix;
	const anchor =
		locked && fix !== undefined && fix.invalidAt === undefined && fix.at >= atMs - ANCHOR_MAX_AGE_MS
			? { latitude: fix.latitude, longitude: fix.longitude, at: fix.at }
			: undefined;
	record.lock = { locked, at: atMs, anchor, fired: false };
	changed(record, now);
	return watch === undefined ? 'changed' : 'critical';
}

export interface Moved {
	emit: boolean;
	change: Change;
	details?: IDataObject;
}

/** After a new fix: whether a locked vehicle is now further than `limitMetres` from where it was locked. */
export function decideMoved(record: VehicleRecord, limitMetres: number, now: number): Moved {
	const watch = record.lock;
	const fix = record.fix;
	if (watch === undefined || !watch.locked || fix === undefined) return { emit: false, change: 'none' };
	const here: Position = { latitude: fix.latitude, longitude: fix.longitude, at: fix.at };
	if (watch.anchor === undefined) {
		if (fix.at < watch.at - ANCHOR_MAX_AGE_MS) return { emit: false, change: 'none' };
		record.lock = { ...watch, anchor: here };
		changed(record, now);
		return { emit: false, change: 'critical' };
	}
	const distance = distanceMetres(watch.anchor, here);
	if (!watch.fired && distance > limitMetres) {
		record.lock = { ...watch, fired: true };
		changed(record, now);
		return {
			emit: true,
			change: 'critical',
			details: {
				movedWhileLocked: {
					lockedAt: describePosition(watch.anchor),
					now: describePosition(here),
					distanceMetres: Math.round(distance),
					limitMetres,
					lockedSince: new Date(watch.at).toISOString(),
				},
			},
		};
	}
	if (watch.fired && distance <= limitMetres / 2) {
		record.lock = { ...watch, fired: false };
		changed(record, now);
		return { emit: false, change: 'critical' };
	}
	return { emit: false, change: 'none' };
}

function describePosition(position: Position): IDataObject {
	return {
		latitude: position.latitude,
		longitude: position.longitude,
		at: new Date(position.at).toISOString(),
		mapUrl: mapUrl(position.latitude, position.longitude),
	};
}

/** `lastLocation` of an emitted item: the remembered valid fix, or null when there is none. */
export function lastLocation(record: VehicleRecord | undefined, now: number): IDataObject | null {
	const fix = record?.fix;
	if (fix === undefined) return null;
	return {
		latitude: fix.latitude,
		longitude: fix.longitude,
		at: new Date(fix.at).toISOString(),
		ageSeconds: Math.max(0, Math.round((now - fix.at) / 1000)),
		valid: fix.invalidAt === undefined,
		satellites: fix.satellites ?? null,
		hdop: fix.hdop ?? null,
		mapUrl: mapUrl(fix.latitude, fix.longitude),
	};
}
