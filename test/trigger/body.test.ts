/**
 * The body reader (body.ts): its work on a junk body is bounded by the body's size before a key
 * is enumerated, whatever the content type, and one body gets one answer whether it arrives as a
 * form or as `text/plain`. Pushes go through the webhook path for real (harness/webhook.ts parses
 * bodies as n8n 2.41.1's body-parser does); the bound on enumeration is checked on the reader
 * alone, with a body that counts what is read of it.
 */
import { parse as parseQuery } from 'querystring';

import { computeSignature } from '../../api/catalog/signature';
import { MAX_BODY_BYTES, MAX_FIELDS, readSignedPush, receivedBytes, RESERVED_FIELDS } from '../../nodes/SegwayFleetTrigger/body';
import { TriggerHarness } from '../../harness/webhook';
import { alertPush, formBody, post, SECRET, signed, SUCCESS, type Params } from './pushes';

const WELL_FORMED = '0'.repeat(32);

/** A body of `count` keys that counts every key and value read of it, as a Proxy. */
function countingBody(count: number): { body: object; reads: { keyLists: number; keys: number; values: number } } {
	const keys = Array.from({ length: count }, (_, i) => (i === 0 ? 'signature' : `k${i}`));
	const reads = { keyLists: 0, keys: 0, values: 0 };
	const body = new Proxy(
		{},
		{
			ownKeys: () => {
				reads.keyLists += 1;
				return keys;
			},
			getOwnPropertyDescriptor: (_target, key) => {
				reads.keys += 1;
				return { value: key === 'signature' ? WELL_FORMED : 'v', enumerable: true, configurable: true, writable: true };
			},
			get: (_target, key) => {
				reads.values += 1;
				return key === 'signature' ? WELL_FORMED : 'v';
			},
		},
	);
	return { body, reads };
}

/** n8n 2.41.1's reading of a form body (middlewares/body-parser.js). */
function n8nForm(text: string): unknown {
	return parseQuery(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, undefined, undefined, { maxKeys: 1000 });
}

describe('the reader alone: a junk body is refused by its size before any key is read', () => {
	test('a JSON body of 1,000,000 keys, as n8n hands it over: refused without listing a key', () => {
		const { body, reads } = countingBody(1_000_000);
		// `{"signature":"0…0","k1":"v",…}`: what n8n read before parsing it.
		const rawBody = Buffer.alloc(14 * 1_000_000);
		expect(readSignedPush(body, receivedBytes({ rawBody, headers: { 'content-type': 'application/json' } }))).toEqual({ refused: 'too-large' });
		expect(reads).toEqual({ keyLists: 0, keys: 0, values: 0 });
	});

	test('n8n keeps the raw body decompressed; without it, an uncompressed body\'s Content-Length counts', () => {
		// A gzipped body's Content-Length is its compressed size: the raw body n8n read wins.
		expect(receivedBytes({ rawBody: Buffer.alloc(50_000), headers: { 'content-encoding': 'gzip', 'content-length': '900' } })).toBe(50_000);
		expect(receivedBytes({ headers: { 'content-length': '17000' } })).toBe(17_000);
		expect(receivedBytes({ headers: { 'content-encoding': 'gzip', 'content-length': '900' } })).toBeUndefined();
		expect(receivedBytes({ headers: { 'content-length': '12abc' } })).toBeUndefined();
		expect(receivedBytes({ headers: {} })).toBeUndefined();
	});

	test('within the size bound, no more than MAX_FIELDS + 1 fields are read before the field bound refuses', () => {
		const { body, reads } = countingBody(MAX_FIELDS + 500);
		expect(readSignedPush(body, MAX_BODY_BYTES)).toEqual({ refused: 'too-large' });
		expect(reads.keyLists).toBe(1);
		expect(reads.values).toBe(MAX_FIELDS + 1);
	});

	test('the size bound is the same for every content type: one byte over is too large, however few the fields', () => {
		const over = MAX_BODY_BYTES + 1;
		for (const body of [{ signature: WELL_FORMED }, `signature=${WELL_FORMED}`, undefined]) {
			expect(readSignedPush(body, over)).toEqual({ refused: 'too-large' });
			expect(readSignedPush(body, MAX_BODY_BYTES)).not.toEqual({ refused: 'too-large' });
		}
	});
});

describe('a text/plain body is read exactly as n8n reads the same body sent as a form', () => {
	/** Pieces that make the readings differ if anything is decoded otherwise: bad escapes, UTF-8, `+`, BOM. */
	const PIECES = ['a', 'k', '=', '&', '%', '%4', '%41', '%zz', '%E0%A4', '%C3%A9', '%F0%9F%98%80', '%2', '+', 'é', '€', '😀', '\uFEFF', '%25', '%26', '%3D', '1', 'F'];

	test('3,000 random bodies: the same parameters and signature, or the same refusal', () => {
		let seed = 42;
		const random = (n: number) => {
			seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
			return seed % n;
		};
		for (let i = 0; i < 3_000; i++) {
			const text = Array.from({ length: 1 + random(24) }, () => PIECES[random(PIECES.length)]).join('');
			const bytes = Buffer.byteLength(text);
			expect([text, readSignedPush(text, bytes)]).toEqual([text, readSignedPush(n8nForm(text), bytes)]);
		}
	});

	test("n8n's pair limit (1,000) and repeated keys: the same answer as a form", () => {
		for (const text of ['a=1&'.repeat(1_200), 'a=1&a=2', `${'&'.repeat(999)}a=1&a=2`, `${'&'.repeat(998)}a=1&a=2`, 'x=1&'.repeat(MAX_FIELDS) + 'a=1&a=2']) {
			expect(readSignedPush(text, text.length)).toEqual(readSignedPush(n8nForm(text), text.length));
		}
	});
});

describe('through the webhook: one answer per body, whatever the content type', () => {
	let harness: TriggerHarness;
	beforeEach(async () => {
		harness = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET } });
		await harness.start();
	});
	afterEach(async () => await harness.stop());

	/** An alert push whose `note` is sent as `raw` (no further encoding), signed over `signedNote`. */
	function alertWithRawNote(raw: string, signedNote: string): string {
		const params = alertPush();
		const signature = computeSignature({ ...params, note: signedNote }, SECRET);
		return `${formBody(params)}&note=${raw}&signature=${signature}`;
	}

	test.each([
		// [sent as, what n8n reads it as]: a malformed escape stays, the rest is decoded.
		['%41%zz', 'A%zz'],
		['100%', '100%'],
		['%E0%A4', '\uFFFD'],
		['caf%C3%A9%2', 'café%2'],
	])('a bad percent-escape (%s): 200 as a form and as text/plain when signed as n8n reads it, 401 for both otherwise', async (raw, read) => {
		const asRead = alertWithRawNote(raw, read);
		expect((await post(harness.urlFor('alert'), asRead)).status).toBe(200);
		expect((await post(harness.urlFor('alert'), asRead, 'text/plain')).status).toBe(200);
		// The second is Segway's resend of the first: one run, with the note as signed.
		expect(harness.executions.map((run) => run.items[0].json.note)).toEqual([read]);
		if (raw !== read) {
			const asSent = alertWithRawNote(raw, raw);
			expect((await post(harness.urlFor('alert'), asSent)).status).toBe(401);
			expect((await post(harness.urlFor('alert'), asSent, 'text/plain')).status).toBe(401);
		}
	});

	test('a byte-order mark before a text/plain body is dropped, as n8n 2.x drops it before a form body', async () => {
		// n8n 2.41.1 hands the node a form body without its BOM (stripBom in body-parser.js).
		const body = formBody(signed(alertPush()));
		expect((await post(harness.urlFor('alert'), `\uFEFF${body}`, 'text/plain')).json).toEqual(SUCCESS);
		expect(readSignedPush(`\uFEFF${body}`, undefined)).toEqual(readSignedPush(n8nForm(`\uFEFF${body}`), undefined));
	});

	const CONTENT_TYPES: Array<[string, (params: Params) => string]> = [
		['application/x-www-form-urlencoded', (params) => formBody(params)],
		['text/plain', (params) => formBody(params)],
		// JSON.stringify writes an own `__proto__` key like any other; JSON.parse gives it back as one.
		['application/json', (params) => JSON.stringify(params)],
	];

	test.each([...RESERVED_FIELDS].flatMap((name) => CONTENT_TYPES.map(([type, encode]) => [name, type, encode] as const)))(
		'a correctly signed push with a field named %s, as %s: 401 unverifiable, no credential read, nothing started',
		async (name, contentType, encode) => {
			const params = alertPush();
			Object.defineProperty(params, name, { value: 'x', enumerable: true, configurable: true, writable: true });
			const body = encode(signed(params));
			expect(body).toContain(name);
			const answer = await post(harness.urlFor('alert'), body, contentType);
			expect(answer.status).toBe(401);
			expect(answer.json).toEqual({ code: 401, message: 'invalid signature' });
			expect(harness.credentialReads).toBe(0);
			expect(harness.executions).toHaveLength(0);
			// The same push without it is taken, in the same content type.
			expect((await post(harness.urlFor('alert'), encode(signed(alertPush({ note: 'x' }))), contentType)).status).toBe(200);
		},
	);

	test('a body over the size bound is refused with 413 however few its fields: as JSON, as a form and as text', async () => {
		const params = signed(alertPush({ note: 'n'.repeat(MAX_BODY_BYTES) }));
		for (const [type, encode] of CONTENT_TYPES) {
			const answer = await post(harness.urlFor('alert'), encode(params), type);
			expect([type, answer.status]).toEqual([type, 413]);
		}
		expect(harness.credentialReads).toBe(0);
	});
});
