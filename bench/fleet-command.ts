/**
 * Fleet commands in real n8n 2.41.1: one workflow runs `status` (and `lock`) for 1,000 vehicles
 * against the simulator, next to what an n8n user builds without this package (Set → Split Out
 * → HTTP Request, every request in flight at once) and the network floor. Each configuration is
 * timed over `n8n execute` and compared by its marginal time over a one-item run of the same
 * workflow, as `n8n execute` itself costs seconds of start-up.
 *
 *   npm run bench:fleet-command [-- --latencies 0,50,200 --repeat 2 --big 10000 --fleet 1000]
 *   npm run bench:fleet-command -- --network [--rtts 20,50,150 --jitter 10 --loss 0.1 --in-flight 50,200]
 *
 * `--fleet` is the item count of every configuration but the big one (smoke runs: a few items).
 *
 * Both modes also run n8n's helper floor (bench/lib/helperFloorNode.ts): a bare node sending the
 * same requests through `httpRequest` at the same number in flight. The package's own cost is its
 * node time over that node's.
 *
 * `--network`: the simulator answers HTTPS (a throwaway CA that n8n trusts through
 * NODE_EXTRA_CA_CERTS) on the host side of a link into a network namespace, and every `n8n execute`
 * runs inside that namespace, so each request crosses the link's round-trip time (`--rtts`, ms),
 * jitter (`--jitter`, % of the RTT) and loss (`--loss`, % of packets each way) instead of a delay
 * added inside the simulator (bench/lib/network.ts). The namespace and the certificates are removed
 * at the end, on an error and on Ctrl-C. Each configuration of Max Requests in Flight
 * (`--in-flight`) runs for both the package and the helper floor.
 *
 * Prints a table and writes bench/results/fleet-command.json.
 */
import { spawn } from 'child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { loadavg } from 'os';
import { join } from 'path';
import { parseArgs } from 'util';

import { transpileModule, ModuleKind, ScriptTarget } from 'typescript';

import { RUN_OPTIONS } from '../nodes/shared/runOptions';
import { DEMO_CLIENT, startSimulator, type Simulator } from '../simulator';
import { lastJsonBlock } from '../harness/cli-output';
import { cpuSeconds } from '../harness/cpu';
import { N8N_BIN, N8nInstance, ROOT } from '../harness/n8n';
import { HELPER_FLOOR_TYPE } from './lib/helperFloorNode';
import { formatLoad } from './lib/machine';
import type { BenchNetwork } from './lib/network';
import { printTable } from './lib/table';
import { percentile } from './lib/stats';

const { values: args } = parseArgs({
	options: {
		latencies: { type: 'string', default: '0,50,200' },
		repeat: { type: 'string', default: '2' },
		big: { type: 'string', default: '10000' },
		fleet: { type: 'string', default: '1000' },
		network: { type: 'boolean', default: false },
		rtts: { type: 'string', default: '20,50,150' },
		jitter: { type: 'string', default: '10' },
		loss: { type: 'string', default: '0.1' },
		'in-flight': { type: 'string' },
		/** Only these workflows (comma-separated shapes), e.g. `package-status,helper-floor` for an A/B. */
		shapes: { type: 'string' },
	},
});
const NETWORK = args.network;
const numbers = (list: string) => list.split(',').map(Number);
/** Loopback: the delay the simulator adds to each answer. Network: the link's round-trip time. */
const LATENCIES = numbers(NETWORK ? args.rtts : args.latencies);
const JITTER_PERCENT = Number(args.jitter);
const LOSS_PERCENT = Number(args.loss);
const DEFAULT_IN_FLIGHT = RUN_OPTIONS.concurrency.default;
const IN_FLIGHT = numbers(args['in-flight'] ?? (NETWORK ? `${DEFAULT_IN_FLIGHT},200` : `${DEFAULT_IN_FLIGHT}`));
const REPEAT = Number(args.repeat);
const BIG = Number(args.big);
const FLEET = Number(args.fleet);
/** The latency the target is stated at. */
const TARGET_LATENCY_MS = 50;
const CREDENTIAL = { id: 'benchSegwayCred1', name: 'Segway simulator' };

/**
 * `n8n-alone`: the same front (Set → Split Out) into a No Op: what n8n itself spends per item.
 * `helper-floor`: the same front into the bare httpRequest node.
 */
type Shape = 'package-status' | 'package-lock' | 'peer-status' | 'n8n-alone' | 'helper-floor';

interface Sample {
	seconds: number;
	/** The request node's own execution time. */
	nodeSeconds: number;
	peakRssMb: number;
	/** CPU time of the whole `n8n execute` process. */
	cpuSeconds: number;
	maxInFlight: number;
	tokenRequests: number;
	apiRequests: number;
	connections: number;
	ok: boolean;
}

/** Seven letters per shape for the workflow ids: a shape's name cut short could be another's. */
const SHAPE_IDS: Record<Shape, string> = {
	'package-status': 'pkgstat',
	'package-lock': 'pkglock',
	'peer-status': 'peerstt',
	'n8n-alone': 'nnalone',
	'helper-floor': 'helperf',
};

function workflowId(shape: Shape, items: number, inFlight: number): string {
	// n8n workflow ids are 16 characters here; readable and unique per configuration.
	return `${SHAPE_IDS[shape]}${String(inFlight).padStart(3, '0')}${String(items).padStart(6, '0')}`;
}

const position = (i: number): [number, number] => [i * 220, 0];

/** Manual → Set (the IMEIs) → Split Out → the request node, identical in front for both sides. */
function workflow(shape: Shape, iotCodes: string[], simUrl: string, inFlight: number): object {
	const id = workflowId(shape, iotCodes.length, inFlight);
	const isPeer = shape === 'peer-status';
	const nodes: object[] = [
		{ id: 'n1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: position(0), parameters: {} },
	];
	if (isPeer) {
		// What a user builds without the package: fetch a token, then one HTTP Request per vehicle.
		nodes.push({
			id: 'n2',
			name: 'Get Token',
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.5,
			position: position(1),
			parameters: {
				method: 'POST',
				url: `${simUrl}/oauth/token`,
				sendBody: true,
				contentType: 'form-urlencoded',
				bodyParameters: {
					parameters: [
						{ name: 'client_id', value: DEMO_CLIENT.clientId },
						{ name: 'client_secret', value: DEMO_CLIENT.clientSecret },
						{ name: 'grant_type', value: 'client_credentials' },
					],
				},
				options: {},
			},
		});
	}
	nodes.push(
		{
			id: 'n3',
			name: 'Vehicles',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: position(2),
			parameters: {
				mode: 'raw',
				jsonOutput: isPeer
					? `={ "token": "{{ $json.access_token }}", "iotCodes": ${JSON.stringify(iotCodes)} }`
					: JSON.stringify({ iotCodes }),
				options: {},
			},
		},
		{
			id: 'n4',
			name: 'One Item per Vehicle',
			type: 'n8n-nodes-base.splitOut',
			typeVersion: 1,
			position: position(3),
			parameters: {
				fieldToSplitOut: 'iotCodes',
				include: isPeer ? 'allOtherFields' : 'noOtherFields',
				options: { destinationFieldName: 'iotCode' },
			},
		},
		shape === 'n8n-alone'
			? { id: 'n5', name: 'No Op', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: position(4), parameters: {} }
			: shape === 'helper-floor'
			? {
					id: 'n5',
					name: 'Helper Floor',
					type: HELPER_FLOOR_TYPE,
					typeVersion: 1,
					position: position(4),
					parameters: { baseUrl: simUrl, clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, inFlight },
				}
			: isPeer
			? {
					id: 'n5',
					name: 'Status',
					type: 'n8n-nodes-base.httpRequest',
					typeVersion: 4.5,
					position: position(4),
					parameters: {
						url: `${simUrl}/api/v2/vehicle/query/current/status`,
						sendQuery: true,
						queryParameters: { parameters: [{ name: 'iotCode', value: '={{ $json.iotCode }}' }] },
						sendHeaders: true,
						headerParameters: { parameters: [{ name: 'Authorization', value: '=bearer {{ $json.token }}' }] },
						options: {},
					},
				}
			: {
					id: 'n5',
					name: 'Segway Fleet',
					type: 'n8n-nodes-segway-fleet.segwayFleet',
					typeVersion: 1,
					position: position(4),
					parameters: {
						resource: shape === 'package-lock' ? 'control' : 'query',
						operation: shape === 'package-lock' ? 'lock' : 'status',
						iotCode: '={{ $json.iotCode }}',
						options: inFlight === DEFAULT_IN_FLIGHT ? {} : { concurrency: inFlight },
					},
					credentials: { segwayFleetApi: CREDENTIAL },
				},
	);
	const chain = nodes.map((n) => (n as { name: string }).name);
	const connections = Object.fromEntries(
		chain.slice(0, -1).map((name, i) => [name, { main: [[{ node: chain[i + 1], type: 'main', index: 0 }]] }]),
	);
	return { id, name: `bench ${shape} ${iotCodes.length}`, active: false, nodes, connections, settings: {} };
}

interface RunOutput {
	status?: string;
	data: { resultData: { runData: Record<string, Array<{ executionTime: number }>>; lastNodeExecuted: string } };
}

/** The run n8n printed: its status and the last node's own execution time (runData executionTime). */
function printedRun(stdout: string): { status: string | undefined; nodeSeconds: number } {
	const run = lastJsonBlock(stdout, (value): value is RunOutput => typeof (value as { data?: { resultData?: unknown } })?.data?.resultData === 'object');
	const last = run?.data.resultData.lastNodeExecuted;
	const time = last ? run?.data.resultData.runData[last]?.[0]?.executionTime : undefined;
	return { status: run?.status, nodeSeconds: typeof time === 'number' ? time / 1000 : NaN };
}

/** Where `n8n execute` runs: beside the simulator, or across the network shape's link. */
interface Runner {
	instance: N8nInstance;
	network?: BenchNetwork;
}

/** Peak resident memory from the kernel's high-water mark, sampled until the process exits. */
async function executeTimed({ instance, network }: Runner, id: string): Promise<{ seconds: number; nodeSeconds: number; peakRssMb: number; cpuSeconds: number; ok: boolean }> {
	const started = process.hrtime.bigint();
	const args = ['execute', `--id=${id}`, '--rawOutput'];
	// `ip netns exec` replaces itself with n8n, so the child's pid is n8n's (the memory sampler reads it).
	const [command, argv] = network ? network.inside(N8N_BIN, args) : [N8N_BIN, args];
	const env = network ? { ...instance.env, NODE_EXTRA_CA_CERTS: network.tls.caFile } : instance.env;
	const child = spawn(command, argv, { env, cwd: instance.userFolder, stdio: ['ignore', 'pipe', 'pipe'] });
	// stdout ends with the run's JSON; why a run failed is on stderr, kept apart so the JSON cannot push it out.
	let stderr = '';
	let stdout = '';
	child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
	child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-3000)));
	let peakKb = 0;
	let cpu = 0;
	const sampler = setInterval(() => {
		try {
			const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
			if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
		} catch {
			// the process has just exited
		}
		const now = cpuSeconds(child.pid as number);
		if (!Number.isNaN(now)) cpu = now;
	}, 50);
	const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
	clearInterval(sampler);
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	if (code !== 0) console.error(`n8n execute --id=${id} exited ${code}:\n${stderr}\n${stdout.slice(-600)}`);
	// The last sample is ≤ 50 ms before the exit, in n8n's shutdown: the run's CPU is all in it.
	const { status, nodeSeconds } = printedRun(stdout);
	// n8n 2.41's `execute` sometimes exits 1 after printing a run it calls a success, with nothing
	// on stderr (seen with the No Op workflow on a busy machine): the run's own status decides.
	return { seconds, nodeSeconds, peakRssMb: Math.round(peakKb / 1024), cpuSeconds: cpu, ok: status === 'success' };
}

async function measure(runner: Runner, sim: Simulator, id: string): Promise<Sample> {
	sim.resetStats();
	const run = await executeTimed(runner, id);
	const { maxInFlight, tokenRequests, apiRequests, connections } = sim.stats;
	return { ...run, maxInFlight, tokenRequests, apiRequests, connections };
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

interface Row {
	/** Loopback: the simulator's added latency. Network: the link's round-trip time. */
	latencyMs: number;
	what: Shape;
	items: number;
	/** Max Requests in Flight of the package node and the helper floor. */
	inFlight: number;
	seconds: number;
	baselineSeconds: number;
	marginalSeconds: number;
	/** The request node's own execution time (median), the part this package decides. */
	nodeSeconds: number;
	/** n8n's CPU time per item over the one-item run (medians), ms. */
	cpuMsPerItem: number;
	peakRssMb: number;
	maxInFlight: number;
	tokenRequests: number;
	apiRequests: number;
	connections: number;
	ok: boolean;
	/** Runs that ended well, of all (one-item and full), e.g. "4/4". */
	runsOk: string;
}

interface Config {
	shape: Shape;
	items: number;
	inFlight: number;
	latencies: number[];
}

function configs(): Config[] {
	const only = args.shapes?.split(',');
	return allConfigs().filter((c) => only === undefined || only.includes(c.shape));
}

function allConfigs(): Config[] {
	const all = (shape: Shape, items: number, latencies: number[]) => IN_FLIGHT.map((inFlight) => ({ shape, items, inFlight, latencies }));
	const one = (shape: Shape, items: number, latencies: number[]) => [{ shape, items, inFlight: DEFAULT_IN_FLIGHT, latencies }];
	const at50 = LATENCIES.includes(TARGET_LATENCY_MS) ? [TARGET_LATENCY_MS] : [LATENCIES[0]];
	return [
		...one('peer-status', FLEET, LATENCIES),
		...all('package-status', FLEET, LATENCIES),
		...all('helper-floor', FLEET, LATENCIES),
		// Over the network every request pays the same connection whatever it does: lock adds nothing to learn there.
		...(NETWORK ? [] : one('package-lock', FLEET, at50)),
		...(NETWORK ? [] : one('n8n-alone', FLEET, [LATENCIES[0]])),
		...(BIG > 0 ? [...all('package-status', BIG, at50), ...all('helper-floor', BIG, at50)] : []),
	];
}

/** Writes the helper floor where n8n loads custom nodes from (`CUSTOM.helperFloor`). */
function installHelperFloor(instance: N8nInstance): void {
	const source = readFileSync(join(ROOT, 'bench/lib/helperFloorNode.ts'), 'utf8');
	const { outputText } = transpileModule(source, { compilerOptions: { module: ModuleKind.CommonJS, target: ScriptTarget.ES2022 } });
	const dir = join(instance.userFolder, '.n8n/custom');
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, 'HelperFloor.node.js'), outputText);
}

async function main(): Promise<void> {
	console.log(`load average at start: ${formatLoad(loadavg())}`);
	let network: BenchNetwork | undefined;
	if (NETWORK) {
		const { createBenchNetwork, networkAvailable } = await import('./lib/network');
		const available = networkAvailable();
		if (!available.ok) throw new Error(`--network needs ${available.why}`);
		network = await createBenchNetwork({ rttMs: LATENCIES[0], jitterMs: (LATENCIES[0] * JITTER_PERCENT) / 100, lossPercent: LOSS_PERCENT });
		console.log(`network shape: namespace ${network.namespace}, link made with ${network.link}, HTTPS on ${network.hostAddress}`);
	}
	const rows: Row[] = [];
	let sim: Simulator | undefined;
	let instance: N8nInstance | undefined;
	try {
		sim = await startSimulator({
			vehicles: Math.max(FLEET, BIG),
			seed: 'bench',
			pushEnabled: false,
			autoParkSeconds: 0,
			recordLimit: 100,
			...(network ? { host: network.hostAddress, tls: { cert: network.tls.cert, key: network.tls.key } } : {}),
		});
		const codes = sim.iotCodes;
		instance = await N8nInstance.create();
		installHelperFloor(instance);
		const runner: Runner = { instance, network };
		await instance.importCredentials([
			{
				...CREDENTIAL,
				type: 'segwayFleetApi',
				data: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, region: 'custom', baseUrl: sim.url, accessToken: '' },
			},
		]);
		const plan = configs();
		const workflows = new Map<string, object>();
		for (const { shape, items, inFlight } of plan) {
			for (const n of [1, items]) workflows.set(workflowId(shape, n, inFlight), workflow(shape, codes.slice(0, n), sim.url, inFlight));
		}
		const distinct = new Set(plan.flatMap(({ shape, items, inFlight }) => [1, items].map((n) => `${shape} ${n} ${inFlight}`)));
		if (workflows.size !== distinct.size) throw new Error(`workflow ids collide: ${workflows.size} ids for ${distinct.size} workflows`);
		await instance.importWorkflows([...workflows.values()]);
		// The first CLI run of a user folder migrates its database; keep that out of the figures.
		await executeTimed(runner, workflowId(plan[0].shape, 1, plan[0].inFlight));

		for (const latency of LATENCIES) {
			if (network) await network.reshape({ rttMs: latency, jitterMs: (latency * JITTER_PERCENT) / 100, lossPercent: LOSS_PERCENT });
			else sim.configure({ latencyMs: latency });
			// Round-robin over the configurations, one run of each per round: a machine that gets
			// busier or quieter meanwhile shifts them all alike, which an A/B needs.
			const here = plan.filter((c) => c.latencies.includes(latency));
			const samples = here.map(() => ({ base: [] as Sample[], full: [] as Sample[] }));
			for (let r = 0; r < REPEAT; r++) {
				for (const [i, { shape, items, inFlight }] of here.entries()) {
					samples[i].base.push(await measure(runner, sim, workflowId(shape, 1, inFlight)));
					samples[i].full.push(await measure(runner, sim, workflowId(shape, items, inFlight)));
				}
			}
			for (const [i, { shape, items, inFlight }] of here.entries()) {
				const { base, full } = samples[i];
				const seconds = median(full.map((s) => s.seconds));
				const baselineSeconds = median(base.map((s) => s.seconds));
				const row: Row = {
					latencyMs: latency,
					what: shape,
					items,
					inFlight: shape === 'peer-status' ? items : inFlight,
					seconds,
					baselineSeconds,
					marginalSeconds: seconds - baselineSeconds,
					nodeSeconds: median(full.map((s) => s.nodeSeconds)),
					cpuMsPerItem: ((median(full.map((s) => s.cpuSeconds)) - median(base.map((s) => s.cpuSeconds))) * 1000) / Math.max(1, items - 1),
					peakRssMb: Math.max(...full.map((s) => s.peakRssMb)),
					maxInFlight: Math.max(...full.map((s) => s.maxInFlight)),
					tokenRequests: Math.max(...full.map((s) => s.tokenRequests)),
					apiRequests: full[full.length - 1].apiRequests,
					connections: full[full.length - 1].connections,
					ok: full.every((s) => s.ok) && base.every((s) => s.ok),
					runsOk: `${[...base, ...full].filter((s) => s.ok).length}/${base.length + full.length}`,
				};
				rows.push(row);
				console.log(
					`${latency} ms  ${shape} × ${items} (in flight ${row.inFlight}): node ${row.nodeSeconds.toFixed(2)} s, ${row.marginalSeconds.toFixed(2)} s marginal ` +
						`(${seconds.toFixed(2)} − ${baselineSeconds.toFixed(2)}), in flight ≤ ${row.maxInFlight}, tokens ${row.tokenRequests}, ` +
						`connections ${row.connections}, n8n CPU ${row.cpuMsPerItem.toFixed(2)} ms/item, peak RSS ${row.peakRssMb} MB`,
				);
			}
		}
	} finally {
		await instance?.dispose();
		await sim?.close();
		await network?.close();
	}
	report(rows);
}

/** Requests one item costs on a connection nobody reuses: TCP connect, TLS 1.3 handshake, the request. */
const NEW_CONNECTION_ROUND_TRIPS = 3;

function floors(r: Row): { keepAlive: number; newConnection: number } {
	if (r.what === 'n8n-alone') return { keepAlive: 0, newConnection: 0 };
	// items × round trip / requests in flight (the peer has all of them in flight).
	const keepAlive = (r.items * r.latencyMs) / 1000 / r.inFlight;
	return { keepAlive, newConnection: NETWORK ? keepAlive * NEW_CONNECTION_ROUND_TRIPS : keepAlive };
}

const helperFor = (rows: Row[], r: Row) =>
	rows.find((h) => h.what === 'helper-floor' && h.latencyMs === r.latencyMs && h.items === r.items && h.inFlight === r.inFlight);

/** ` (<row> ended well in 3/4 runs; …)` for the compared rows whose runs did not all end well, '' when all did. */
function failedRuns(...compared: Row[]): string {
	const failed = compared.filter((r) => !r.ok).map((r) => `${r.what} ended well in ${r.runsOk} runs`);
	return failed.length > 0 ? ` (${failed.join('; ')})` : '';
}

function report(rows: Row[]): void {
	const shapeText = NETWORK ? `HTTPS across a link of the given RTT, jitter ${JITTER_PERCENT} % of it, loss ${LOSS_PERCENT} % each way` : 'plain HTTP on loopback, the latency added by the simulator';
	printTable(
		[NETWORK ? 'RTT ms' : 'latency ms', 'workflow', 'items', 'in flight', 'node s', 'helper floor s', 'node / helper', 'marginal s', 'total s', 'n8n CPU ms/item', 'max in flight', 'token requests', 'API requests', 'connections', 'peak RSS MB', 'keep-alive floor s', 'new-conn floor s', 'runs ok'],
		rows.map((r) => {
			const helper = helperFor(rows, r);
			const { keepAlive, newConnection } = floors(r);
			const ours = r.what === 'package-status' || r.what === 'package-lock';
			return [
				r.latencyMs,
				r.what,
				r.items,
				r.inFlight,
				r.nodeSeconds,
				ours ? helper?.nodeSeconds : undefined,
				ours && helper ? r.nodeSeconds / helper.nodeSeconds : undefined,
				r.marginalSeconds,
				r.seconds,
				r.cpuMsPerItem,
				r.maxInFlight,
				r.tokenRequests,
				r.apiRequests,
				r.connections,
				r.peakRssMb,
				keepAlive,
				newConnection,
				r.runsOk,
			];
		}),
		{
			title: `Fleet commands in real n8n (${shapeText}; node = the request node's own time as n8n measures it; marginal = the whole run's time over a one-item run of the same workflow)`,
			digits: 2,
		},
	);
	console.log(`Target: package node ≤ 1.1 × the helper floor (the same requests through n8n's httpRequest, same in flight):`);
	for (const ours of rows.filter((r) => r.what === 'package-status')) {
		const helper = helperFor(rows, ours);
		if (!helper) continue;
		const ratio = ours.nodeSeconds / helper.nodeSeconds;
		const failed = failedRuns(ours, helper);
		console.log(`  ${ours.latencyMs} ms, ${ours.items} items, in flight ${ours.inFlight}: ${ratio.toFixed(2)} × → ${ratio <= 1.1 && failed === '' ? 'PASS' : 'FAIL'}${failed}`);
	}
	console.log(
		`\nAgainst the peer (at ${TARGET_LATENCY_MS} ms): package marginal ≤ 1.2 × peer marginal at the default in flight (${DEFAULT_IN_FLIGHT}), ` +
			`in flight ≤ ${DEFAULT_IN_FLIGHT}, one token per run; other latencies are shown for information`,
	);
	for (const latency of new Set(rows.map((r) => r.latencyMs))) {
		const peer = rows.find((r) => r.latencyMs === latency && r.what === 'peer-status' && r.items === FLEET);
		const ours = rows.find((r) => r.latencyMs === latency && r.what === 'package-status' && r.items === FLEET && r.inFlight === DEFAULT_IN_FLIGHT);
		if (!peer || !ours) continue;
		const ratio = ours.marginalSeconds / peer.marginalSeconds;
		const pass = ratio <= 1.2 && ours.maxInFlight <= DEFAULT_IN_FLIGHT && ours.tokenRequests <= 1 && ours.ok && peer.ok;
		const verdict = latency === TARGET_LATENCY_MS ? (pass ? 'PASS' : 'FAIL') : 'info';
		console.log(`  ${latency} ms: package/peer = ${ratio.toFixed(2)} → ${verdict}${failedRuns(peer, ours)}`);
	}
	// Against the floor: the node's own time, and the whole run's marginal (which also holds what
	// n8n spends per item anyway, e.g. the n8n-alone row).
	const floorName = NETWORK ? 'new-connection floor (items × 3 RTT / in flight)' : 'latency floor (items × latency / in flight)';
	// The loopback targets an earlier issue set: the node's time over the latency floor.
	console.log(`\nAgainst the ${floorName}${NETWORK ? '' : ' (target: ≤ 1.3 × at 50 ms, ≤ 1.1 × at 200 ms)'}:`);
	for (const ours of rows.filter((r) => r.what === 'package-status' && r.latencyMs > 0)) {
		const floor = floors(ours).newConnection;
		console.log(
			`  ${ours.latencyMs} ms, ${ours.items} items, in flight ${ours.inFlight}: node ${ours.nodeSeconds.toFixed(2)} s = ${(ours.nodeSeconds / floor).toFixed(2)} × floor ${floor.toFixed(2)} s; ` +
				`marginal ${ours.marginalSeconds.toFixed(2)} s = ${(ours.marginalSeconds / floor).toFixed(2)} ×; ` +
				`${(ours.connections / Math.max(1, ours.apiRequests + ours.tokenRequests)).toFixed(2)} connections per request`,
		);
	}
	console.log(`load average at end: ${formatLoad(loadavg())}`);
	const dir = join(ROOT, 'bench/results');
	mkdirSync(dir, { recursive: true });
	const file = NETWORK ? 'fleet-command-network.json' : 'fleet-command.json';
	const shape = NETWORK ? { jitterPercent: JITTER_PERCENT, lossPercent: LOSS_PERCENT } : {};
	writeFileSync(join(dir, file), JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), defaultConcurrency: DEFAULT_IN_FLIGHT, ...shape, rows }, null, 2));
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
