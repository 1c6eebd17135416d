/**
 * How values are written in the cells of the stored text (see codec.ts): times in whole seconds,
 * coordinates to 6 decimals (≈ 0.1 m), an absent value as an empty cell. Reading never trusts
 * a cell: what does not parse reads as absent.
 */
export const seconds = (ms: number): string => (ms > 0 ? String(Math.floor(ms / 1000)) : '');

/** A count or time that is not there, or not a number of 0 or more, reads as 0. */
export const count = (text: string | undefined): number => {
	const n = Number(text);
	return text !== undefined && text !== '' && Number.isFinite(n) && n >= 0 ? n : 0;
};

export const millis = (text: string | undefined): number => count(text) * 1000;

export const degrees = (value: number): string => String(Math.round(value * 1e6) / 1e6);

export const optional = (value: number | undefined): string => (value === undefined ? '' : String(value));

export const number = (text: string | undefined): number | undefined => {
	if (text === undefined || text === '') return undefined;
	const n = Number(text);
	return Number.isFinite(n) ? n : undefined;
};
