/**
 * How an error shows a value it refuses. Values reach the nodes from upstream nodes through
 * expressions (a customer record, a key, a whole response), and an error's message, description
 * and context end up in execution data, logs and error workflows. So an error names the field and
 * what is allowed, and shows of the value only what it is: a number or true/false as it is, of a
 * text at most its first SHOWN_CHARACTERS characters and its length, of an object or a list only
 * that it is one. The one place that decides it, so that every message shows values alike.
 */

/** Enough for a mistyped 15-digit IoT code; far less than a key or a customer record. */
export const SHOWN_CHARACTERS = 16;

/** The value as an error message may show it: `5`, `"abc"`, `"sk-proj-abcdefgh…" (164 characters)`, `an object`. */
export function describeValue(value: unknown): string {
	switch (typeof value) {
		case 'undefined':
			return 'undefined';
		case 'number':
		case 'boolean':
		case 'bigint':
			return String(value);
		case 'string':
			return describeText(value);
		case 'object':
			if (value === null) return 'null';
			if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length} ${value.length === 1 ? 'item' : 'items'}`;
			return 'an object';
		default:
			return `a ${typeof value}`;
	}
}

/** Whether an error may show the value as it is: a number, or a text of at most SHOWN_CHARACTERS. */
export function shownWhole(value: unknown): boolean {
	return typeof value === 'number' || (typeof value === 'string' && value.length <= SHOWN_CHARACTERS);
}

function describeText(text: string): string {
	if (shownWhole(text)) return JSON.stringify(text);
	let end = SHOWN_CHARACTERS;
	// Not half of a character outside the Basic Multilingual Plane (an emoji).
	const last = text.charCodeAt(end - 1);
	if (last >= 0xd800 && last <= 0xdbff) end--;
	return `${JSON.stringify(`${text.slice(0, end)}…`)} (${text.length} characters)`;
}

/**
 * Why a text is not JSON, without the excerpt of the text that V8's message quotes
 * (`Unexpected token 's', "{"key": sk-…"... is not valid JSON`): the position is enough to find it.
 */
export function describeJsonProblem(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	const token = /^(Unexpected token '.+?'), .*is not valid JSON$/su.exec(message);
	if (token !== null) return token[1];
	// `"[object Object]" is not valid JSON`: the whole message is the excerpt.
	if (/is not valid JSON$/.test(message)) return 'not JSON text';
	return message.length <= 120 ? message : `${message.slice(0, 120)}…`;
}
