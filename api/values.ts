/**
 * Reading numbers and booleans from what users, expressions and form bodies give: the one place
 * that decides what "12", " 12 ", "true" and "1" mean.
 */

/** A finite number, from a number or from a string that reads as one (spaces around allowed). */
export function parseNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value !== 'string') return undefined;
	const trimmed = value.trim();
	if (trimmed === '') return undefined;
	const number = Number(trimmed);
	return Number.isFinite(number) ? number : undefined;
}

/** true/false from a boolean, or from "true"/"false"/"1"/"0" in any case (spaces around allowed). */
export function parseBoolean(value: unknown): boolean | undefined {
	if (typeof value === 'boolean') return value;
	if (typeof value !== 'string') return undefined;
	const lower = value.trim().toLowerCase();
	if (lower === 'true' || lower === '1') return true;
	if (lower === 'false' || lower === '0') return false;
	return undefined;
}
