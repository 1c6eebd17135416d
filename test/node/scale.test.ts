/**
 * Fleet scale: many items run with bounded concurrency, output keeps input order and pairing,
 * and one token serves the whole run.
 */
import { fast, startFixture, type Fixture } from './fixtures';

let fx: Fixture;
beforeAll(async () => (fx = await startFixture({ vehicles: 200, latencyMs: 10, jitterMs: 10 })));
afterAll(async () => await fx.sim.close());
beforeEach(() => {
	fx.sim.clearRequests();
	fx.sim.resetStats();
});

const items = () => fx.sim.iotCodes.map((iotCode) => ({ iotCode }));

test.each([1, 10, 50])('200 items at concurrency %i: order kept, never more in flight', async (concurrency) => {
	// The first `concurrency` requests are held until all of them are in flight together.
	const together = fx.sim.holdUntilInFlight(concurrency);
	const result = await fx.run(
		fast({ resource: 'query', operation: 'status', iotCode: '={{ $json.iotCode }}' }, { concurrency }),
		items(),
	);
	const output = result.output ?? [];
	expect(output).toHaveLength(200);
	expect(output.map((item) => item.json.iotCode)).toEqual(fx.sim.iotCodes);
	expect(output.map((item) => item.pairedItem)).toEqual(fx.sim.iotCodes.map((_, item) => ({ item })));
	expect(await together).toEqual({ reached: true, held: concurrency });
	expect(fx.sim.stats.maxInFlight).toBe(concurrency);
	expect(fx.sim.stats.apiRequests).toBe(200);
});

test('the default concurrency is 50 and one token serves the run', async () => {
	const together = fx.sim.holdUntilInFlight(50);
	const result = await fx.run({ resource: 'control', operation: 'lock', iotCode: '={{ $json.iotCode }}' }, items());
	expect(result.output).toHaveLength(200);
	expect(await together).toEqual({ reached: true, held: 50 });
	expect(fx.sim.stats.maxInFlight).toBe(50);
	expect(fx.sim.stats.tokenRequests).toBeLessThanOrEqual(1);
	expect(new Set(fx.apiRequests().map((r) => r.authorization)).size).toBe(1);
});
