/**
 * A gateway that keeps refusing tokens, or answers absurd lifetimes, must not turn a run into a
 * storm on Segway's token endpoint or on n8n's database (credential write-backs). Counts come from
 * the simulator's recorder and the credentials helper's write-back counter.
 */
import type { IHttpRequestHelper } from 'n8n-workflow';

import { SegwayFleetApi } from '../../credentials/SegwayFleetApi.credentials';
import { NODE_MANAGED_TOKEN } from '../../api/transport/tokens';
import { fast, startFixture, type Fixture } from './fixtures';

let fx: Fixture;
beforeEach(async () => (fx = await startFixture({ vehicles: 50 })));
afterEach(async () => await fx.sim.close());

const ITEMS = 50;
const status = fast({ resource: 'query', operation: 'status', iotCode: '={{ $json.iotCode }}' });
const items = () => fx.sim.iotCodes.slice(0, ITEMS).map((iotCode) => ({ iotCode }));
const errors = (output: { json: { error?: unknown } }[] | undefined) => (output ?? []).map((item) => item.json.error);

describe.each([
	['HTTP 401', 'http401'],
	['code 15101', 'code'],
] as const)('every token refused with %s', (how, tokenRejection) => {
	test(`${ITEMS} items: 2 token requests, ${ITEMS + 1} API requests, no write-back; the next run 1 and 1`, async () => {
		fx.sim.configure({ tokenRejection, refuseTokens: true });
		const result = await fx.run(status, items(), true);
		// The first token goes with all 50 requests in flight; its one replacement is tried by a
		// single request, whose refusal fails the other 49 unsent.
		expect(fx.tokenRequests()).toBe(2);
		expect(fx.apiRequests().length).toBe(ITEMS + 1);
		expect(fx.credential.updates).toBe(0);
		const message = `Segway refused a freshly issued access token (${how}), so no further token was requested`;
		expect(errors(result.output)).toEqual(Array(ITEMS).fill(message));

		// The refused replacement is not used again: the next run fetches one token and tries it once.
		const next = await fx.run(status, items(), true);
		expect(errors(next.output)).toEqual(Array(ITEMS).fill(message));
		expect(fx.tokenRequests()).toBe(3);
		expect(fx.apiRequests().length).toBe(ITEMS + 2);
		expect(fx.credential.updates).toBe(0);

		// Once Segway takes tokens again, so does the node, without anyone touching the credential.
		fx.sim.configure({ refuseTokens: false });
		const healed = await fx.run(status, items(), true);
		expect(errors(healed.output)).toEqual(Array(ITEMS).fill(undefined));
		expect(fx.tokenRequests()).toBe(4);
	});
});

test(`a token revoked with ${ITEMS} requests in flight: one replacement, no credential write-back`, async () => {
	fx.sim.configure({ tokenRejection: 'http401' });
	await fx.run(status, [{ iotCode: fx.sim.iotCodes[0] }]);
	fx.sim.revokeTokens();
	// All 50 requests carry the dead token into the simulator together, so all 50 are refused at once.
	const together = fx.sim.holdUntilInFlight(ITEMS);
	const result = await fx.run(status, items(), true);
	expect(await together).toEqual({ reached: true, held: ITEMS });
	expect(errors(result.output)).toEqual(Array(ITEMS).fill(undefined));
	expect(fx.tokenRequests()).toBe(2);
	// n8n's own refresh on 401 wrote the credential back once per refused request: 50 writes.
	expect(fx.credential.updates).toBe(0);
	expect(fx.apiRequests().map((r) => r.status).sort()).toEqual([...Array(ITEMS + 1).fill(200), ...Array(ITEMS).fill(401)]);
});

test.each([0.001, 0])('expires_in %p does not make every request fetch a token', async (expiresIn) => {
	fx.sim.configure({ tokenExpiresIn: expiresIn });
	for (let run = 0; run < 3; run++) {
		// One request at a time: no fetch in flight to share, each request finds the cache as it is.
		const result = await fx.run(fast(status, { concurrency: 1 }), items(), true);
		expect(errors(result.output)).toEqual(Array(ITEMS).fill(undefined));
	}
	// The token is used for at least MIN_TOKEN_LIFETIME_MS (60 s), and it really lives for hours.
	expect(fx.tokenRequests()).toBe(1);
	expect(fx.apiRequests().length).toBe(3 * ITEMS);
});

test('a token that really dies at once, as its expires_in said: the run fails, 2 token requests', async () => {
	// The floor keeps the token, Segway refuses it; the replacement dies as fast and is refused too.
	fx.sim.configure({ tokenTtlSeconds: 0, tokenExpiresIn: 0.001 });
	const result = await fx.run(status, items(), true);
	expect(fx.tokenRequests()).toBe(2);
	expect(fx.apiRequests().length).toBe(ITEMS + 1);
	expect(new Set(errors(result.output))).toEqual(new Set(['Segway refused a freshly issued access token (code 15101), so no further token was requested']));
});

test("n8n 1.x's refresh on 401 (no way to turn it off there) fetches and writes nothing for the node's requests", async () => {
	// n8n 1.x calls preAuthentication on every 401 and stores what it returns; narrow unit: the hook alone.
	const httpRequest = jest.fn();
	const helper = { helpers: { httpRequest } } as unknown as IHttpRequestHelper;
	const credentials = { ...fx.credential.data, accessToken: 'refused-token' };
	const credential = new SegwayFleetApi();
	expect(await credential.preAuthentication.call(helper, { ...credentials, [NODE_MANAGED_TOKEN]: true })).toEqual({});
	expect(httpRequest).not.toHaveBeenCalled();
	// Any other caller (the credential test, n8n's HTTP Request node) still gets a token.
	httpRequest.mockResolvedValueOnce({ access_token: 'fresh', expires_in: 43199 });
	expect(await credential.preAuthentication.call(helper, credentials)).toEqual({ accessToken: 'fresh' });
});
