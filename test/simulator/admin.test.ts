import { request } from 'undici';
import { findOperation } from '../../api/catalog/operations';
import { REFERENCE_IOT_CODE, startSimulator, type Simulator } from '../../simulator';
import { call, getToken, startReceiver } from './helpers';

async function admin(sim: Simulator, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) {
	const res = await request(`${sim.url}/_admin${path}`, {
		method,
		headers: body === undefined ? {} : { 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: res.statusCode, body: (await res.body.json()) as any };
}

describe('admin interface', () => {
	let sim: Simulator;
	afterEach(() => sim.close());

	it('lists, reads and changes vehicles', async () => {
		sim = await startSimulator({ vehicles: 4 });
		const list = await admin(sim, 'GET', '/vehicles');
		expect(list.body.map((v: { iotCode: string }) => v.iotCode)).toEqual(sim.iotCodes);
		const patched = await admin(sim, 'PATCH', `/vehicles/${REFERENCE_IOT_CODE}`, { powerPercent: 12, charging: true, firmware: 150 });
		expect(patched.body).toMatchObject({ battery: 12, charging: true, firmware: 150 });
		expect((await admin(sim, 'GET', `/vehicles/${REFERENCE_IOT_CODE}`)).body.firmware).toBe(150);
		await admin(sim, 'PATCH', `/vehicles/${REFERENCE_IOT_CODE}`, { riding: true });
		expect((await admin(sim, 'POST', `/vehicles/${REFERENCE_IOT_CODE}/park`)).body).toMatchObject({ riding: false, speed: 0 });
		expect((await admin(sim, 'GET', '/vehicles/861477038700000')).status).toBe(404);
		expect((await admin(sim, 'GET', '/nothing')).status).toBe(404);
		expect((await admin(sim, 'GET', '')).body.endpoints.length).toBeGreaterThan(10);
	});

	it('sets fault injection, forces failures and shows requests, stats and clients', async () => {
		sim = await startSimulator({ vehicles: 1 });
		const token = await getToken(sim);
		expect((await admin(sim, 'PATCH', '/config', { latencyMs: 5, failureKinds: ['http502'] })).body).toMatchObject({
			latencyMs: 5,
			failureKinds: ['http502'],
		});
		expect((await admin(sim, 'PATCH', '/config', { failureRate: 2 })).status).toBe(400);
		expect((await admin(sim, 'POST', `/vehicles/${REFERENCE_IOT_CODE}/fail`, { count: 1, kind: 15303 })).body.pending).toBe(1);
		const status = findOperation('query', 'status')!;
		expect((await call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token)).body.code).toBe(15303);
		expect((await call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token)).body.code).toBe(0);
		expect((await admin(sim, 'GET', '/requests?limit=1')).body).toEqual([expect.objectContaining({ code: 0, kind: 'api' })]);
		expect((await admin(sim, 'GET', '/stats')).body).toMatchObject({ tokenRequests: 1, apiRequests: 2 });
		expect((await admin(sim, 'POST', '/stats/reset')).body).toMatchObject({ apiRequests: 0 });
		await admin(sim, 'DELETE', '/requests');
		expect((await admin(sim, 'GET', '/requests')).body).toEqual([]);
		expect((await admin(sim, 'GET', '/clients')).body).toEqual([{ clientId: 'A20081', liveTokens: 1 }]);
		await admin(sim, 'POST', '/tokens/revoke');
		expect((await call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token)).body.code).toBe(15101);
	});

	it('signs or sends a push on demand and advances the clock', async () => {
		const receiver = await startReceiver([200]);
		sim = await startSimulator({ vehicles: 1, pushSchedule: false, pushTo: receiver.url });
		const signed = await admin(sim, 'POST', `/vehicles/${REFERENCE_IOT_CODE}/push`, { event: 'status', send: false });
		expect(signed.body.params.remainingRange).toBeDefined();
		expect(receiver.received).toHaveLength(0);
		const sent = await admin(sim, 'POST', `/vehicles/${REFERENCE_IOT_CODE}/push`, { event: 'alert', overrides: { code: 6 } });
		expect(sent.body).toMatchObject({ delivered: true, attempts: [{ status: 200 }] });
		expect(receiver.received[0].body).toContain('code=6');
		expect((await admin(sim, 'GET', '/pushes')).body).toHaveLength(1);
		expect((await admin(sim, 'POST', `/vehicles/${REFERENCE_IOT_CODE}/push`, { event: 'nope' })).status).toBe(400);
		await admin(sim, 'PATCH', `/vehicles/${REFERENCE_IOT_CODE}`, { riding: true });
		const before = sim.fleet.get(REFERENCE_IOT_CODE)!.odometer;
		await admin(sim, 'POST', '/clock/advance', { seconds: 20 });
		expect(sim.fleet.get(REFERENCE_IOT_CODE)!.odometer).toBeGreaterThan(before);
		await receiver.close();
	});
});
