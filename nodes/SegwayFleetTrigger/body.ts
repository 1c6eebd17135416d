/**
 * Reading a received body into the parameters Segway signed, with the work an unverified sender
 * can cause bounded before anything is sorted or hashed.
 *
 * Decisions where the reference is silent (documented in the README):
 * - Values are signed as received after decoding: n8n hands form bodies over URL-decoded
 *   (`+` is a space, `%26` is `&`), and the hash covers those decoded values.
 * - Empty values take part as `key=`; only `signature` itself is left out.
 * - A JSON body is accepted with the same fields. Numbers and booleans are signed as
 *   `String(value)` gives them (`12.5`, `true`), which is how they appear in a form body;
 *   `null` counts as an empty value. Nested objects or arrays cannot come from a form body and
 *   make the push unverifiable.
 * - A form body that repeats a key (n8n then gives an array) is unverifiable: the reference's
 *   "key=value" form has one value per key.
 * - A `text/plain` body is split on `&` and `=` as the reference's step 1 says, then decoded
 *   like a form body.
 */
import { SIGNATURE_FIELD } from '../../api/catalog/signature';

/**
 * A push has 5 to 15 fields; the reference lets Segway add more, so there is room, but not for
 * the million keys of a junk body: past these bounds nothing is sorted, hashed or looked up.
 */
export const MAX_FIELDS = 64;
/** Characters of all keys and values together, decoded. */
export const MAX_FIELD_CHARS = 16 * 1024;
/** Characters of a text/plain body before it is split (percent-encoding triples a character). */
export const MAX_TEXT_BODY_CHARS = 3 * MAX_FIELD_CHARS;

export interface SignedPush {
	/** Every received parameter except `signature`, as strings. */
	params: Record<string, string>;
	/** The received signature, or undefined when absent. */
	signature: string | undefined;
}

export type ReadBody = { push: SignedPush } | { refused: 'too-large' | 'unverifiable' };

const TOO_LARGE = { refused: 'too-large' } as const;
const UNVERIFIABLE = { refused: 'unverifiable' } as const;

export function readSignedPush(body: unknown): ReadBody {
	if (typeof body === 'string') {
		if (body.length > MAX_TEXT_BODY_CHARS) return TOO_LARGE;
		return fromObject(parseFormString(body));
	}
	if (body === null || body === undefined) return { push: { params: Object.create(null) as Record<string, string>, signature: undefined } };
	if (typeof body !== 'object' || Array.isArray(body)) return UNVERIFIABLE;
	return fromObject(body as Record<string, unknown>);
}

function fromObject(body: Record<string, unknown>): ReadBody {
	// Object.create(null): keys come from the sender, so none may reach a prototype.
	const params: Record<string, string> = Object.create(null) as Record<string, string>;
	let signature: string | undefined;
	let fields = 0;
	let chars = 0;
	for (const key in body) {
		if (!Object.prototype.hasOwnProperty.call(body, key)) continue;
		const value = asSignedValue(body[key]);
		if (value === undefined) return UNVERIFIABLE;
		fields += 1;
		chars += key.length + value.length;
		if (fields > MAX_FIELDS || chars > MAX_FIELD_CHARS) return TOO_LARGE;
		if (key === SIGNATURE_FIELD) signature = value;
		else params[key] = value;
	}
	return { push: { params, signature } };
}

function asSignedValue(value: unknown): string | undefined {
	switch (typeof value) {
		case 'string':
			return value;
		case 'number':
		case 'boolean':
			return String(value);
		case 'object':
			return value === null ? '' : undefined;
		default:
			return undefined;
	}
}

function parseFormString(text: string): Record<string, unknown> {
	const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
	for (const pair of text.split('&')) {
		if (pair === '') continue;
		const eq = pair.indexOf('=');
		const key = decodeFormComponent(eq < 0 ? pair : pair.slice(0, eq));
		const value = eq < 0 ? '' : decodeFormComponent(pair.slice(eq + 1));
		// A repeated key is marked unverifiable, as n8n's form parser would give an array.
		out[key] = key in out ? [out[key], value] : value;
	}
	return out;
}

function decodeFormComponent(text: string): string {
	const spaced = text.includes('+') ? text.replace(/\+/g, ' ') : text;
	if (!spaced.includes('%')) return spaced;
	try {
		return decodeURIComponent(spaced);
	} catch {
		// Malformed escapes stay as sent, like Node's querystring does with them.
		return spaced;
	}
}
