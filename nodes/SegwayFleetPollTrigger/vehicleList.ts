/**
 * The vehicles a poll queries, as the user gives them: typed into the field (one per line, or
 * separated by commas, semicolons or spaces) or from an expression (a list, or such a text).
 * Every entry is checked before anything is sent, and the list is bounded: each vehicle costs a
 * request per poll, and the memory of a poll trigger is kept in the workflow's static data.
 */
import { IOT_CODE_ALLOWED_EXAMPLE, IOT_CODE_PATTERN } from '../../api/catalog/fields';
import { describeValue } from '../../api/describe';

/** At the default 50 requests in flight a poll of this many takes seconds, not minutes. */
export const MAX_POLLED_VEHICLES = 5_000;

/** The checked list, or what is wrong with it (naming the field, the value and what is allowed). */
export function parseVehicleList(raw: unknown): { codes: string[] } | { problem: string } {
	const entries = (Array.isArray(raw) ? raw : [raw]).flatMap((entry) =>
		typeof entry === 'string' ? entry.split(/[\s,;]+/) : [entry],
	);
	const codes = new Set<string>();
	for (const entry of entries) {
		if (entry === '' || entry === undefined || entry === null) continue;
		const text = typeof entry === 'number' ? String(entry) : entry;
		if (typeof text !== 'string' || !IOT_CODE_PATTERN.test(text)) {
			return { problem: `IoT Codes holds ${describeValue(entry)}: expected ${IOT_CODE_ALLOWED_EXAMPLE}` };
		}
		codes.add(text);
	}
	if (codes.size === 0) return { problem: `IoT Codes is empty: expected at least one ${IOT_CODE_ALLOWED_EXAMPLE}` };
	if (codes.size > MAX_POLLED_VEHICLES) {
		return {
			problem: `IoT Codes lists ${codes.size} vehicles: expected at most ${MAX_POLLED_VEHICLES} per poll trigger (split the fleet over several, or use the push trigger)`,
		};
	}
	return { codes: [...codes] };
}
