import { request } from 'undici';
import { findOperation } from '../../api/catalog/operations';
import { REFERENCE_IOT_CODE, startSimulator, type Simulator } from '../../simulator';
import { waitFor } from '../../harness/wait';
import { call, getToken } from './helpers';

const status = findOperation('query', 'status')!;
const unlock = findOperation('control', 'unlock')!;

async function rawStatus(sim: Simulator, token: string): Promise<string> {
	try {
		const res = await request(`${sim.url}${status.path}?iotCode=${REFERENCE_IOT_CODE}`, {
			headers: { authorization: `bearer ${token}` },
		});
		const body = await res.body.text();
		return res.statusCode === 200 ? String(JSON.parse(body).code) : `http${res.statusCode}`;
	} catch {
		return 'drop';
	}
}

describe('fault injection and recording', () => {
	let sim: Simulator;
	afterEach(() => sim.close());

	it('fails the same requests for the same seed, some but not all', async () => {
		const run = async (seed: number) => {
			sim = await startSimulator({ vehicles: 1, seed, failureRate: 0.5, failureKinds: ['15302', '15303', 'http503', 'drop'] });
			const token = await getToken(sim);
			const outcomes: string[] = [];
			for (let i = 0; i < 40; i++) outcomes.push(await rawStatus(sim, token));
			await sim.close();
			return outcomes;
		};
		const first = await run(11);
		expect(await run(11)).toEqual(first);
		expect(first).toContain('0');
		expect(first.filter((o) => o !== '0').length).toBeGreaterThan(5);
		expect(new Set(first)).toEqual(new Set(['0', '15302', '15303', 'http503', 'drop']));
		expect(await run(12)).not.toEqual(first);
		sim = await startSimulator({ vehicles: 1 });
	});

	it('fails exactly the next N requests of one vehicle with failNext', async () => {
		sim = await startSimulator({ vehicles: 2 });
		const token = await getToken(sim);
		sim.failNext(REFERENCE_IOT_CODE, 2, 15302);
		const other = sim.iotCodes[1];
		expect((await call(sim, status, { iotCode: other }, token)).body.code).toBe(0);
		const codes = [];
		for (let i = 0; i < 3; i++) codes.push((await call(sim, unlock, { iotCode: REFERENCE_IOT_CODE }, token)).body);
		expect(codes.map((b) => [b.code, b.msg])).toEqual([
			[15302, 'device response timeout'],
			[15302, 'device response timeout'],
			[0, 'Success'],
		]);
		// A failed command does nothing: only the third unlock started a ride.
		expect(sim.requests.filter((r) => r.failure === '15302')).toHaveLength(2);
	});

	it('answers HTTP 500/502/503 and drops connections when told to', async () => {
		sim = await startSimulator({ vehicles: 1 });
		const token = await getToken(sim);
		for (const kind of ['http500', 'http502', 'http503', 'drop', '15303'] as const) sim.failNext(REFERENCE_IOT_CODE, 1, kind);
		const outcomes = [];
		for (let i = 0; i < 6; i++) outcomes.push(await rawStatus(sim, token));
		expect(outcomes).toEqual(['http500', 'http502', 'http503', 'drop', '15303', '0']);
		expect(sim.requests.slice(-6).map((r) => r.status)).toEqual([500, 502, 503, 0, 200, 200]);
	});

	it('waits at least the configured latency', async () => {
		sim = await startSimulator({ vehicles: 1, latencyMs: 150, jitterMs: 20 });
		const token = await getToken(sim);
		const start = Date.now();
		expect((await call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token)).body.code).toBe(0);
		expect(Date.now() - start).toBeGreaterThanOrEqual(145);
		sim.configure({ latencyMs: 0, jitterMs: 0 });
		expect(sim.options).toMatchObject({ latencyMs: 0, jitterMs: 0, failureRate: 0 });
	});

	it('counts requests in flight at once, and their maximum', async () => {
		sim = await startSimulator({ vehicles: 1 });
		const token = await getToken(sim);
		// Held until all twelve are inside the simulator at once.
		const together = sim.holdUntilInFlight(12);
		const pending = Array.from({ length: 12 }, () => call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token));
		await Promise.all(pending);
		expect(await together).toEqual({ reached: true, held: 12 });
		expect(sim.stats).toMatchObject({ tokenRequests: 1, apiRequests: 12, inFlight: 0, maxInFlight: 12 });
		sim.resetStats();
		expect(sim.stats).toEqual({ tokenRequests: 0, apiRequests: 0, inFlight: 0, maxInFlight: 0, connections: 0 });
		await call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token);
		expect(sim.stats).toMatchObject({ apiRequests: 1, maxInFlight: 1 });
	});

	it('holds requests until the asked number is in flight together, then lets them all go', async () => {
		sim = await startSimulator({ vehicles: 1 });
		const token = await getToken(sim);
		const together = sim.holdUntilInFlight(5);
		const first = Array.from({ length: 4 }, () => call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token));
		await waitFor('four requests in flight', () => sim.stats.inFlight === 4);
		const fifth = call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token);
		expect(await together).toEqual({ reached: true, held: 5 });
		expect((await Promise.all([...first, fifth])).map((a) => a.body.code)).toEqual([0, 0, 0, 0, 0]);
		expect(sim.stats.maxInFlight).toBe(5);
		// Once open it holds nothing more.
		expect((await call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token)).body.code).toBe(0);
	});

	it('lets held requests go at the time bound and says the count was not reached', async () => {
		sim = await startSimulator({ vehicles: 1 });
		const token = await getToken(sim);
		const together = sim.holdUntilInFlight(3, 200);
		const answers = await Promise.all([1, 2].map(() => call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token)));
		expect(answers.map((a) => a.body.code)).toEqual([0, 0]);
		expect(await together).toEqual({ reached: false, held: 2 });
	});

	it('records method, path, raw query, body, authorization and time of each request', async () => {
		sim = await startSimulator({ vehicles: 1 });
		const token = await getToken(sim);
		const before = Date.now();
		await call(sim, findOperation('query', 'location')!, { iotCode: REFERENCE_IOT_CODE, realTimeLocation: 'true' }, token, 'Bearer');
		await call(sim, findOperation('setting', 'sound')!, { iotCode: REFERENCE_IOT_CODE, workMode: 2, sctoMask: { beep: 1 } }, token);
		const [tokenRequest, get, post] = sim.requests;
		expect(tokenRequest).toMatchObject({ kind: 'token', method: 'POST', path: '/oauth/token', body: { grant_type: 'client_credentials' } });
		expect(get).toMatchObject({
			kind: 'api',
			method: 'GET',
			path: '/api/v2/vehicle/query/current/location',
			query: `iotCode=${REFERENCE_IOT_CODE}&realTimeLocation=true`,
			authorization: `Bearer ${token}`,
			rawBody: '',
		});
		expect(get.time).toBeGreaterThanOrEqual(before);
		expect(post).toMatchObject({
			method: 'POST',
			body: { iotCode: REFERENCE_IOT_CODE, workMode: 2, sctoMask: { beep: 1 } },
			rawBody: `{"iotCode":"${REFERENCE_IOT_CODE}","workMode":2,"sctoMask":{"beep":1}}`,
			headers: expect.objectContaining({ 'content-type': 'application/json' }),
		});
		sim.clearRequests();
		expect(sim.requests).toEqual([]);
	});

	it('keeps only the newest recordLimit requests', async () => {
		sim = await startSimulator({ vehicles: 1, recordLimit: 5 });
		const token = await getToken(sim);
		for (let i = 0; i < 7; i++) await call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token);
		expect(sim.requests.map((r) => r.seq)).toEqual([4, 5, 6, 7, 8]);
		expect(sim.stats.apiRequests).toBe(7);
	});
});
