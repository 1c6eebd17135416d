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

export function emptyRecord(): VehicleRecord {
	return makeRecord(0, (field) => FIELDS[field][1].columns.map(() => ''));
}

/** The record after a push: the rules' new fields and, when something worth storing changed, the time. */
export function withChanges<R extends VehicleRecord>(record: R, next: Partial<VehicleState>, urgency: Urgency, now: number): R {
	return urgency === 'none' ? { ...record, ...next } : { ...record, ...next, seenAt: now };
}

const COMMA = 44;
/** The cells of a field the record does not have. */
const ABSENT = FIELDS.map(([, field]) => ','.repeat(field.columns.length));

/** A vehicle's line: its cells joined by commas, ending at its last non-empty cell. */
function line(iotCode: string, record: VehicleRecord): string {
	let text = `${iotCode},${record.seenAt > 0 ? Math.floor(record.seenAt) : ''}`;
	for (let i = 0; i < FIELDS.length; i++) {
		const [key, field] = FIELDS[i];
		const value = record[key];
		text += value === undefined ? ABSENT[i] : `,${field.write(value)}`;
	}
	let end = text.length;
	while (text.charCodeAt(end - 1) === COMMA) end -= 1;
	return end === text.length ? text : text.slice(0, end);
}

/** Whether losing the record would make a vehicle fire twice (it fired and was not re-armed). */
function mustKeep(record: VehicleRecord): boolean {
	for (const [key, field] of MUST_KEEP) if (record[key] !== undefined && field.mustKeep!(record[key])) return true;
	return false;
}

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

/**
 * A record starts as an instance, not a literal: V8 then keeps the fields added to it in the
 * object itself, which spares ≈ 17 bytes per remembered vehicle.
 */
class Stored {
	constructor(public seenAt: number) {}
}

/** A record from the cells of each field's columns (`cellsOf(index in FIELDS)`, '' where absent). */
function makeRecord(seenAt: number, cellsOf: (field: number) => readonly string[]): VehicleRecord {
	const made = new Stored(seenAt) as unknown as Record<string, unknown>;
	for (let i = 0; i < FIELDS.length; i++) {
		const [key, field] = FIELDS[i];
		const value = field.read(cellsOf(i));
		if (value !== undefined) made[key] = value;
	}
	return made as unknown as VehicleRecord;
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
	const at = FIELDS.map(([, field]) => field.columns.map((column) => header.indexOf(column)));
	// One array of cells per field, filled anew for each line (readers keep none of them).
	const scratch = at.map((columns) => columns.map(() => ''));
	for (let i = 1; i < lines.length; i++) {
		const cells = lines[i].split(',');
		const iotCode = cells[iot];
		if (!IOT_CODE_PATTERN.test(iotCode ?? '')) continue;
		const seenAt = seenMs >= 0 ? count(cells[seenMs]) : millis(cells[seenSeconds]);
		out.set(
			iotCode,
			makeRecord(seenAt, (field) => {
				const columns = at[field];
				const fieldCells = scratch[field];
				for (let c = 0; c < columns.length; c++) fieldCells[c] = columns[c] >= 0 ? (cells[columns[c]] ?? '') : '';
				return fieldCells;
			}),
		);
	}
	return out;
}
