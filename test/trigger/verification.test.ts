/**
 * Signature verification over real HTTP: Segway's algorithm (reference, Push section), the
 * tamper matrix, encodings, how soon a rotated secret takes effect, and a broken setup.
 */
import type { IWorkflowExecuteAdditionalData } from 'n8n-workflow';

import { computeSignature } from '../../api/catalog/signature';
import { TriggerHarness } from '../../harness/webhook';
import { REREAD_AFTER_FAILURE_MS, SECRET_CACHE_MS } from '../../nodes/SegwayFleetTrigger/secret';
import {
	alertPush,
	faultPush,
	formBody,
	locationPush,
	post,
	postForm,
	SECRET,
	signed,
	statusPush,
	SUCCESS,
	type Params,
} from './pushes';

const INVALID = { code: 401, message: 'invalid signature' };

/** The README's promise: a rotated secret's old value verifies for at most this long. */
const ROTATION_BOUND_MS = 2_000;

let harness: TriggerHarness;

beforeEach(async () => {
	// The signature vectors below carry fixed times: the freshness check (hardening.test.ts) is off.
	harness = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters: { options: { maxPushAge: 0 } } });
	await harness.start();
});

afterEach(async () => {
	await harness.stop();
});

describe('hand-computed vectors', () => {
	test('the shared implementation agrees with md5sum on the reference example', () => {
		// printf 'a=1&b=2&client_secret=s' | md5sum
		expect(computeSignature({ b: '2', a: '1' }, 's')).toBe('ef56f5cd92e3fc9175dcd1af1027b440');
	});

	test('an alert signed by hand is accepted', async () => {
		// printf '%s' 'alertStatus=0&code=1&iotCode=861123456789012&platformCode=A20081&statusUtcTime=1700000000000&client_secret=TestSecret42' | md5sum
		const body =
			'iotCode=861123456789012&platformCode=A20081&statusUtcTime=1700000000000&alertStatus=0&code=1&signature=bf00eea02b917e572a387bc8adb9464b';
		const answer = await post(harness.urlFor('alert'), body);
		expect(answer.status).toBe(200);
		expect(answer.body).toBe('{"code":0,"message":"success"}');
		expect(harness.executions).toHaveLength(1);
	});

	test('special characters, non-ASCII text and an empty value, signed by hand over the decoded values', async () => {
		// printf '%s' 'code=32&empty=&faultStatus=0&iotCode=861123456789012&note=a=b c+d%e f&place=Zürich Straße 5 — 北京&platformCode=A20081&statusUtcTime=1700000000500&client_secret=TestSecret42' | md5sum
		// (An "&" in a value would make the signature ambiguous: hardening.test.ts refuses it.)
		const signature = '49e3daadd27d694f71695ad8704452c4';
		const params: Params = {
			place: 'Zürich Straße 5 — 北京',
			note: 'a=b c+d%e f',
			iotCode: '861123456789012',
			empty: '',
			platformCode: 'A20081',
			code: '32',
			faultStatus: '0',
			statusUtcTime: '1700000000500',
		};
		expect(computeSignature(params, SECRET)).toBe(signature);
		// Spaces as %20 here; as `+` in the next request (both are form encoding).
		const first = await post(harness.urlFor('fault'), `${formBody(params)}&signature=${signature}`);
		expect(first.status).toBe(200);
		const plusEncoded =
			'place=Z%C3%BCrich+Stra%C3%9Fe+5+%E2%80%94+%E5%8C%97%E4%BA%AC&note=a%3Db+c%2Bd%25e+f&iotCode=861123456789012&empty=&platformCode=A20081&code=32&faultStatus=0&statusUtcTime=1700000000500&signature=' +
			signature.toUpperCase();
		const second = await post(harness.urlFor('fault'), plusEncoded);
		expect(second.status).toBe(200);
		expect(second.json).toEqual(SUCCESS);
		// Identical push: the second is taken for Segway's retry and starts nothing.
		expect(harness.executions).toHaveLength(1);
		expect(harness.executions[0].items[0].json).toMatchObject({
			note: 'a=b c+d%e f',
			place: 'Zürich Straße 5 — 北京',
			empty: '',
		});
	});
});

describe('each event type', () => {
	test.each([
		['alert', alertPush()],
		['fault', faultPush()],
		['location', locationPush()],
		['status', statusPush()],
	])('a genuine %s push is answered 200 with the success body and starts one run', async (event, params) => {
		const answer = await postForm(harness.urlFor(event), signed(params));
		expect(answer.status).toBe(200);
		expect(answer.body).toBe('{"code":0,"message":"success"}');
		expect(harness.executions).toHaveLength(1);
		expect(harness.executions[0].items).toHaveLength(1);
		expect(harness.executions[0].items[0].json.event).toBe(event);
	});

	test('the URL to register is <n8n>/webhook/<webhookId> with Segway adding /v2/vehicle/<event>', async () => {
		expect(harness.urlFor('status')).toBe(`${harness.registrationUrl}/v2/vehicle/status`);
		const answer = await postForm(`${harness.registrationUrl}/v2/vehicle/unknown`, signed(alertPush()));
		expect(answer.status).toBe(404);
	});
});

describe('tamper matrix: 401, nothing started, nothing leaked', () => {
	const genuine = signed(alertPush());
	const cases: Array<[string, Params]> = [
		['a changed value', { ...genuine, code: '3' }],
		['an added field', { ...genuine, extra: 'x' }],
		['a removed field', (({ statusUtcTime: _removed, ...rest }) => rest)(genuine)],
		['a wrong secret', signed(alertPush(), 'WrongSecret')],
		['a missing signature', (({ signature: _removed, ...rest }) => rest)(genuine)],
		['an empty signature', { ...genuine, signature: '' }],
		['a signature that is not hex', { ...genuine, signature: 'z'.repeat(32) }],
		['a truncated signature', { ...genuine, signature: genuine.signature.slice(0, 31) }],
	];

	test.each(cases)('%s', async (_name, params) => {
		const answer = await postForm(harness.urlFor('alert'), params);
		expect(answer.status).toBe(401);
		expect(answer.json).toEqual(INVALID);
		expect(answer.body).not.toContain(SECRET);
		expect(answer.body).not.toContain(computeSignature(alertPush(), SECRET));
		expect(harness.executions).toHaveLength(0);
	});

	test('a repeated key cannot be verified', async () => {
		const body = `${formBody(genuine)}&code=1`;
		const answer = await post(harness.urlFor('alert'), body);
		expect(answer.status).toBe(401);
		expect(harness.executions).toHaveLength(0);
	});

	test('an empty body', async () => {
		const answer = await post(harness.urlFor('alert'), '');
		expect(answer.status).toBe(401);
		expect(harness.executions).toHaveLength(0);
	});

	test('a genuine push on another kind\'s path is refused (the signature does not cover the path)', async () => {
		const fault = await postForm(harness.urlFor('alert'), signed(faultPush()));
		expect(fault.status).toBe(422);
		expect(fault.json).toEqual({ code: 422, message: 'not a valid alert push: faultStatus belongs to another kind of push (wrong path?)' });
		const status = await postForm(harness.urlFor('alert'), signed(statusPush()));
		expect(status.json).toEqual({ code: 422, message: 'not a valid alert push: online belongs to another kind of push (wrong path?)' });
		expect(harness.executions).toHaveLength(0);
	});
});

describe('field order and encodings', () => {
	test('any field order verifies', async () => {
		const params = signed(locationPush());
		const keys = Object.keys(params);
		const reversed = [...keys].reverse();
		const shuffled = [keys[3], keys[0], keys[9], keys[1], keys[5], keys[2], keys[8], keys[4], keys[7], keys[6]];
		for (const order of [keys, reversed, shuffled]) {
			const answer = await post(harness.urlFor('location'), formBody(params, order));
			expect(answer.status).toBe(200);
		}
		// Same push three times: one run, the rest are taken for retries.
		expect(harness.executions).toHaveLength(1);
	});

	test('the signature hex is compared case-insensitively', async () => {
		const params = signed(alertPush({ code: '6' }));
		const answer = await postForm(harness.urlFor('alert'), { ...params, signature: params.signature.toUpperCase() });
		expect(answer.status).toBe(200);
		expect(harness.executions).toHaveLength(1);
	});

	test('a JSON body with the same fields is accepted; numbers and booleans sign as String(value)', async () => {
		const fields = {
			iotCode: '861123456789012',
			platformCode: 'A20081',
			online: true,
			locked: false,
			charging: false,
			powerPercent: 55,
			lockVoltage: 412,
			remainingRange: 1230,
			statusUtcTime: 1700000123000,
			note: null,
		};
		const asForm: Params = {
			iotCode: '861123456789012',
			platformCode: 'A20081',
			online: 'true',
			locked: 'false',
			charging: 'false',
			powerPercent: '55',
			lockVoltage: '412',
			remainingRange: '1230',
			statusUtcTime: '1700000123000',
			note: '',
		};
		const signature = computeSignature(asForm, SECRET);
		const answer = await post(
			harness.urlFor('status'),
			JSON.stringify({ ...fields, signature }),
			'application/json',
		);
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual(SUCCESS);
		expect(harness.executions).toHaveLength(1);
		expect(harness.executions[0].items[0].json).toMatchObject({
			online: true,
			locked: false,
			powerPercent: 55,
			statusUtcTime: 1700000123000,
		});
	});

	test('a JSON body with a nested value cannot be verified', async () => {
		const params = signed(alertPush());
		const answer = await post(
			harness.urlFor('alert'),
			JSON.stringify({ ...params, nested: { a: 1 } }),
			'application/json',
		);
		expect(answer.status).toBe(401);
	});

	test('a text/plain body is split on & and = (reference step 1)', async () => {
		const params = signed(alertPush({ code: '2' }));
		const answer = await post(harness.urlFor('alert'), formBody(params), 'text/plain');
		expect(answer.status).toBe(200);
		expect(harness.executions).toHaveLength(1);
	});
});

describe('the client secret is read once a few seconds, and again when it may have changed', () => {
	// The trigger reads the time through Date.now: the tests hold it still and move it, so a busy
	// machine cannot let a cached secret run out between two pushes.
	let offset = 0;
	beforeEach(() => {
		offset = 0;
		const start = Date.now();
		jest.spyOn(Date, 'now').mockImplementation(() => start + offset);
	});
	afterEach(() => jest.restoreAllMocks());
	const advance = (ms: number) => (offset += ms);
	const alert = (code: string, secret = SECRET) => postForm(harness.urlFor('alert'), signed(alertPush({ code }), secret));

	test('many pushes, one credential read', async () => {
		for (let i = 0; i < 10; i++) {
			const answer = await postForm(harness.urlFor('alert'), signed(alertPush({ statusUtcTime: String(1700000000 + i) })));
			expect(answer.status).toBe(200);
		}
		expect(harness.credentialReads).toBe(1);
	});

	test('pushes keep coming: one read per SECRET_CACHE_MS', async () => {
		// Two minutes of pushes, ten a second: the secret is read once per interval, not per push.
		for (let t = 0; t < 120_000; t += 100) {
			offset = t;
			expect((await alert(String((t / 100) % 2 === 0 ? 1 : 6))).status).toBe(200);
		}
		expect(harness.credentialReads).toBe(120_000 / SECRET_CACHE_MS);
	});

	test('wrong signatures keep coming: one read per REREAD_AFTER_FAILURE_MS, however old the copy', async () => {
		expect((await alert('1')).status).toBe(200);
		for (let t = 0; t < 60_000; t += 100) {
			offset = t;
			expect((await alert('2', 'WrongSecret')).status).toBe(401);
		}
		expect(harness.credentialReads).toBe(1 + 60_000 / REREAD_AFTER_FAILURE_MS);
	});

	test('a rotated secret is honoured on the first push signed with it; the old one is refused', async () => {
		expect((await postForm(harness.urlFor('alert'), signed(alertPush()))).status).toBe(200);
		harness.setCredential({ clientId: 'A20081', clientSecret: 'rotated-secret' });
		const rotated = await postForm(harness.urlFor('alert'), signed(alertPush({ code: '3' }), 'rotated-secret'));
		expect(rotated.status).toBe(200);
		expect(harness.credentialReads).toBe(2);
		const old = await postForm(harness.urlFor('alert'), signed(alertPush({ code: '2' })));
		expect(old.status).toBe(401);
		expect(harness.executions).toHaveLength(2);
	});

	test('the old secret stops verifying 2 s after the change, though no push carries the new one', async () => {
		expect((await alert('1')).status).toBe(200);
		// Rotated because it leaked: only the holder of the old secret sends.
		harness.setCredential({ clientId: 'A20081', clientSecret: 'rotated-secret' });
		advance(ROTATION_BOUND_MS);
		const old = await alert('2');
		expect(old.status).toBe(401);
		expect(old.json).toEqual(INVALID);
		expect((await alert('3', 'rotated-secret')).status).toBe(200);
		expect(harness.credentialReads).toBe(2);
		expect(harness.executions.map((run) => run.items[0].json.code)).toEqual([1, 3]);
	});

	test("a push signed with the new secret is taken at the latest on Segway's resend 5 s later", async () => {
		expect((await alert('1')).status).toBe(200);
		// A wrong signature just used the re-read a failure may prompt.
		expect((await alert('2', 'WrongSecret')).status).toBe(401);
		expect(harness.credentialReads).toBe(2);
		harness.setCredential({ clientId: 'A20081', clientSecret: 'rotated-secret' });
		const push = signed(alertPush({ code: '3' }), 'rotated-secret');
		expect((await postForm(harness.urlFor('alert'), push)).status).toBe(401);
		advance(5_000);
		expect((await postForm(harness.urlFor('alert'), push)).status).toBe(200);
		expect(harness.executions).toHaveLength(2);
	});

	test('pushes that arrive while the secret is being read share that read', async () => {
		// n8n's credential read made slow, as a busy database makes it: held until every push is in.
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		let arrived = 0;
		const inner = harness as unknown as { additionalData: (...args: unknown[]) => IWorkflowExecuteAdditionalData };
		const additionalData = inner.additionalData.bind(harness);
		jest.spyOn(inner, 'additionalData').mockImplementation((...args) => {
			arrived++;
			const data = additionalData(...args);
			const helper = data.credentialsHelper;
			const getDecrypted = helper.getDecrypted.bind(helper);
			helper.getDecrypted = async (...read) => {
				await held;
				return await getDecrypted(...read);
			};
			return data;
		});
		const answers = Promise.all(['1', '2', '3', '4', '6', '7', '8', '9'].map((code) => alert(code)));
		while (arrived < 8) await new Promise((resolve) => setTimeout(resolve, 5));
		for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
		release();
		expect((await answers).map((answer) => answer.status)).toEqual(Array(8).fill(200));
		expect(harness.credentialReads).toBe(1);
	});

	test('a credential that cannot be read is read once per SECRET_CACHE_MS, and taken again by the next push after it', async () => {
		harness.setCredential('deleted');
		// A flood while the credential is deleted: every push refused, one read per interval.
		for (let t = 0; t < 10_000; t += 100) {
			offset = t;
			expect((await alert(t % 200 === 0 ? 'x' : '1', t % 200 === 0 ? 'WrongSecret' : SECRET)).status).toBe(500);
		}
		expect(harness.credentialReads).toBe(10_000 / SECRET_CACHE_MS);
		harness.setCredential({ clientId: 'A20081', clientSecret: SECRET });
		// Segway resends a refused push 5 s later: by then the repaired credential is read.
		advance(5_000);
		expect((await alert('1')).status).toBe(200);
		expect(harness.executions).toHaveLength(1);
	});
});

describe('bad setup never crashes and answers clearly', () => {
	test('no credential on the node: 500 with a clear message, nothing started', async () => {
		harness.setCredential(null);
		const answer = await postForm(harness.urlFor('alert'), signed(alertPush()));
		expect(answer.status).toBe(500);
		expect(answer.json).toEqual({
			code: 500,
			message: 'the trigger has no usable Segway Fleet API credential',
		});
		expect(harness.executions).toHaveLength(0);
	});

	test('an empty client secret: 500, even for a push "signed" with an empty secret', async () => {
		harness.setCredential({ clientId: 'A20081', clientSecret: '' });
		const answer = await postForm(harness.urlFor('alert'), signed(alertPush(), ''));
		expect(answer.status).toBe(500);
		expect(answer.json).toEqual({
			code: 500,
			message: 'the Segway Fleet API credential has no client secret',
		});
		expect(harness.executions).toHaveLength(0);
	});

	test('the server keeps working after a bad request', async () => {
		const start = Date.now();
		const now = jest.spyOn(Date, 'now').mockReturnValue(start);
		try {
			harness.setCredential(null);
			await postForm(harness.urlFor('alert'), signed(alertPush()));
			harness.setCredential({ clientId: 'A20081', clientSecret: SECRET });
			// The failed read stands for SECRET_CACHE_MS; Segway resends 5 s later.
			now.mockReturnValue(start + 5_000);
			const answer = await postForm(harness.urlFor('alert'), signed(alertPush()));
			expect(answer.status).toBe(200);
			expect(harness.executions).toHaveLength(1);
		} finally {
			now.mockRestore();
		}
	});
});
