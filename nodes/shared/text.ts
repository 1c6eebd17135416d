/**
 * How generated UI text is written, the way n8n's lint rules want it (and its own nodes read):
 * a description of one sentence has no final period, several sentences each end with one;
 * option names are in title case. The node descriptions are generated from the catalog, so the
 * rules are applied here; `scripts/materialize-ui.ts` lets the linter check the result.
 */

/**
 * What the Segway Fleet app does. n8n 2.41's node panel lists the action node and the push trigger
 * as one "Segway Fleet" entry and shows the trigger's description on it
 * (generateMergedNodesAndActions in the editor), so both nodes carry this sentence.
 */
export const APP_DESCRIPTION = 'Query, lock, unlock and configure Segway sharing scooters (Segway API-Max)';

/** The parts as sentences: one sentence without a final period, several each with one. */
export function sentences(...parts: Array<string | undefined | false>): string {
	const kept = parts.filter((part): part is string => typeof part === 'string' && part.trim() !== '').map((part) => part.trim().replace(/\.$/, ''));
	return kept.length <= 1 ? (kept[0] ?? '') : kept.map((part) => `${part}.`).join(' ');
}

/**
 * Title case as the `title-case` package (3.x) that n8n's lint rule compares with: every word
 * capitalised except small words inside the text, words already holding capitals, and URLs.
 */
const SMALL_WORDS = /\b(?:an?d?|a[st]|because|but|by|en|for|i[fn]|neither|nor|o[fnr]|only|over|per|so|some|tha[tn]|the|to|up|upon|vs?\.?|versus|via|when|with|without|yet)\b/i;
const TOKENS = /[^\s:–—-]+|./g;
const MANUAL_CASE = /.(?=[A-Z]|\..)/;
const ALPHANUMERIC = /[A-Za-z0-9\u00C0-\u00FF]/;

export function titleCase(input: string): string {
	let result = '';
	for (const match of input.matchAll(TOKENS)) {
		const token = match[0];
		const index = match.index ?? 0;
		const small = SMALL_WORDS.test(token) && index !== 0 && index + token.length !== input.length;
		const url = input.charAt(index + token.length) === ':' && !/\s/.test(input.charAt(index + token.length + 1));
		result += MANUAL_CASE.test(token) || small || url ? token : token.replace(ALPHANUMERIC, (c) => c.toUpperCase());
	}
	return result;
}

export function byName<T extends { name: string }>(a: T, b: T): number {
	return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
