/**
 * A request leaves only while the item's deadline can hold its answer, the wait for a slot of the
 * throttled gate included; when the deadline cuts retries short, the error is what Segway last
 * said (15990), not "no answer in time … may have carried the command out".
 */
import { AdaptiveGate } from '../../api/transport/gate';
import { fast, startFixture, type Fixture } from './fixtures';

let fx: Fixture;
beforeEach(async () => (fx = await startFixture({ vehicles: 50 })));
afterEach(async () => await fx.sim.close());

const ITEMS = 50;

test(`a 15990 storm with ${ITEMS} locks in flight: every lock fails with 15990, none as a possible act`, async () => {
	// Every request is throttled, and answers take 50 ms: the gate halves its window down to 1,
	// and 50 items queue for that one slot with retries 1 s apart, far past their 5 s deadline.
	fx.sim.configure({ failureRate: 1, failureKinds: ['15990'], latencyMs: 50 });
	const lock = fast({ resource: 'control', operation: 'lock', iotCode: '={{ $json.iotCode }}' }, { requestTimeout: 1, itemDeadline: 5 });
	const result = await fx.run(lock, fx.sim.iotCodes.slice(0, ITEMS).map((iotCode) => ({ iotCode })), true);

	const outcomes = (result.output ?? []).map((item) => {
		const details = item.json.details as { code?: number; description?: string } | undefined;
		return { code: details?.code, message: item.json.error, gaveUp: details?.description?.includes("the item's deadline was reached") };
	});
	expect(outcomes).toHaveLength(ITEMS);
	for (const [i, outcome] of outcomes.entries()) {
		expect(outcome.message).toMatch(new RegExp(`^Segway error 15990: .*\\(vehicle ${fx.sim.iotCodes[i]}\\)$`));
		expect(outcome).toMatchObject({ code: 15990, gaveUp: true });
	}
	expect(fx.apiRequests().every((r) => r.code === 15990)).toBe(true);
});

test('waiting for a slot ends at the time given; the slot then goes to the next in line', async () => {
	const gate = new AdaptiveGate(1);
	expect(await gate.acquire(Date.now() + 60_000)).toBe(true);
	const late = gate.acquire(Date.now() + 20);
	const patient = gate.acquire();
	expect(await late).toBe(false);
	gate.release();
	expect(await patient).toBe(true);
});

test('an item that never got a slot before its deadline fails unsent, saying so, and the others keep their own errors', async () => {
	// 4 in flight, every answer a 15990 after 2.5 s: the four throttles halve the gate to 1 slot,
	// and none of items 1–4 can retry (a 1 s wait and a 3 s answer do not fit in a 6 s deadline).
	// Items 5–8 start then (deadline 8.5 s); a request leaves only while the deadline can hold a
	// 3 s answer, so by 5.5 s. Item 5 takes the slot until 5 s, item 6 from 5 s (on a slow machine
	// possibly too late): items 7 and 8 are still waiting for it when their time runs out.
	fx.sim.configure({ failureRate: 1, failureKinds: ['15990'], latencyMs: 2500 });
	const items = fx.sim.iotCodes.slice(0, 8);
	const lock = fast(
		{ resource: 'control', operation: 'lock', iotCode: '={{ $json.iotCode }}' },
		{ concurrency: 4, requestTimeout: 3, itemDeadline: 6, retryDelay: 1000 },
	);
	const result = await fx.run(lock, items.map((iotCode) => ({ iotCode })), true);

	const output = result.output ?? [];
	expect(output).toHaveLength(items.length);
	const sentTo = new Set(fx.apiRequests().map((r) => (r.body as { iotCode?: string } | undefined)?.iotCode ?? r.query));
	const unsent = output.flatMap((item, i) => (String(item.json.error).startsWith('Not sent within') ? [i] : []));
	expect([[6, 7], [5, 6, 7]]).toContainEqual(unsent);
	for (const [i, item] of output.entries()) {
		if (unsent.includes(i)) {
			expect(item.json.error).toBe(`Not sent within the item's deadline (vehicle ${items[i]})`);
			expect(String((item.json.details as { description?: string }).description)).toMatch(/Lower Max Requests in Flight or raise Item Deadline/);
			// Not sent means not sent: the simulator never saw this vehicle.
			expect([...sentTo].some((target) => target.includes(items[i]))).toBe(false);
		} else {
			expect(item.json.error).toMatch(new RegExp(`^Segway error 15990: .*\\(vehicle ${items[i]}\\)$`));
		}
	}
	expect(fx.apiRequests()).toHaveLength(items.length - unsent.length);
});
