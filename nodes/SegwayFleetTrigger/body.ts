/**
 * Reading a received body into the parameters Segway signed, with the work an unverified sender
 * can cause bounded before anything is enumerated, sorted or hashed.
 *
 * The size comes first, from the bytes n8n received (the raw body it keeps, decompressed), for
 * every content type and before the parsed body is touched: V8 collects all of an object's keys
 * before `for…in` (or Object.keys) yields the first, so a JSON body of a million keys costs
 * ≈ 0.4–0.9 s to enumerate even with a counter that stops at MAX_FIELDS. Within MAX_BODY_BYTES a
 * JSON object holds at most ≈ 2,700 keys.
 *
 * Decisions where the reference is silent (documented in the README):
 * - Values are signed as received after decoding: n8n hands form bodies over URL-decoded
 *   (`+` is a space, `%26` is `&`), and the hash covers those decoded values.
 * - A `text/plain` body is split on `&` and `=` as the reference's step 1 says and decoded exactly
 *   as n8n decodes a form body (Node's querystring, a leading BOM dropped as n8n 2.x drops it):
 *   a malformed escape (`%zz`, a lone `%`) stays the characters sent, escaped bytes that are no
 *   UTF-8 become U+FFFD. The same body thus gives the same parameters, and the same answer, sent
 *   as `text/plain` or as a form. Refusing malformed escapes instead is not possible for form
 *   bodies, which reach the node already decoded; a sender that signs what n8n reads verifies,
 *   which needs the secret.
 * - Empty values take part as `key=`; only `signature` itself is left out.
 * - A JSON body is accepted with the same fields. Numbers and booleans are signed as
 *   `String(value)` gives them (`12.5`, `true`), which is how they appear in a form body;
 *   `null` counts as an empty value. Nested objects or arrays cannot come from a form body and
 *   make the push unverifiable.
 * - A form body that repeats a key (n8n then gives an array) is unverifiable: the reference's
 *   "key=value" form has one value per key.
 * - A field named `__proto__`, `constructor` or `prototype` makes the push unverifiable (401, in
 *   every content type, before the credential is read). n8n's own copy of item data
 *   (n8n-workflow's deepCopy) skips these three names, its XML parser renames them and its
 *   expressions refuse them, and `__proto__` cannot be set on a plain object at all: an item
 *   could not carry what was signed to the next node. Keeping them on a null-prototype item would
 *   hand other nodes an object without hasOwnProperty or toString. Segway's fields are named in
 *   the reference, none so.
 */
import { SIGNATURE_FIELD } from '../../api/catalog/signature';

/**
 * A push has 5 to 15 fields; the reference lets Segway add more, so there is room, but not for
 * the million keys of a junk body: past these bounds nothing is sorted, hashed or looked up.
 */
export const MAX_FIELDS = 64;
/** Bytes of the body as received, whatever its content type; a push is under 1 KiB. */
export const MAX_BODY_BYTES = 16 * 1024;
/** Characters of all keys and values together, decoded (JSON numbers can print longer than sent). */
export const MAX_FIELD_CHARS = 16 * 1024;
/** Field names n8n will not carry on an item (n8n-workflow's reserved copy keys). */
export const RESERVED_FIELDS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/** Pairs n8n's form parser reads before it stops (querystring.parse with maxKeys 1000). */
const FORM_MAX_PAIRS = 1000;

export interface SignedPush {
	/** Every received parameter except `signature`, as strings. */
	params: Record<string, string>;
	/** The received signature, or undefined when absent. */
	signature: string | undefined;
}

export type ReadBody = { push: SignedPush } | { refused: 'too-large' | 'unverifiable' };

/** What the reader needs of n8n's request: the raw body n8n read, or the declared length. */
export interface ReceivedRequest {
	rawBody?: unknown;
	headers?: Record<string, string | string[] | undefined>;
}

const TOO_LARGE = { refused: 'too-large' } as const;
const UNVERIFIABLE = { refused: 'unverifiable' } as const;

/**
 * The body's size in bytes as received: n8n keeps the raw body (decompressed) of every body it
 * parses; without it, an uncompressed body's Content-Length, which Node's HTTP parser holds the
 * sender to. Undefined when neither is known.
 */
export function receivedBytes(req: ReceivedRequest): number | undefined {
	if (req.rawBody instanceof Uint8Array) return req.rawBody.byteLength;
	const encoding = req.headers?.['content-encoding'];
	if (encoding !== undefined && encoding !== 'identity') return undefined;
	const declared = req.headers?.['content-length'];
	const length = typeof declared === 'string' && /^\d+$/.test(declared) ? Number(declared) : NaN;
	return Number.isSafeInteger(length) ? length : undefined;
}

/**
 * @param bytes the body's size as received (receivedBytes); when unknown, an object body's keys
 * are counted by enumerating them, which V8 does all at once.
 */
export function readSignedPush(body: unknown, bytes: number | undefined): ReadBody {
	if (bytes !== undefined && bytes > MAX_BODY_BYTES) return TOO_LARGE;
	if (typeof body === 'string') {
		// A character is at least one byte, so this holds when the size is unknown too.
		if (body.length > MAX_BODY_BYTES) return TOO_LARGE;
		return fromObject(parseFormText(body));
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
		if (RESERVED_FIELDS.has(key)) return UNVERIFIABLE;
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

const AMPERSAND = 0x26;
const EQUALS = 0x3d;
const PERCENT = 0x25;
const PLUS = 0x2b;

/**
 * A text body read as n8n 2.x reads a form body: `querystring.parse(stripBom(text), undefined,
 * undefined, { maxKeys: 1000 })` (n8n's middlewares/body-parser.js). This is Node's own parse
 * for `&` and `=`, step for step, quirks included: a part is decoded only when the scan saw a
 * well-formed escape for it (a `+` inside one does not break it in a value, and escapes in a key
 * after its first count for the value), by decodeURIComponent, or when that throws, byte by byte
 * (unescapeBytes). Repeated keys give arrays, as there, so that fromObject answers both alike.
 */
function parseFormText(text: string): Record<string, unknown> {
	const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
	const qs = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
	if (qs.length === 0) return out;
	let pairs = FORM_MAX_PAIRS;
	let lastPos = 0;
	let key = '';
	let value = '';
	let inValue = false;
	let keyEncoded = false;
	let valueEncoded = false;
	let escapeChars = 0;
	for (let i = 0; i < qs.length; i++) {
		const code = qs.charCodeAt(i);
		if (code === AMPERSAND) {
			if (!inValue) {
				if (lastPos < i) key += qs.slice(lastPos, i);
				else if (key.length === 0) {
					// An empty pair counts against the limit too.
					if (--pairs === 0) return out;
					lastPos = i + 1;
					continue;
				}
			} else if (lastPos < i) value += qs.slice(lastPos, i);
			addPair(out, key, value, keyEncoded, valueEncoded);
			if (--pairs === 0) return out;
			keyEncoded = valueEncoded = inValue = false;
			key = value = '';
			escapeChars = 0;
			lastPos = i + 1;
			continue;
		}
		if (!inValue) {
			if (code === EQUALS) {
				if (lastPos < i) key += qs.slice(lastPos, i);
				escapeChars = 0;
				lastPos = i + 1;
				inValue = true;
				continue;
			}
			if (!keyEncoded) {
				if (code === PERCENT) {
					escapeChars = 1;
					continue;
				}
				if (escapeChars > 0) {
					if (isHex(code)) {
						if (++escapeChars === 3) keyEncoded = true;
						continue;
					}
					escapeChars = 0;
				}
			}
			if (code === PLUS) {
				if (lastPos < i) key += qs.slice(lastPos, i);
				key += ' ';
				lastPos = i + 1;
				continue;
			}
		}
		if (code === PLUS) {
			if (lastPos < i) value += qs.slice(lastPos, i);
			value += ' ';
			lastPos = i + 1;
		} else if (!valueEncoded) {
			if (code === PERCENT) escapeChars = 1;
			else if (escapeChars > 0) {
				if (!isHex(code)) escapeChars = 0;
				else if (++escapeChars === 3) valueEncoded = true;
			}
		}
	}
	if (lastPos < qs.length) {
		if (inValue) value += qs.slice(lastPos);
		else key += qs.slice(lastPos);
	} else if (!inValue && key.length === 0) {
		return out;
	}
	addPair(out, key, value, keyEncoded, valueEncoded);
	return out;
}

function addPair(out: Record<string, unknown>, rawKey: string, rawValue: string, keyEncoded: boolean, valueEncoded: boolean): void {
	const key = keyEncoded && rawKey !== '' ? unescape(rawKey) : rawKey;
	const value = valueEncoded && rawValue !== '' ? unescape(rawValue) : rawValue;
	const seen = out[key];
	if (seen === undefined) out[key] = value;
	else if (Array.isArray(seen)) seen.push(value);
	else out[key] = [seen, value];
}

/** querystring.unescape: decodeURIComponent, or byte by byte where that throws. */
function unescape(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return unescapeBytes(text);
	}
}

function unescapeBytes(text: string): string {
	// Buffer, not TextDecoder: Node's querystring reads these bytes with Buffer#toString, and
	// like it each character outside an escape keeps only its low byte.
	const out = Buffer.alloc(text.length);
	let length = 0;
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code === 0x25 && i < text.length - 2 && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
			out[length++] = parseInt(text.slice(i + 1, i + 3), 16);
			i += 2;
		} else {
			out[length++] = code & 0xff;
		}
	}
	return out.toString('utf8', 0, length);
}

function isHex(code: number): boolean {
	return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}
