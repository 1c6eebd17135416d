/**
 * Throughput of the simulator: status queries over keep-alive connections for a fixed time.
 * The simulator runs in a child process so that the load generator does not steal its CPU
 * inside one event loop. `npm run bench:simulator -- [--duration 10] [--connections 64]`
 */
import { spawn } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { parseArgs } from 'util';
import { Pool, request } from 'undici';
import { percentile } from './lib/stats';

const { values } = parseArgs({
	options: {
		duration: { type: 'string', default: '10' },
		warmup: { type: 'string', default: '2' },
		connections: { type: 'string', default: '64' },
		vehicles: { type: 'string', default: '1000' },
	},
});
const DURATION_S = Number(values.duration);
const WARMUP_S = Number(values.warmup);
const CONNECTIONS = Number(values.connections);
const VEHICLES = Number(values.vehicles);
const ROOT = join(__dirname, '..');

async function startChild(): Promise<{ url: string; stop: () => Promise<void> }> {
	const child = spawn(
		process.execPath,
		['--import', 'tsx', 'simulator/cli.ts', '--port', '0', '--vehicles', String(VEHICLES), '--record-limit', '10000'],
		{ cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
	);
	const url = await new Promise<string>((resolve, reject) => {
		let out = '';
		child.stdout.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			const match = /listening on (http:\/\/\S+)/.exec(out);
			if (match) resolve(match[1]);
		});
		child.once('exit', (code) => reject(new Error(`simulator exited early (${code}): ${out}`)));
	});
	child.stdout.resume();
	return {
		url,
		stop: () =>
			new Promise<void>((resolve) => {
				child.once('exit', () => resolve());
				child.kill('SIGTERM');
			}),
	};
}

async function main(): Promise<void> {
	const sim = await startChild();
	try {
		const tokenRes = await request(`${sim.url}/oauth/token`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: 'client_id=A20081&client_secret=e2651be5-12d3-48f3-ba6c-bc2b04a447b6&grant_type=client_credentials',
		});
		const { access_token: token } = (await tokenRes.body.json()) as { access_token: string };
		const vehicles = (await (await request(`${sim.url}/_admin/vehicles`)).body.json()) as { iotCode: string }[];
		const codes = vehicles.map((v) => v.iotCode);
		const pool = new Pool(sim.url, { connections: CONNECTIONS, pipelining: 1 });
		const headers = { authorization: `bearer ${token}` };

		let recording = false;
		let stop = false;
		const latencies: number[] = [];
		let ok = 0;
		let errors = 0;
		let next = 0;
		const worker = async () => {
			while (!stop) {
				const iotCode = codes[next++ % codes.length];
				const start = performance.now();
				try {
					const res = await pool.request({ method: 'GET', path: `/api/v2/vehicle/query/current/status?iotCode=${iotCode}`, headers });
					const body = (await res.body.json()) as { code: number };
					if (!recording) continue;
					latencies.push(performance.now() - start);
					if (res.statusCode === 200 && body.code === 0) ok++;
					else errors++;
				} catch {
					if (recording) errors++;
				}
			}
		};
		const workers = Array.from({ length: CONNECTIONS }, worker);
		await new Promise((resolve) => setTimeout(resolve, WARMUP_S * 1000));
		await request(`${sim.url}/_admin/stats/reset`, { method: 'POST' }).then((r) => r.body.dump());
		recording = true;
		const began = performance.now();
		await new Promise((resolve) => setTimeout(resolve, DURATION_S * 1000));
		recording = false;
		const elapsed = (performance.now() - began) / 1000;
		stop = true;
		await Promise.all(workers);
		const stats = (await (await request(`${sim.url}/_admin/stats`)).body.json()) as Record<string, number>;
		await pool.close();

		latencies.sort((a, b) => a - b);
		const result = {
			date: new Date().toISOString(),
			node: process.version,
			cpus: (await import('os')).cpus().length,
			durationSeconds: Number(elapsed.toFixed(2)),
			connections: CONNECTIONS,
			vehicles: VEHICLES,
			requests: ok + errors,
			requestsPerSecond: Math.round((ok + errors) / elapsed),
			p50Ms: Number(percentile(latencies, 50).toFixed(2)),
			p99Ms: Number(percentile(latencies, 99).toFixed(2)),
			errors,
			simulatorMaxInFlight: stats.maxInFlight,
		};
		console.table({
			'requests/s': result.requestsPerSecond,
			'p50 ms': result.p50Ms,
			'p99 ms': result.p99Ms,
			errors: result.errors,
			requests: result.requests,
			'max in flight': result.simulatorMaxInFlight,
		});
		const dir = join(ROOT, 'bench', 'results');
		mkdirSync(dir, { recursive: true });
		writeFileSync(join(dir, 'simulator.json'), `${JSON.stringify(result, null, 2)}\n`);
		console.log(`written to bench/results/simulator.json`);
	} finally {
		await sim.stop();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
