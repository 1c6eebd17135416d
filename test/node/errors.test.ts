/**
 * A non-zero Segway code becomes a NodeApiError with the code and its meaning; transient codes
 * and transport failures are retried with backoff, the others are not; "continue on fail"
 * keeps the batch going with the error on the failing item.
 */
import type { INodeParameters } from 'n8n-workflow';

import { fast, startFixture, type Fixture } from './fixtures';

let fx: Fixture;
beforeAll(async () => (fx = await startFixture({ vehicles: 30 })));
afterAll(async () => await fx.sim.close());
beforeEach(() => {
	fx.sim.clearRequests();
	fx.sim.resetFaults();
	fx.sim.configure({ autoParkSeconds: 0 });
});

const op = (resource: string, operation: string, extra: INodeParameters = {}): INodeParameters =>
	fast({ resource, operation, iotCode: '={{ $json.iotCode }}', ...extra });
const apiCalls = () => fx.apiRequests().length;

describe('Segway codes become NodeApiErrors with code and meaning', () => {
	const cases: Array<{ name: string; code: number; meaning: string; setup: (iot: string) => Promise<unknown>; parameters: INodeParameters; iot?: string }> = [
		{ name: 'unknown vehicle', code: 15102, meaning: 'device not found', setup: async () => undefined, parameters: op('query', 'status'), iot: '999999999999999' },
		{ name: 'inactive vehicle', code: 15300, meaning: 'inactive device', setup: (iot) => fx.sim.fleet.update(iot, { active: false }), parameters: op('query', 'location') },
		{ name: 'offline vehicle', code: 15301, meaning: 'offline device', setup: (iot) => fx.sim.fleet.update(iot, { online: false }), parameters: op('control', 'unlock') },
		{ name: 'upgrading vehicle', code: 15500, meaning: 'device upgrading', setup: (iot) => fx.sim.fleet.update(iot, { upgrading: true }), parameters: op('control', 'power', { controlType: 0 }) },
		{ name: 'lock while riding', code: 15600, meaning: 'lock failed: vehicle is riding', setup: (iot) => {
			fx.sim.configure({ autoParkSeconds: Infinity });
			return fx.sim.fleet.update(iot, { locked: false, riding: true, speed: 12 });
		}, parameters: op('control', 'lock') },
		{ name: 'old firmware', code: 15707, meaning: 'NOT supported by this vehicle or its firmware', setup: (iot) => fx.sim.fleet.update(iot, { firmware: 150 }), parameters: op('setting', 'interval', { locationInterval: { lockStatus: 600 } }) },
		{ name: 'no GPS fix', code: 15400, meaning: 'latest location not found via device', setup: (iot) => fx.sim.fleet.update(iot, { gpsFix: false }), parameters: op('query', 'location', { realTimeLocation: true }) },
	];

	test.each(cases.map((c, i) => ({ ...c, i })))('$name → $code', async (c) => {
		const iot = c.iot ?? fx.sim.iotCodes[c.i];
		await c.setup(iot);
		const result = await fx.run(c.parameters, [{ iotCode: iot }]);
		expect(result.output).toBeUndefined();
		expect(result.error?.name).toBe('NodeApiError');
		expect(result.error?.message).toMatch(new RegExp(`^Segway error ${c.code}: ${c.meaning}.* \\(vehicle ${iot}\\)$`));
		expect(result.error?.description).toBeTruthy();
		// Not transient: exactly one request, no retry.
		expect(apiCalls()).toBe(1);
	});
});

test('transient codes are retried with backoff until they succeed', async () => {
	const iot = fx.sim.iotCodes[10];
	fx.sim.failNext(iot, 2, '15302');
	const result = await fx.run(op('query', 'status'), [{ iotCode: iot }]);
	expect(result.error).toBeUndefined();
	expect(result.output?.[0].json.iotCode).toBe(iot);
	expect(fx.apiRequests().map((r) => r.code ?? r.failure)).toEqual([15302, 15302, 0]);
	const [a, b, c] = fx.apiRequests().map((r) => r.time);
	// Backoff doubles: 5 ms, then 10 ms (retryDelay 5).
	expect(b - a).toBeGreaterThanOrEqual(5);
	expect(c - b).toBeGreaterThanOrEqual(10);
});

test.each(['15302', '15303', 'http500', 'http502', 'http503', 'drop'] as const)('%s is retried for a query', async (kind) => {
	const iot = fx.sim.iotCodes[11];
	fx.sim.failNext(iot, 1, kind);
	const result = await fx.run(op('query', 'status'), [{ iotCode: iot }]);
	expect(result.error).toBeUndefined();
	expect(result.output?.[0].json).toMatchObject({ iotCode: iot });
	expect(apiCalls()).toBe(2);
});

test.each(['15303', 'http503'] as const)('%s (surely not carried out) is retried for a command', async (kind) => {
	const iot = fx.sim.iotCodes[11];
	fx.sim.failNext(iot, 1, kind);
	const result = await fx.run(op('control', 'unlock'), [{ iotCode: iot }]);
	expect(result.error).toBeUndefined();
	expect(result.output?.[0].json).toMatchObject({ iotCode: iot, success: true });
	expect(apiCalls()).toBe(2);
});

test.each(['http500', 'http502', 'drop'] as const)('%s (outcome unknown) is not repeated for a command', async (kind) => {
	const iot = fx.sim.iotCodes[11];
	fx.sim.failNext(iot, 1, kind);
	const result = await fx.run(op('control', 'unlock'), [{ iotCode: iot }]);
	expect(result.error?.description).toContain('The vehicle may have carried the command out, so it was not sent again');
	expect(apiCalls()).toBe(1);
});

test('retries give up after the configured number, with the last code', async () => {
	const iot = fx.sim.iotCodes[12];
	fx.sim.failNext(iot, 5, '15303');
	const result = await fx.run(fast({ resource: 'control', operation: 'unlock', iotCode: iot }, { retries: 2 }));
	expect(result.error?.message).toContain('Segway error 15303: command send failed');
	expect(apiCalls()).toBe(3);
});

test('retries can be switched off', async () => {
	const iot = fx.sim.iotCodes[13];
	fx.sim.failNext(iot, 1, 'http503');
	const result = await fx.run(fast({ resource: 'query', operation: 'status', iotCode: iot }, { retries: 0 }));
	expect(result.error?.name).toBe('NodeApiError');
	expect(apiCalls()).toBe(1);
});

describe('continue on fail', () => {
	test('the failing item carries the error with iotCode and code, the others go on', async () => {
		const [ok1, offline, ok2] = [fx.sim.iotCodes[14], fx.sim.iotCodes[15], fx.sim.iotCodes[16]];
		await fx.sim.fleet.update(offline, { online: false });
		const result = await fx.run(op('query', 'status'), [{ iotCode: ok1 }, { iotCode: offline }, { iotCode: ok2 }], true);
		expect(result.error).toBeUndefined();
		const out = result.output ?? [];
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(out[0].json.iotCode).toBe(ok1);
		expect(out[2].json.iotCode).toBe(ok2);
		expect(out[1].json).toEqual({
			error: `Segway error 15301: offline device (vehicle ${offline})`,
			details: { iotCode: offline, code: 15301, description: expect.stringContaining('not connected') },
		});
	});

	test('without it, the run fails on the first failing item and sends nothing more', async () => {
		const codes = fx.sim.iotCodes.slice(17, 27);
		await fx.sim.fleet.update(codes[0], { online: false });
		const result = await fx.run(
			fast({ resource: 'query', operation: 'status', iotCode: '={{ $json.iotCode }}' }, { concurrency: 1 }),
			codes.map((iotCode) => ({ iotCode })),
		);
		expect(result.error?.message).toContain('15301');
		expect(apiCalls()).toBe(1);
	});
});
