/**
 * The gateway misbehaving: each fault mode the action node must survive, shown from a plain
 * HTTP client, with what the vehicle carried out.
 */
import { request } from 'undici';

import { findOperation } from '../../api/catalog/operations';
import { REFERENCE_IOT_CODE, startSimulator, type Simulator } from '../../simulator';
import { call, getToken, startReceiver } from './helpers';

const status = findOperation('query', 'status')!;
const unlock = findOperation('control', 'unlock')!;
const sound = findOperation('control', 'sound')!;

describe('fault modes', () => {
	let sim: Simulator;
	let token: string;
	beforeEach(async () => {
		sim = await startSimulator({ vehicles: 1, pushSchedule: false, autoParkSeconds: 0 });
		token = await getToken(sim);
	});
	afterEach(() => sim.close());

	const executed = (key: string) => sim.fleet.get(REFERENCE_IOT_CODE)!.executed[key] ?? 0;

	it('hang: no answer at all until the client gives up, and nothing carried out', async () => {
		sim.failNext(REFERENCE_IOT_CODE, 1, 'hang');
		const started = Date.now();
		await expect(
			request(`${sim.url}${unlock.path}`, {
				method: 'POST',
				headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
				body: JSON.stringify({ iotCode: REFERENCE_IOT_CODE }),
				headersTimeout: 300,
			}),
		).rejects.toThrow(/timeout/i);
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
		expect(executed('control.unlock')).toBe(0);
		expect(sim.requests.at(-1)).toMatchObject({ failure: 'hang', status: 0 });
	});

	it('reset-after: carried out, then the connection is cut before the answer', async () => {
		sim.failNext(REFERENCE_IOT_CODE, 1, 'reset-after');
		await expect(call(sim, unlock, { iotCode: REFERENCE_IOT_CODE }, token)).rejects.toThrow();
		expect(executed('control.unlock')).toBe(1);
		expect(sim.fleet.get(REFERENCE_IOT_CODE)!.locked).toBe(false);
	});

	it('15302-acted: carried out, but answered "device response timeout"; plain 15302 is not carried out', async () => {
		sim.failNext(REFERENCE_IOT_CODE, 1, '15302-acted');
		expect((await call(sim, sound, { iotCode: REFERENCE_IOT_CODE, controlType: 2 }, token)).body.code).toBe(15302);
		expect(executed('control.sound')).toBe(1);
		sim.failNext(REFERENCE_IOT_CODE, 1, '15302');
		expect((await call(sim, sound, { iotCode: REFERENCE_IOT_CODE, controlType: 2 }, token)).body.code).toBe(15302);
		expect(executed('control.sound')).toBe(1);
	});

	it('redirect: 307 to the same path at another origin, nothing carried out', async () => {
		sim.configure({ redirectTo: 'http://127.0.0.1:1/' });
		sim.failNext(REFERENCE_IOT_CODE, 1, 'redirect');
		const res = await request(`${sim.url}${status.path}?iotCode=${REFERENCE_IOT_CODE}`, { headers: { authorization: `bearer ${token}` } });
		expect(res.statusCode).toBe(307);
		expect(res.headers.location).toBe(`http://127.0.0.1:1${status.path}?iotCode=${REFERENCE_IOT_CODE}`);
		await res.body.dump();
	});

	it('http429 carries Retry-After; 15990 is answered on any endpoint, before the vehicle', async () => {
		sim.configure({ retryAfterSeconds: 3 });
		sim.failNext(REFERENCE_IOT_CODE, 1, 'http429');
		const res = await request(`${sim.url}${status.path}?iotCode=${REFERENCE_IOT_CODE}`, { headers: { authorization: `bearer ${token}` } });
		expect(res.statusCode).toBe(429);
		expect(res.headers['retry-after']).toBe('3');
		await res.body.dump();
		sim.failNext(REFERENCE_IOT_CODE, 2, '15990');
		expect((await call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token)).body).toMatchObject({ code: 15990, msg: 'API call is restricted, please contact Segway related personnel' });
		expect((await call(sim, unlock, { iotCode: REFERENCE_IOT_CODE }, token)).body.code).toBe(15990);
		expect(executed('control.unlock')).toBe(0);
	});

	it('string codes: "0" and "15302" instead of numbers', async () => {
		sim.configure({ stringCodes: true });
		expect((await call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token)).body.code).toBe('0');
		sim.failNext(REFERENCE_IOT_CODE, 1, '15302');
		expect((await call(sim, status, { iotCode: REFERENCE_IOT_CODE }, token)).body.code).toBe('15302');
	});

	it('the token endpoint: hang, 503, a cut connection and a redirect, each once, then a token', async () => {
		const receiver = await startReceiver([200]);
		sim.configure({ redirectTo: receiver.url });
		const post = (timeout = 2000) =>
			request(`${sim.url}/oauth/token`, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: 'client_id=A20081&client_secret=e2651be5-12d3-48f3-ba6c-bc2b04a447b6&grant_type=client_credentials',
				headersTimeout: timeout,
			});
		sim.failNextToken(1, 'hang');
		sim.failNextToken(1, 'http503');
		sim.failNextToken(1, 'drop');
		sim.failNextToken(1, 'redirect');
		await expect(post(300)).rejects.toThrow(/timeout/i);
		const unavailable = await post();
		expect(unavailable.statusCode).toBe(503);
		await unavailable.body.dump();
		await expect(post()).rejects.toThrow();
		const redirected = await post();
		expect(redirected.statusCode).toBe(307);
		expect(redirected.headers.location).toBe(`${receiver.url}/oauth/token`);
		await redirected.body.dump();
		const ok = await post();
		expect(ok.statusCode).toBe(200);
		await ok.body.dump();
		await receiver.close();
	});
});
