import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as http from 'http';
import * as https from 'https';
import { findOperation } from '../../api/catalog/operations';
import { DEMO_CLIENT, REFERENCE_IOT_CODE, startSimulator, type Simulator } from '../../simulator';

const status = findOperation('query', 'status')!;

/** A self-signed certificate for 127.0.0.1: what the network bench makes with its own CA. */
function selfSigned(dir: string): { cert: string; key: string } {
	execFileSync('openssl', [
		...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
		...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
		...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
	], { stdio: 'ignore' });
	return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
}

describe('the simulator over HTTPS', () => {
	let dir: string;
	let sim: Simulator;
	let tls: { cert: string; key: string };
	beforeAll(() => {
		dir = mkdtempSync(join(tmpdir(), 'segway-sim-tls-'));
		tls = selfSigned(dir);
	});
	afterAll(() => rmSync(dir, { recursive: true, force: true }));
	afterEach(() => sim.close());

	// node:http(s) rather than undici: undici opened a second TLS connection for its second request.
	function send(path: string, agent: http.Agent, headers: Record<string, string>, body?: string): Promise<Record<string, unknown>> {
		const { request } = sim.url.startsWith('https:') ? https : http;
		return new Promise((resolve, reject) => {
			const req = request(`${sim.url}${path}`, { method: body === undefined ? 'GET' : 'POST', agent, headers }, (res) => {
				let text = '';
				res.on('data', (chunk: Buffer) => (text += chunk.toString()));
				res.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
				res.on('error', reject);
			});
			req.on('error', reject);
			req.end(body);
		});
	}

	async function token(agent: http.Agent): Promise<string> {
		const form = new URLSearchParams({ client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret, grant_type: 'client_credentials' });
		return (await send('/oauth/token', agent, { 'content-type': 'application/x-www-form-urlencoded' }, form.toString())).access_token as string;
	}

	async function statusCode(agent: http.Agent, bearer: string): Promise<number> {
		return (await send(`${status.path}?iotCode=${REFERENCE_IOT_CODE}`, agent, { authorization: `bearer ${bearer}` })).code as number;
	}

	it('answers HTTPS with the given certificate and counts each connection once, after its handshake', async () => {
		sim = await startSimulator({ vehicles: 1, tls });
		expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
		const first = new https.Agent({ keepAlive: true, ca: tls.cert });
		const bearer = await token(first);
		first.destroy();
		sim.resetStats();
		const kept = new https.Agent({ keepAlive: true, ca: tls.cert });
		expect(await statusCode(kept, bearer)).toBe(0);
		expect(await statusCode(kept, bearer)).toBe(0);
		// One kept-alive connection carried both requests.
		expect(sim.stats).toMatchObject({ apiRequests: 2, connections: 1 });
		for (let i = 0; i < 2; i++) {
			const fresh = new https.Agent({ keepAlive: true, ca: tls.cert });
			expect(await statusCode(fresh, bearer)).toBe(0);
			fresh.destroy();
		}
		expect(sim.stats).toMatchObject({ apiRequests: 4, connections: 3 });
		kept.destroy();
	});

	it('refuses a client that does not trust the certificate, before any request is counted', async () => {
		sim = await startSimulator({ vehicles: 1, tls });
		const untrusting = new https.Agent({ keepAlive: true });
		await expect(statusCode(untrusting, 'x')).rejects.toThrow(/self[- ]signed|certificate/i);
		untrusting.destroy();
		expect(sim.stats).toMatchObject({ apiRequests: 0, connections: 0 });
	});

	it('still answers plain HTTP without a certificate', async () => {
		sim = await startSimulator({ vehicles: 1 });
		expect(sim.url).toMatch(/^http:\/\//);
		const first = new http.Agent();
		const bearer = await token(first);
		first.destroy();
		sim.resetStats();
		const agent = new http.Agent({ keepAlive: true });
		expect(await statusCode(agent, bearer)).toBe(0);
		expect(await statusCode(agent, bearer)).toBe(0);
		expect(sim.stats).toMatchObject({ apiRequests: 2, connections: 1 });
		agent.destroy();
	});
});
