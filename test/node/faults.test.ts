/**
 * Commands under faults: the node through n8n-core's engine against a simulator that hangs,
 * cuts connections after carrying a command out, redirects, throttles and answers loosely. A
 * command on a vehicle is an action in the street: bounded in time, repeated only when that is
 * safe, never with credentials sent to another origin.
 */
import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';

import { OPERATIONS } from '../../api/catalog/operations';
import { startReceiver } from '../simulator/helpers';
import { fast, startFixture, type Fixture } from './fixtures';

let fx: Fixture;
beforeEach(async () => (fx = await startFixture({ vehicles: 40 })));
afterEach(async () => await fx.sim.close());

const apiCalls = (iotCode: string) => fx.apiRequests().filter((r) => r.iotCode === iotCode).length;
const executed = (iotCode: string, key: string) => fx.sim.fleet.get(iotCode)?.executed[key] ?? 0;
/** Short bounds, so that a test of a hang takes seconds, not minutes. */
const bounded = (parameters: Record<string, unknown>, options: Record<string, unknown> = {}) =>
	fast(parameters as never, { requestTimeout: 1, itemDeadline: 5, ...options });

describe('deadlines', () => {
	test('a request that gets no answer times out, and a query is sent again', async () => {
		const iot = fx.sim.iotCodes[0];
		fx.sim.failNext(iot, 1, 'hang');
		const result = await fx.run(bounded({ resource: 'query', operation: 'status', iotCode: iot }));
		expect(result.error).toBeUndefined();
		expect(result.output?.[0].json.iotCode).toBe(iot);
		expect(apiCalls(iot)).toBe(2);
	});

	test('an item that keeps getting no answer ends at its deadline, saying so', async () => {
		const iot = fx.sim.iotCodes[1];
		fx.sim.failNext(iot, 20, 'hang');
		const result = await fx.run(bounded({ resource: 'query', operation: 'status', iotCode: iot }, { retries: 10, retryDelay: 200 }));
		expect(result.error?.message).toBe(`No answer from Segway for vehicle ${iot}: no answer in time`);
		expect(result.error?.description).toContain("the item's deadline was reached");
		// 5 s deadline, 1 s per attempt: far fewer than the 11 attempts retries allow.
		expect(apiCalls(iot)).toBeLessThanOrEqual(5);
	});

	test('a hung token endpoint fails its waiters at the timeout, and the next run fetches anew', async () => {
		const iot = fx.sim.iotCodes[2];
		fx.sim.failNextToken(3, 'hang');
		const stuck = await fx.run(bounded({ resource: 'query', operation: 'status', iotCode: '={{ $json.iotCode }}' }), [{ iotCode: iot }, { iotCode: fx.sim.iotCodes[3] }]);
		expect(stuck.error?.message).toMatch(/Could not get a Segway access token: .*timeout/i);
		expect(fx.tokenRequests()).toBe(3);
		const recovered = await fx.run(bounded({ resource: 'query', operation: 'status', iotCode: iot }));
		expect(recovered.error).toBeUndefined();
		expect(fx.tokenRequests()).toBe(4);
	});
});

describe('sent again only when that is safe', () => {
	const commands = OPERATIONS.filter((spec) => !spec.repeatable);

	test('the catalog says which operations may be repeated after an unknown outcome', () => {
		expect(commands.map((spec) => `${spec.resource}.${spec.operation}`).sort()).toEqual(
			['control.lock', 'control.power', 'control.sound', 'control.unlock', 'control.wholeShutdown'].sort(),
		);
	});

	test.each(['reset-after', '15302-acted'] as const)('unlock whose answer is lost (%s) is carried out once and not sent again', async (kind) => {
		const iot = fx.sim.iotCodes[4];
		fx.sim.failNext(iot, 1, kind);
		const result = await fx.run(bounded({ resource: 'control', operation: 'unlock', iotCode: iot }));
		expect(result.error?.description).toContain('The vehicle may have carried the command out, so it was not sent again');
		expect(executed(iot, 'control.unlock')).toBe(1);
		expect(apiCalls(iot)).toBe(1);
	});

	test('Play Sound answered 15302 after the vehicle played it plays it once', async () => {
		const iot = fx.sim.iotCodes[5];
		fx.sim.failNext(iot, 1, '15302-acted');
		const result = await fx.run(bounded({ resource: 'control', operation: 'sound', iotCode: iot, controlType: 2 }));
		expect(result.error?.message).toBe(`Segway error 15302: device response timeout (vehicle ${iot})`);
		expect(executed(iot, 'control.sound')).toBe(1);
	});

	test.each([
		['power', { controlType: 0 }],
		['wholeShutdown', {}],
		['lock', {}],
	] as const)('%s after a cut connection is not sent again', async (operation, extra) => {
		const iot = fx.sim.iotCodes[6];
		fx.sim.failNext(iot, 1, 'reset-after');
		await fx.run(bounded({ resource: 'control', operation, iotCode: iot, ...extra }));
		expect(apiCalls(iot)).toBe(1);
		expect(executed(iot, `control.${operation}`)).toBe(1);
	});

	test('a command that surely did not happen (15303, refused connection) is sent again', async () => {
		const iot = fx.sim.iotCodes[7];
		fx.sim.failNext(iot, 2, '15303');
		const result = await fx.run(bounded({ resource: 'control', operation: 'unlock', iotCode: iot }));
		expect(result.error).toBeUndefined();
		expect(executed(iot, 'control.unlock')).toBe(1);
		expect(apiCalls(iot)).toBe(3);
	});

	test('a setting (to a state) after a cut connection is sent again', async () => {
		const iot = fx.sim.iotCodes[8];
		fx.sim.failNext(iot, 1, 'reset-after');
		const result = await fx.run(bounded({ resource: 'setting', operation: 'speedMode', iotCode: iot, speedMode: 3 }));
		expect(result.error).toBeUndefined();
		expect(fx.sim.fleet.get(iot)?.speedMode).toBe(3);
		expect(apiCalls(iot)).toBe(2);
	});
});

describe('the token fetch', () => {
	test('one 503 from the token endpoint does not fail the batch: the fetch is tried again', async () => {
		fx.sim.failNextToken(1, 'http503');
		const result = await fx.run(bounded({ resource: 'query', operation: 'status', iotCode: '={{ $json.iotCode }}' }), fx.sim.iotCodes.slice(0, 5).map((iotCode) => ({ iotCode })));
		expect(result.error).toBeUndefined();
		expect(result.output).toHaveLength(5);
		expect(fx.tokenRequests()).toBe(2);
	});
});

describe('no credential leaves its origin', () => {
	test('a redirect from the token endpoint is not followed: the secret goes nowhere else', async () => {
		const elsewhere = await startReceiver([200]);
		try {
			fx.sim.configure({ redirectTo: elsewhere.url });
			fx.sim.failNextToken(1, 'redirect');
			const result = await fx.run(bounded({ resource: 'query', operation: 'status', iotCode: fx.sim.iotCodes[9] }));
			expect(result.error?.message).toBe(
				`The Segway token endpoint answered with a redirect (HTTP 307 to ${elsewhere.url}/oauth/token); it is not followed, so the client secret is sent nowhere else`,
			);
			expect(elsewhere.received).toHaveLength(0);
		} finally {
			await elsewhere.close();
		}
	});

	test('a redirect from the API is not followed: the bearer token goes nowhere else', async () => {
		const elsewhere = await startReceiver([200]);
		try {
			const iot = fx.sim.iotCodes[10];
			fx.sim.configure({ redirectTo: elsewhere.url });
			fx.sim.failNext(iot, 1, 'redirect');
			const result = await fx.run(bounded({ resource: 'control', operation: 'lock', iotCode: iot }));
			expect(result.error?.message).toBe(`Segway answered with a redirect (HTTP 307 to ${elsewhere.url}/api/v2/vehicle/control/lock); it is not followed`);
			expect(elsewhere.received).toHaveLength(0);
		} finally {
			await elsewhere.close();
		}
	});
});

describe('options are whole numbers in their ranges', () => {
	test.each([
		[{ concurrency: 'abc' }, 'Max Requests in Flight is "abc": expected a whole number from 1 to 500'],
		[{ retryDelay: 2 ** 31 }, 'Retry Delay (Ms) is 2147483648: expected a whole number from 0 to 60000'],
		[{ retries: 11 }, 'Retries on Transient Errors is 11: expected a whole number from 0 to 10'],
		[{ requestTimeout: 0 }, 'Request Timeout (Seconds) is 0: expected a whole number from 1 to 120'],
	])('%j is refused before anything is sent', async (options, message) => {
		const result = await fx.run({ resource: 'query', operation: 'status', iotCode: fx.sim.iotCodes[11], options } as never);
		expect(result.error?.message).toBe(message);
		expect(fx.apiRequests()).toHaveLength(0);
	});

	test('numbers given as text work', async () => {
		const result = await fx.run({ resource: 'query', operation: 'status', iotCode: fx.sim.iotCodes[11], options: { concurrency: '10', retries: '2' } } as never);
		expect(result.error).toBeUndefined();
	});
});

describe('throttling: fewer requests in flight, then more again', () => {
	test('15990 halves the requests in flight, waits, and every item still succeeds; the log says how far it backed off', async () => {
		const warn = jest.spyOn(Container.get(Logger), 'warn');
		try {
			const vehicles = fx.sim.iotCodes.slice(0, 16);
			for (const iot of vehicles.slice(0, 4)) fx.sim.failNext(iot, 1, '15990');
			const result = await fx.run(
				bounded({ resource: 'query', operation: 'status', iotCode: '={{ $json.iotCode }}' }, { concurrency: 8, retryDelay: 50 }),
				vehicles.map((iotCode) => ({ iotCode })),
			);
			expect(result.error).toBeUndefined();
			expect(result.output?.map((item) => item.json.iotCode)).toEqual(vehicles);
			expect(fx.sim.stats.maxInFlight).toBeLessThanOrEqual(8);
			const line = warn.mock.calls.map(([message]) => String(message)).find((m) => m.includes('throttled'));
			expect(line).toMatch(/Segway throttled 4 request\(s\) \(15990 or HTTP 429\); requests in flight went down to [1-4] of 8/);
		} finally {
			warn.mockRestore();
		}
	});

	test('HTTP 429 is waited out for its Retry-After before the request goes again', async () => {
		const iot = fx.sim.iotCodes[12];
		// 2 s: longer than the node's own wait when no Retry-After is given (1 s).
		fx.sim.configure({ retryAfterSeconds: 2 });
		fx.sim.failNext(iot, 1, 'http429');
		const result = await fx.run(bounded({ resource: 'control', operation: 'unlock', iotCode: iot }, { retryDelay: 0 }));
		expect(result.error).toBeUndefined();
		const [first, second] = fx.apiRequests().filter((r) => r.iotCode === iot).map((r) => r.time);
		expect(second - first).toBeGreaterThanOrEqual(1950);
		expect(executed(iot, 'control.unlock')).toBe(1);
	});
});

describe('a loose gateway', () => {
	test('codes sent as text ("0") are read as numbers', async () => {
		fx.sim.configure({ stringCodes: true });
		const iot = fx.sim.iotCodes[13];
		const result = await fx.run(bounded({ resource: 'control', operation: 'lock', iotCode: iot }));
		expect(result.error).toBeUndefined();
		expect(result.output?.[0].json).toMatchObject({ success: true, code: 0 });
		fx.sim.failNext(iot, 1, '15303');
		expect((await fx.run(bounded({ resource: 'control', operation: 'lock', iotCode: iot }))).error).toBeUndefined();
	});
});

describe('a command that changes nothing is refused before sending', () => {
	test('Enable or Disable Switches with both at "No Setting"', async () => {
		const result = await fx.run({ resource: 'setting', operation: 'ableSwitch', iotCode: fx.sim.iotCodes[14], assistedMode: 0, buzzer: 0 } as never);
		expect(result.error?.message).toBe(
			'Invalid assistedMode / buzzer: "nothing" is not allowed; expected at least one of assistedMode, buzzer set to something other than 0 (No Setting)',
		);
		expect(fx.apiRequests()).toHaveLength(0);
	});
});

describe('every item error names its item', () => {
	test('an API error and a token error carry the item index', async () => {
		const [ok, offline] = [fx.sim.iotCodes[15], fx.sim.iotCodes[16]];
		await fx.sim.fleet.update(offline, { online: false });
		const api = await fx.run(bounded({ resource: 'control', operation: 'lock', iotCode: '={{ $json.iotCode }}' }), [{ iotCode: ok }, { iotCode: offline }]);
		expect(api.error?.message).toContain('Segway error 15301');
		expect(api.error?.context.itemIndex).toBe(1);

		fx.credential.data.clientSecret = 'wrong-secret';
		const token = await fx.run(bounded({ resource: 'query', operation: 'status', iotCode: '={{ $json.iotCode }}' }), [{ iotCode: ok }]);
		expect(token.error?.message).toBe('Bad client credentials');
		expect(token.error?.context.itemIndex).toBe(0);
	});
});
