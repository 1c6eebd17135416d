/**
 * Turning a received body into the parameters Segway signed, and checking the signature.
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
 * - The hex signature is compared case-insensitively and in constant time.
 */
import { timingSafeEqual } from 'crypto';

import { computeSignature, SIGNATURE_FIELD } from '../../api/catalog/signature';

export interface SignedPush {
	/** Every received parameter except `signature`, as strings. */
	params: Record<string, string>;
	/** The received signature, or undefined when absent. */
	signature: string | undefined;
}

/** Reads a parsed body; undefined when it cannot have been signed by Segway. */
export function readSignedPush(body: unknown): SignedPush | undefined {
	if (typeof body === 'string') return fromObject(parseFormString(body));
	if (body === null || body === undefined) return { params: {}, signature: undefined };
	if (typeof body !== 'object' || Array.isArray(body)) return undefined;
	return fromObject(body as Record<string, unknown>);
}

function fromObject(body: Record<string, unknown>): SignedPush | undefined {
	// Object.create(null): keys come from the sender, so none may reach a prototype.
	const params: Record<string, string> = Object.create(null) as Record<string, string>;
	let signature: string | undefined;
	for (const key of Object.keys(body)) {
		const value = asSignedValue(body[key]);
		if (value === undefined) return undefined;
		if (key === SIGNATURE_FIELD) signature = value;
		else params[key] = value;
	}
	return { params, signature };
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

const HEX_32 = /^[0-9a-fA-F]{32}$/;

/** True when `signature` is the MD5 the reference prescribes for `params` and `clientSecret`. */
export function isSignatureValid(
	params: Readonly<Record<string, string>>,
	signature: string | undefined,
	clientSecret: string,
): boolean {
	if (signature === undefined || !HEX_32.test(signature)) return false;
	const expected = Buffer.from(computeSignature(params, clientSecret), 'latin1');
	const received = Buffer.from(signature.toLowerCase(), 'latin1');
	return timingSafeEqual(expected, received);
}
