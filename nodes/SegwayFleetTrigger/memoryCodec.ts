/**
 * The per-vehicle memory as the text kept in the workflow's static data. n8n loads a workflow's
 * static data from the database for every webhook request and writes it whole, so it is kept
 * small and cheap to parse: one string of lines (a header naming the columns, then one line per
 * vehicle) instead of an object with a key per vehicle, and bounded in size (see memory.ts).
 * Times are whole seconds, except when a record last changed (`seenAtMs`): of two processes'
 * copies of a vehicle the newer wins, and two processes can change one vehicle within a second.
 *
 * Reading never trusts what it finds: a line that does not parse is skipped, an unknown column
 * is ignored, and a column a newer version dropped reads as empty.
 */
import { emptyRecord, type VehicleRecord } from './vehicles';

const COLUMNS = ['iotCode', 'seenAtMs', 'lowBattery', 'states', 'statusAt'] as const;
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

function line(iotCode: string, r: VehicleRecord): string {
	return `${iotCode},${r.seenAt > 0 ? Math.floor(r.seenAt) : ''},${r.lowBattery ? 1 : ''},${r.states ?? ''},${seconds(r.statusAt)}`;
}

/** Whether losing the record would make a vehicle fire twice: it fired and was not re-armed. */
function mustKeep(r: VehicleRecord): boolean {
	return r.lowBattery;
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
	const at = (name: (typeof COLUMNS)[number]) => header.indexOf(name);
	const [iot, seenMs, low, states, status] = COLUMNS.map(at);
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
