/**
 * Where each vehicle is, from its own location pushes: kept for the rules that need it (the
 * last known location on items, moved while locked, zones). Only a valid fix (`locationStatus`
 * valid, with coordinates) is the position; an invalid one never replaces it, and a newer invalid
 * one marks it `invalidAt` (the GPS lost its fix since; the vehicle may have moved). A fix
 * replaces the remembered one only when its own time (gpsUtcTime) is newer: a late resend or a
 * replay inside the freshness window cannot move a vehicle back.
 */
import type { IDataObject } from 'n8n-workflow';

import { parseNumber } from '../../../api/values';
import { degrees, millis, number, optional, seconds } from '../memory/cells';
import { NO_CHANGE, type Push, type Rule, type StoredField } from './rule';

/** A position and the time of its fix (epoch ms). */
export interface Position {
	latitude: number;
	longitude: number;
	at: number;
}

export interface Fix extends Position {
	satellites?: number;
	hdop?: number;
	/** Own time of a newer push that reported no valid fix, epoch ms. */
	invalidAt?: number;
}

export interface PositionState {
	/** The newest valid fix; replaced, never changed in place (records are shallow-copied). */
	fix?: Fix;
}

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

export function describePosition(position: Position): IDataObject {
	return { latitude: position.latitude, longitude: position.longitude, at: new Date(position.at).toISOString(), mapUrl: mapUrl(position.latitude, position.longitude) };
}

/** The valid fix a location push carries, or undefined. */
function fixOf(push: Push): Fix | undefined {
	const latitude = parseNumber(push.fields.latitude);
	const longitude = parseNumber(push.fields.longitude);
	if (push.fields.locationStatus !== 'valid' || latitude === undefined || longitude === undefined) return undefined;
	const fix: Fix = { latitude, longitude, at: push.atMs };
	const satellites = parseNumber(push.fields.satelliteNumber);
	const hdop = parseNumber(push.fields.hdop);
	if (satellites !== undefined) fix.satellites = satellites;
	if (hdop !== undefined) fix.hdop = hdop;
	return fix;
}

const isOlder = (known: Fix | undefined, push: Push) => known !== undefined && push.atMs <= known.at;

/** The vehicle's new position after a location push: a valid fix newer than `known`, or undefined. */
export function newFix(known: Fix | undefined, push: Push): Fix | undefined {
	return isOlder(known, push) ? undefined : fixOf(push);
}

export const positionCells = (p: Position): string => `${degrees(p.latitude)},${degrees(p.longitude)},${seconds(p.at)}`;

export function readPosition([latitude, longitude, at]: readonly string[]): Position | undefined {
	const lat = number(latitude);
	const lon = number(longitude);
	const atMs = millis(at);
	if (lat === undefined || lon === undefined || Math.abs(lat) > 90 || Math.abs(lon) > 180 || atMs === 0) return undefined;
	return { latitude: lat, longitude: lon, at: atMs };
}

const fixField: StoredField<Fix> = {
	columns: ['fixLat', 'fixLon', 'fixAt', 'fixSats', 'fixHdop', 'fixInvalidAt'],
	write: (fix) => `${positionCells(fix)},${optional(fix.satellites)},${optional(fix.hdop)},${fix.invalidAt === undefined ? '' : seconds(fix.invalidAt)}`,
	read(cells) {
		const fix: Fix | undefined = readPosition(cells);
		if (fix === undefined) return undefined;
		const satellites = number(cells[3]);
		const hdop = number(cells[4]);
		const invalidAt = millis(cells[5]);
		if (satellites !== undefined) fix.satellites = satellites;
		if (hdop !== undefined) fix.hdop = hdop;
		if (invalidAt > 0) fix.invalidAt = invalidAt;
		return fix;
	},
};

/** Keeps the position; on while a rule that needs it is. */
export const position: Rule<undefined, PositionState> = {
	learns: ['location'],
	remembers: { fix: fixField },
	decide(_settings, { fix: known }, push) {
		if (isOlder(known, push)) return NO_CHANGE;
		const fix = fixOf(push);
		// A new position is not worth a write of its own: losing the last few in a restart costs an
		// older position, and riding vehicles send one every 10 s.
		if (fix !== undefined) return { fires: false, next: { fix }, urgency: 'changed' };
		if (known === undefined || (known.invalidAt !== undefined && push.atMs <= known.invalidAt)) return NO_CHANGE;
		return { fires: false, next: { fix: { ...known, invalidAt: push.atMs } }, urgency: 'changed' };
	},
};
