import { request } from 'undici';
import { findOperation } from '../../api/catalog/operations';
import { DEMO_CLIENT, REFERENCE_IOT_CODE, startSimulator, type Simulator } from '../../simulator';
import { call, getToken } from './helpers';

const status = findOperation('query', 'status')!;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function tokenRequest(sim: Simulator, form: Record<string, string>) {
	const res = await request(`${sim.url}/oauth/token`, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams(form).toString(),
	});
	return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

const codeWith = async (sim: Simulator, token: string | undefined, scheme?: string) =>
	(await call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token, scheme)).body.code;

describe('tokens', () => {
	let sim: Simulator;
	afterEach(() => sim.close());

	it('issues a bearer token to the demo client, as in the reference', async () => {
		sim = await startSimulator({ tokenTtlSeconds: 3600 });
		const { status: http, body } = await tokenRequest(sim, {
			client_id: DEMO_CLIENT.clientId,
			client_secret: DEMO_CLIENT.clientSecret,
			grant_type: 'client_credentials',
		});
		expect(http).toBe(200);
		expect(body).toEqual({ access_token: expect.stringMatching(UUID), token_type: 'bearer', expires_in: 3600, scope: 'read write trust' });
		expect(sim.stats.tokenRequests).toBe(1);
	});

	it('answers bad credentials with exactly the reference 401 body', async () => {
		sim = await startSimulator({ clients: [{ clientId: 'E10001', clientSecret: 'secret-1' }] });
		const forms: Record<string, string>[] = [
			{ client_id: 'E10001', client_secret: 'wrong', grant_type: 'client_credentials' },
			{ client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret, grant_type: 'client_credentials' },
			{ grant_type: 'client_credentials' },
		];
		for (const form of forms) {
			const res = await request(`${sim.url}/oauth/token`, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams(form).toString(),
			});
			expect(res.statusCode).toBe(401);
			expect(await res.body.text()).toBe('{"error":"invalid_client","error_description":"Bad client credentials"}');
		}
		expect((await tokenRequest(sim, { client_id: 'E10001', client_secret: 'secret-1', grant_type: 'client_credentials' })).status).toBe(200);
	});

	it('refuses another grant type with 400 unsupported_grant_type', async () => {
		sim = await startSimulator();
		const { status: http, body } = await tokenRequest(sim, {
			client_id: DEMO_CLIENT.clientId,
			client_secret: DEMO_CLIENT.clientSecret,
			grant_type: 'password',
		});
		expect(http).toBe(400);
		expect(body.error).toBe('unsupported_grant_type');
	});

	it('answers a missing, unknown or malformed token with 15101 in an HTTP 200 body', async () => {
		sim = await startSimulator();
		const token = await getToken(sim);
		const answer = await call(sim, status, { iotCode: REFERENCE_IOT_CODE }, undefined);
		expect(answer.status).toBe(200);
		expect(answer.body).toMatchObject({ code: 15101, msg: 'token verification failed', data: null });
		expect(await codeWith(sim, '83efe135-8203-404c-b489-b5fbf8050d3d')).toBe(15101);
		expect(await codeWith(sim, token, 'basic')).toBe(15101);
		expect(await codeWith(sim, token, 'bearer')).toBe(0);
		expect(await codeWith(sim, token, 'Bearer')).toBe(0);
		expect(await codeWith(sim, token, 'BEARER')).toBe(0);
	});

	it('lets a token die at expiry', async () => {
		sim = await startSimulator({ tokenTtlSeconds: 60 });
		const token = await getToken(sim);
		sim.advanceTokenTime(59);
		expect(await codeWith(sim, token)).toBe(0);
		sim.advanceTokenTime(1);
		expect(await codeWith(sim, token)).toBe(15101);
	});

	it('keeps the previous token alive for the overlap after a renewal, then kills it', async () => {
		sim = await startSimulator({ tokenTtlSeconds: 3600, tokenOverlapSeconds: 300 });
		const first = await getToken(sim);
		const second = await getToken(sim);
		expect(second).not.toBe(first);
		sim.advanceTokenTime(299);
		expect(await codeWith(sim, first)).toBe(0);
		expect(await codeWith(sim, second)).toBe(0);
		expect(sim.tokenCounts()).toEqual([{ clientId: DEMO_CLIENT.clientId, liveTokens: 2 }]);
		sim.advanceTokenTime(1);
		expect(await codeWith(sim, first)).toBe(15101);
		expect(await codeWith(sim, second)).toBe(0);
		expect(sim.tokenCounts()).toEqual([{ clientId: DEMO_CLIENT.clientId, liveTokens: 1 }]);
	});

	it('does not extend an old token that expires within the overlap anyway', async () => {
		sim = await startSimulator({ tokenTtlSeconds: 100, tokenOverlapSeconds: 300 });
		const first = await getToken(sim);
		await getToken(sim);
		sim.advanceTokenTime(100);
		expect(await codeWith(sim, first)).toBe(15101);
	});

	it('refuses every token while refuseTokens is on, and accepts them again after', async () => {
		sim = await startSimulator();
		const token = await getToken(sim);
		sim.configure({ refuseTokens: true });
		expect(await codeWith(sim, token)).toBe(15101);
		expect(await codeWith(sim, await getToken(sim))).toBe(15101);
		sim.configure({ refuseTokens: false });
		expect(await codeWith(sim, token)).toBe(0);
	});

	it('kills every token on revoke', async () => {
		sim = await startSimulator();
		const token = await getToken(sim);
		sim.revokeTokens();
		expect(await codeWith(sim, token)).toBe(15101);
	});

	it('answers the expires_in it is told while the token lives its real life, and null goes back', async () => {
		sim = await startSimulator({ tokenTtlSeconds: 3600 });
		const form = { client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret, grant_type: 'client_credentials' };
		sim.configure({ tokenExpiresIn: 0.001 });
		expect(sim.options.tokenExpiresIn).toBe(0.001);
		const { body } = await tokenRequest(sim, form);
		expect(body.expires_in).toBe(0.001);
		sim.advanceTokenTime(60);
		expect(await codeWith(sim, body.access_token as string)).toBe(0);
		sim.configure({ tokenExpiresIn: null });
		expect((await tokenRequest(sim, form)).body.expires_in).toBe(3600);
		expect(() => sim.configure({ tokenExpiresIn: Number.NaN })).toThrow(RangeError);
	});

	it('takes the expires_in it answers as a start option too', async () => {
		sim = await startSimulator({ tokenExpiresIn: 0.001 });
		const form = { client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret, grant_type: 'client_credentials' };
		expect((await tokenRequest(sim, form)).body.expires_in).toBe(0.001);
	});

	it('with HTTP 401 refusals, refuses every request with 401 while refuseTokens is on, fresh tokens included', async () => {
		sim = await startSimulator({ tokenRejection: 'http401', refuseTokens: true });
		const res = await call(sim, status, { iotCode: REFERENCE_IOT_CODE }, await getToken(sim));
		expect(res.status).toBe(401);
	});
});
