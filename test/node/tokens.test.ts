/**
 * One access token serves every item and execution; it is renewed before it expires, replaced
 * once when the API rejects it, and never fetched twice at the same time. The storms of a
 * gateway that keeps refusing are in token-storms.test.ts.
 */
import { fast, startFixture, type Fixture } from './fixtures';

let fx: Fixture;
beforeEach(async () => (fx = await startFixture({ vehicles: 50 })));
afterEach(async () => await fx.sim.close());

const status = fast({ resource: 'query', operation: 'status', iotCode: '={{ $json.iotCode }}' });
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ iotCode: fx.sim.iotCodes[i % 50] }));

test('one token for many items and several executions', async () => {
	for (let run = 0; run < 3; run++) {
		const result = await fx.run(status, items(10));
		expect(result.output).toHaveLength(10);
	}
	expect(fx.tokenRequests()).toBe(1);
	const tokens = new Set(fx.apiRequests().map((r) => r.authorization));
	expect(tokens.size).toBe(1);
	expect(fx.apiRequests()).toHaveLength(30);
});

test('200 concurrent first requests fetch a single token', async () => {
	// The first 50 requests are held until all 50 are in flight: they really waited on one fetch.
	const together = fx.sim.holdUntilInFlight(50);
	const result = await fx.run(fast(status, { concurrency: 50 }), items(200));
	expect(result.output).toHaveLength(200);
	expect(await together).toEqual({ reached: true, held: 50 });
	expect(fx.tokenRequests()).toBe(1);
});

test('the token is renewed before it expires, so no request is refused', async () => {
	fx.sim.configure({ tokenTtlSeconds: 3600 });
	await fx.run(status, items(1));
	// The node and the simulator both read Date.now: moving it moves both clocks, without waiting.
	// A 3600 s token is renewed 300 s before its end (the reference's overlap), so at 3301 s.
	const realNow = Date.now.bind(Date);
	const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 3301_000);
	try {
		await fx.run(status, items(1));
	} finally {
		clock.mockRestore();
	}
	expect(fx.tokenRequests()).toBe(2);
	expect(fx.apiRequests().map((r) => r.code)).toEqual([0, 0]);
	const [first, second] = fx.apiRequests().map((r) => r.authorization);
	expect(first).not.toBe(second);
});

test('a token rejected with code 15101 is replaced once and the request retried', async () => {
	await fx.run(status, items(1));
	fx.sim.revokeTokens();
	const result = await fx.run(status, items(1));
	expect(result.error).toBeUndefined();
	expect(result.output?.[0].json.iotCode).toBe(fx.sim.iotCodes[0]);
	expect(fx.apiRequests().map((r) => r.code)).toEqual([0, 15101, 0]);
	expect(fx.tokenRequests()).toBe(2);
});

test('a token rejected with HTTP 401 is replaced once by the node, with no credential write-back', async () => {
	fx.sim.configure({ tokenRejection: 'http401' });
	await fx.run(status, items(1));
	fx.sim.revokeTokens();
	const result = await fx.run(status, items(1));
	expect(result.error).toBeUndefined();
	expect(result.output?.[0].json.iotCode).toBe(fx.sim.iotCodes[0]);
	expect(fx.apiRequests().map((r) => r.status)).toEqual([200, 401, 200]);
	expect(fx.tokenRequests()).toBe(2);
	// n8n's refresh on 401 would write the credential back per refused request; the node keeps
	// its token in the process cache, which nothing else reads, so nothing is written.
	expect(fx.credential.updates).toBe(0);
	// The shared cache took the replacement: the next run uses it without a new fetch.
	await fx.run(status, items(1));
	expect(fx.tokenRequests()).toBe(2);
});

test('many requests hit by a revoked token share one replacement', async () => {
	await fx.run(status, items(1));
	fx.sim.revokeTokens();
	const result = await fx.run(fast(status, { concurrency: 20 }), items(40));
	expect(result.output).toHaveLength(40);
	expect(fx.tokenRequests()).toBe(2);
});

test('a token still refused after its replacement fails with what happened, and no third token', async () => {
	await fx.run(status, items(1));
	// The API refuses every token, the replacement too.
	fx.sim.configure({ refuseTokens: true });
	const result = await fx.run(fast(status, { retries: 0 }), items(1));
	expect(result.error?.message).toBe('Segway refused a freshly issued access token (code 15101), so no further token was requested');
	expect(result.error?.description).toContain('Region or Base URL');
	expect(fx.apiRequests().map((r) => r.code)).toEqual([0, 15101, 15101]);
	expect(fx.tokenRequests()).toBe(2);
});

test('wrong client secret: the user reads "Bad client credentials"', async () => {
	fx.credential.data.clientSecret = 'wrong-secret';
	const result = await fx.run(status, items(1));
	expect(result.error?.message).toBe('Bad client credentials');
	expect(result.error?.description).toContain('Client Secret');
	expect(fx.apiRequests()).toHaveLength(0);
});

test('an unreachable host is said to be unreachable, not a credential problem', async () => {
	const url = fx.sim.url;
	await fx.sim.close();
	const result = await fx.run(status, [{ iotCode: '861477038719116' }]);
	// n8n words a refused connection itself.
	expect(result.error?.message).toBe('The service refused the connection - perhaps it is offline');
	expect(result.error?.description).toBe(
		`Nothing answered at ${url}: check the Region (or Base URL) of the Segway Fleet API credential and the network.`,
	);
});
