/**
 * The per-vehicle memory as the text kept in the workflow's static data. n8n loads a workflow's
 * static data from the database for every webhook request and writes it whole, so it is kept
 * small and cheap to parse: one string of lines (a header naming the columns, then one line per
 * vehicle) instead of an object with a key per vehicle, and bounded in size (see memory.ts).
 * Times are whole seconds, except when a record last changed (`seenAtMs`): of two processes'
 * copies of a vehicle the newer wins, and two processes can change one vehicle within a second.
 *
 * Reading never trusts what it finds: a line that does not parse is skipped, an unknown column
 * is ignored, and a column a newer version dropped (or an older one did not have) reads as empty.
 *
 * Where the vehicle is (location.ts) takes the last columns, empty for a vehicle without a fix:
 * the fix (coordinates to 6 decimals, ≈ 0.1 m; satellites, hdop; time of a newer invalid fix),
 * the lock state (`1` locked, `2` locked and fired for its movement, `0` unlocked) with its
 * time, and where it was locked.
 */
import { emptyRecord, type Fix, type LockWatch, type Position, type VehicleRecord } from './vehicles';

const COLUMNS = [
	'iotCode',
	'seenAtMs',
	'lowBattery',
	'states',
	'statusAt',
	'fixLat',
	'fixLon',
	'fixAt',
	'fixSats',
	'fixHdop',
	'fixInvalidAt',
	'lock',
	'lockAt',
	'lockLat',
	'lockLon',
	'lockFixAt',
] as const;
/** What earlier versions named the change time, in whole seconds. */
const SEEN_AT_SECONDS = 'seenAt';
const IOT_CODE = /^\d{15}$/;
const STATES = /^[-01]{3}$/;

const seconds = (ms: number): string => (ms > 0 ? String(Math.floor(ms / 1000)) : '');
const count = (text: string | undefined): number => {
	const n = Number(text);
	return text !== undefined && text !== '' && Number.isFinite(n) && n >= 0 ? n : 0;
};
const millis = (text: string | undefined): number => count(text) * 1000;

const degrees = (value: number): string => String(Math.round(value * 1e6) / 1e6);
const optional = (value: number | undefined): string => (value === undefined ? '' : String(value));
const number = (text: string | undefined): number | undefined => {
	if (text === undefined || text === '') return undefined;
	const n = Number(text);
	return Number.isFinite(n) ? n : undefined;
};
const LOCK_CODES = { unlocked: '0', locked: '1', fired: '2' } as const;

function line(iotCode: string, r: VehicleRecord): string {
	const head = `${iotCode},${r.seenAt > 0 ? Math.floor(r.seenAt) : ''},${r.lowBattery ? 1 : ''},${r.states ?? ''},${seconds(r.statusAt)}`;
	if (r.fix === undefined && r.lock === undefined) return head;
	const { fix, lock } = r;
	const fixCells =
		fix === undefined
			? ',,,,,'
			: `${degrees(fix.latitude)},${degrees(fix.longitude)},${seconds(fix.at)},${optional(fix.satellites)},${optional(fix.hdop)},${fix.invalidAt === undefined ? '' : seconds(fix.invalidAt)}`;
	const lockCode = lock === undefined ? '' : !lock.locked ? LOCK_CODES.unlocked : lock.fired ? LOCK_CODES.fired : LOCK_CODES.locked;
	const anchor = lock?.anchor;
	const anchorCells = anchor === undefined ? ',,' : `${degrees(anchor.latitude)},${degrees(anchor.longitude)},${seconds(anchor.at)}`;
	return `${head},${fixCells},${lockCode},${lock === undefined ? '' : seconds(lock.at)},${anchorCells}`;
}

/**
 * Whether losing the record would make a vehicle fire twice: it fired and was not re-armed
 * (battery low, or moved while locked).
 */
function mustKeep(r: VehicleRecord): boolean {
	return r.lowBattery || r.lock?.fired === true;
}

function readPosition(latitude: string | undefined, longitude: string | undefined, at: string | undefined): Position | undefined {
	const lat = number(latitude);
	const lon = number(longitude);
	const atMs = millis(at);
	if (lat === undefined || lon === undefined || Math.abs(lat) > 90 || Math.abs(lon) > 180 || atMs === 0) return undefined;
	return { latitude: lat, longitude: lon, at: atMs };
}

function readFix(cells: readonly string[], col: Readonly<Record<(typeof COLUMNS)[number], number>>): Fix | undefined {
	const position = readPosition(cells[col.fixLat], cells[col.fixLon], cells[col.fixAt]);
	if (position === undefined) return undefined;
	const fix: Fix = position;
	const satellites = number(cells[col.fixSats]);
	const hdop = number(cells[col.fixHdop]);
	const invalidAt = millis(cells[col.fixInvalidAt]);
	if (satellites !== undefined) fix.satellites = satellites;
	if (hdop !== undefined) fix.hdop = hdop;
	if (invalidAt > 0) fix.invalidAt = invalidAt;
	return fix;
}

function readLock(cells: readonly string[], col: Readonly<Record<(typeof COLUMNS)[number], number>>): LockWatch | undefined {
	const code = cells[col.lock];
	const at = millis(cells[col.lockAt]);
	if ((code !== LOCK_CODES.unlocked && code !== LOCK_CODES.locked && code !== LOCK_CODES.fired) || at === 0) return undefined;
	const locked = code !== LOCK_CODES.unlocked;
	return { locked, at, anchor: locked ? readPosition(cells[col.lockLat], cells[col.lockLon], cells[col.lockFixAt]) : undefined, fired: code === LOCK_CODES.fired };
}

/**
 * The records as text of at most about `maxChars`: first those that must be kept, then the
 * others from the most recently seen; what does not fit is left out. `records` are least
 * recently seen first.
 */
export function encodeVehicles(records: Iterable<[string, VehicleRecord]>, maxChars = Infinity): string {
	const lines = [COLUMNS.join(',')];
	let chars = lines[0].length;
	const fits = (text: string) => (chars += text.length + 1) <= maxChars;
	const newestFirst = [...records].reverse();
	for (const [iotCode, r] of newestFirst) {
		if (!mustKeep(r)) continue;
		const text = line(iotCode, r);
		if (!fits(text)) return lines.join('\n');
		lines.push(text);
	}
	for (const [iotCode, r] of newestFirst) {
		if (mustKeep(r)) continue;
		const text = line(iotCode, r);
		if (!fits(text)) break;
		lines.push(text);
	}
	return lines.join('\n');
}

export function decodeVehicles(text: unknown): Map<string, VehicleRecord> {
	const out = new Map<string, VehicleRecord>();
	if (typeof text !== 'string' || text === '') return out;
	const lines = text.split('\n');
	const header = lines[0].split(',');
	const col = Object.fromEntries(COLUMNS.map((name) => [name, header.indexOf(name)])) as Record<(typeof COLUMNS)[number], number>;
	const { iotCode: iot, seenAtMs: seenMs, lowBattery: low, states, statusAt: status } = col;
	if (iot < 0) return out;
	const seenSeconds = header.indexOf(SEEN_AT_SECONDS);
	const seen = (cells: string[]) => (seenMs >= 0 ? count(cells[seenMs]) : millis(cells[seenSeconds]));
	for (let i = 1; i < lines.length; i++) {
		const cells = lines[i].split(',');
		const iotCode = cells[iot];
		if (!IOT_CODE.test(iotCode ?? '')) continue;
		const record = emptyRecord();
		record.seenAt = seen(cells);
		record.lowBattery = cells[low] === '1';
		record.states = STATES.test(cells[states] ?? '') ? cells[states] : undefined;
		record.statusAt = millis(cells[status]);
		const fix = readFix(cells, col);
		const lock = readLock(cells, col);
		if (fix !== undefined) record.fix = fix;
		if (lock !== undefined) record.lock = lock;
		out.set(iotCode, record);
	}
	return out;
}

/** The retry memory: `key,expiry` lines. */
export function encodeRecent(entries: Iterable<[string, number]>): string {
	const lines: string[] = [];
	for (const [key, expiresAt] of entries) lines.push(`${key},${seconds(expiresAt)}`);
	return lines.join('\n');
}

export function decodeRecent(text: unknown): Array<[string, number]> {
	if (typeof text !== 'string' || text === '') return [];
	return text
		.split('\n')
		.map((line) => line.split(','))
		.filter(([key, expiry]) => /^[a-z]+:[0-9a-f]{32}$/.test(key ?? '') && millis(expiry) > 0)
		.map(([key, expiry]) => [key, millis(expiry)]);
}
