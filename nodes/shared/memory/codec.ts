/**
 * The per-vehicle memory as the text kept in a workflow's static data, for both triggers. n8n
 * loads static data from the database for every webhook request and writes it whole, so it is
 * kept small and cheap to parse: one string of lines (a header naming the columns, then a line
 * per vehicle, ending at its last non-empty cell) instead of an object with a key per vehicle.
 * The columns are the rules' own (each rule's `remembers`, in RULES order), after the vehicle's
 * IoT code and when its record last changed (`seenAtMs`: of two processes' copies the newer wins,
 * and two processes can change one vehicle within a second).
 *
 * Reading never trusts what it finds: a line that does not parse is skipped, an unknown column is
 * ignored, and a column a newer version dropped (or an older one did not have) reads as empty.
 */
import { IOT_CODE_PATTERN } from '../../../api/catalog/fields';
import { RULES, type VehicleState } from '../rules';
import type { StoredField, Urgency } from '../rules/rule';
import { count, millis } from './cells';

export type VehicleRecord = VehicleState & {
	/** When this record last changed, epoch ms: of two copies (processes, restarts) the newer wins. */
	seenAt: number;
};

/**
 * The most a trigger keeps of its vehicles in static data (≈ 6,000 vehicles): n8n reads static
 * data with the workflow on every request, and a large one slows every push down.
 */
export const MIRROR_CHARS = 256 * 1024;

type Key = keyof VehicleState;
const FIELDS = RULES.flatMap((rule) => Object.entries(rule.remembers ?? {}) as Array<[Key, StoredField<unknown>]>);
const MUST_KEEP = FIELDS.filter(([, field]) => field.mustKeep !== undefined);
const HEADER = ['iotCode', 'seenAtMs', ...FIELDS.flatMap(([, field]) => field.columns)].join(',');
/** What an earlier version named the change time, in whole seconds. */
const SEEN_AT_SECONDS = 'seenAt';

/** A vehicle nothing is known of: each field as its empty cells read. */
const EMPTY = Object.fromEntries(
	FIELDS.map(([key, field]) => [key, field.read(field.columns.map(() => ''))]).filter(([, value]) => value !== undefined),
) as VehicleState;

export function emptyRecord(): VehicleRecord {
	return { ...EMPTY, seenAt: 0 };
}

/** The record after a push: the rules' new fields and, when something worth storing changed, the time. */
export function withChanges<R extends VehicleRecord>(record: R, next: Partial<VehicleState>, urgency: Urgency, now: number): R {
	return urgency === 'none' ? { ...record, ...next } : { ...record, ...next, seenAt: now };
}

function line(iotCode: string, record: VehicleRecord): string {
	const cells = [iotCode, record.seenAt > 0 ? String(Math.floor(record.seenAt)) : ''];
	for (const [key, field] of FIELDS) {
		const value = record[key];
		if (value === undefined) for (let i = 0; i < field.columns.length; i++) cells.push('');
		else cells.push(...field.write(value));
	}
	while (cells[cells.length - 1] === '') cells.pop();
	return cells.join(',');
}

/** Whether losing the record would make a vehicle fire twice (it fired and was not re-armed). */
const mustKeep = (record: VehicleRecord): boolean => MUST_KEEP.some(([key, field]) => record[key] !== undefined && field.mustKeep!(record[key]));

/**
 * The records as text of at most about `maxChars`: first those that must be kept, then the
 * others from the most recently seen; what does not fit is left out. `records` are least
 * recently seen first.
 */
export function encodeVehicles(records: Iterable<[string, VehicleRecord]>, maxChars = Infinity): string {
	const lines = [HEADER];
	let chars = HEADER.length;
	const fits = (text: string) => (chars += text.length + 1) <= maxChars;
	const newestFirst = [...records].reverse();
	const keep = newestFirst.map(([, record]) => mustKeep(record));
	for (let i = 0; i < newestFirst.length; i++) {
		if (!keep[i]) continue;
		const text = line(...newestFirst[i]);
		if (!fits(text)) return lines.join('\n');
		lines.push(text);
	}
	for (let i = 0; i < newestFirst.length; i++) {
		if (keep[i]) continue;
		const text = line(...newestFirst[i]);
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
	const iot = header.indexOf('iotCode');
	if (iot < 0) return out;
	const seenMs = header.indexOf('seenAtMs');
	const seenSeconds = header.indexOf(SEEN_AT_SECONDS);
	const fields = FIELDS.map(([key, field]) => ({ key, field, at: field.columns.map((column) => header.indexOf(column)) }));
	for (let i = 1; i < lines.length; i++) {
		const cells = lines[i].split(',');
		const iotCode = cells[iot];
		if (!IOT_CODE_PATTERN.test(iotCode ?? '')) continue;
		const record: Record<string, unknown> = { seenAt: seenMs >= 0 ? count(cells[seenMs]) : millis(cells[seenSeconds]) };
		for (const { key, field, at } of fields) {
			const value = field.read(at.map((column) => (column >= 0 ? (cells[column] ?? '') : '')));
			if (value !== undefined) record[key] = value;
		}
		out.set(iotCode, record as unknown as VehicleRecord);
	}
	return out;
}
