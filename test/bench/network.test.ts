/**
 * The benches' network (bench/lib/network.ts): a namespace behind a slow link, HTTPS with a
 * throwaway CA, and nothing left behind however the bench ends. Real namespaces, links and
 * processes; runs as root (here and in CI), skipped with the reason elsewhere.
 *
 * Times are only lower bounds (a round trip cannot be shorter than the link's delay), which hold
 * on any machine however loaded.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'child_process';
import { createSocket } from 'dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer as createHttpsServer } from 'https';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'net';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import type { Readable } from 'stream';

import { createBenchNetwork, leftoversOf, networkAvailable, type BenchNetwork } from '../../bench/lib/network';

const availability = networkAvailable();
const whyNot = availability.ok ? '' : availability.why;
if (whyNot !== '') console.warn(`test/bench/network.test.ts is skipped: ${whyNot}`);
const describeWithNetwork = whyNot === '' ? describe : describe.skip;

/** Runs a node script inside the namespace; its stdout, parsed as JSON. */
function nodeInside(network: BenchNetwork, script: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<unknown> {
	const [command, args] = network.inside(process.execPath, ['-e', script]);
	return new Promise((resolvePromise, reject) => {
		const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		let err = '';
		child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
		child.on('error', reject);
		child.on('exit', (code) => {
			if (code !== 0) return reject(new Error(`script inside ${network.namespace} exited ${code}: ${err}`));
			resolvePromise(JSON.parse(out));
		});
	});
}

function cleanEnv(): NodeJS.ProcessEnv {
	const env = { ...process.env };
	delete env.NODE_EXTRA_CA_CERTS;
	delete env.NODE_OPTIONS; // jest's, if any
	return env;
}

/** Connect, then one request and its answer, `times` times in a row: each phase's milliseconds. */
function roundTripsScript(address: string, port: number, times: number): string {
	return `
		const net = require('net');
		const results = [];
		function once() {
			const start = performance.now();
			const socket = net.connect(${port}, '${address}', () => {
				const connected = performance.now();
				socket.write('ping');
				socket.once('data', () => {
					results.push({ connectMs: connected - start, requestMs: performance.now() - connected });
					socket.destroy();
					if (results.length < ${times}) once(); else console.log(JSON.stringify(results));
				});
			});
		}
		once();`;
}

/** Whether a connect gets through within `waitMs` (it cannot while the link drops everything). */
function connectsScript(address: string, port: number, waitMs: number): string {
	return `
		const socket = require('net').connect(${port}, '${address}', () => { console.log('"connected"'); process.exit(0); });
		socket.on('error', (error) => { console.log(JSON.stringify(error.code)); process.exit(0); });
		setTimeout(() => { console.log('"no answer"'); process.exit(0); }, ${waitMs});`;
}

function echoServer(address: string): Promise<Server> {
	const server = createTcpServer((socket) => socket.on('data', (data) => socket.write(data)));
	return new Promise((resolvePromise) => server.listen(0, address, () => resolvePromise(server)));
}

function portOf(server: Server): number {
	return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
	return new Promise((resolvePromise) => server.close(() => resolvePromise()));
}

function namespaceExists(namespace: string): boolean {
	return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').some((line) => line.split(' ')[0] === namespace);
}

/** Host interfaces whose names carry this pid (every bench link does: sbh<pid>-<n>). */
function linksOf(pid: number): string[] {
	return spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
		.stdout.split('\n')
		.map((line) => line.split(': ')[1]?.split('@')[0] ?? '')
		.filter((name) => new RegExp(`^sb[hn]${pid}-\\d+$`).test(name));
}

/** The link process has ended: no such pid, a zombie, or the pid reused by another program. */
function processGone(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
		return stat[stat.lastIndexOf(')') + 2] === 'Z' || !name.startsWith('python');
	} catch {
		return true;
	}
}

describeWithNetwork(`bench network${whyNot === '' ? '' : ` (skipped: ${whyNot})`}`, () => {
	let network: BenchNetwork;
	let server: Server;

	beforeAll(async () => {
		network = await createBenchNetwork({ rttMs: 40, jitterMs: 0, lossPercent: 0 });
		server = await echoServer(network.hostAddress);
	});

	afterAll(async () => {
		await close(server);
		await network.close();
	});

	it('delays every round trip between the namespace and the host by at least the RTT, and reshape changes it', async () => {
		type Trip = { connectMs: number; requestMs: number };
		const slow = (await nodeInside(network, roundTripsScript(network.hostAddress, portOf(server), 3))) as Trip[];
		expect(slow).toHaveLength(3);
		for (const trip of slow) {
			expect(trip.connectMs).toBeGreaterThanOrEqual(40);
			expect(trip.requestMs).toBeGreaterThanOrEqual(40);
		}

		await network.reshape({ rttMs: 150, jitterMs: 0, lossPercent: 0 });
		const slower = (await nodeInside(network, roundTripsScript(network.hostAddress, portOf(server), 2))) as Trip[];
		for (const trip of slower) {
			expect(trip.connectMs).toBeGreaterThanOrEqual(150);
			expect(trip.requestMs).toBeGreaterThanOrEqual(150);
		}
		await network.reshape({ rttMs: 40, jitterMs: 0, lossPercent: 0 });
	});

	it('drops packets as the loss says: nothing gets through at 100 %, everything again at 0 %', async () => {
		await network.reshape({ rttMs: 10, jitterMs: 0, lossPercent: 100 });
		expect(await nodeInside(network, connectsScript(network.hostAddress, portOf(server), 1500))).toBe('no answer');
		await network.reshape({ rttMs: 40, jitterMs: 0, lossPercent: 0 });
		expect(await nodeInside(network, connectsScript(network.hostAddress, portOf(server), 10_000))).toBe('connected');
	});

	it('keeps packets in order under jitter (TUN link; netem reorders by design)', async () => {
		if (network.link !== 'tun') return;
		await network.reshape({ rttMs: 40, jitterMs: 36, lossPercent: 0 });
		const receiver = createSocket('udp4');
		const received: number[] = [];
		const count = 200;
		const all = new Promise<void>((resolvePromise) =>
			receiver.on('message', (message) => {
				received.push(Number(message.toString()));
				if (received.length === count) resolvePromise();
			}),
		);
		await new Promise<void>((resolvePromise) => receiver.bind(0, network.hostAddress, () => resolvePromise()));
		const port = receiver.address().port;
		try {
			// One datagram every millisecond: far closer together than the jitter is wide.
			await nodeInside(
				network,
				`const socket = require('dgram').createSocket('udp4'); let i = 0;
				const timer = setInterval(() => { socket.send(String(i++), ${port}, '${network.hostAddress}'); if (i === ${count}) { clearInterval(timer); setTimeout(() => { socket.close(); console.log('null'); }, 50); } }, 1);`,
			);
			await all;
			expect(received).toEqual([...Array(count).keys()]);
		} finally {
			receiver.close();
			await network.reshape({ rttMs: 40, jitterMs: 0, lossPercent: 0 });
		}
	});

	it('serves HTTPS to the namespace with the throwaway CA, which only NODE_EXTRA_CA_CERTS makes trusted', async () => {
		const https = createHttpsServer({ cert: network.tls.cert, key: network.tls.key }, (_request, response) => response.end('hello'));
		await new Promise<void>((resolvePromise) => https.listen(0, network.hostAddress, () => resolvePromise()));
		const url = `https://${network.hostAddress}:${(https.address() as AddressInfo).port}/`;
		const get = `require('https').get('${url}', (response) => { let body = ''; response.on('data', (c) => (body += c));
			response.on('end', () => console.log(JSON.stringify({ status: response.statusCode, body }))); })
			.on('error', (error) => console.log(JSON.stringify({ error: error.code })));`;
		try {
			expect(await nodeInside(network, get, { ...cleanEnv(), NODE_EXTRA_CA_CERTS: network.tls.caFile })).toEqual({ status: 200, body: 'hello' });
			expect(await nodeInside(network, get)).toEqual({ error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
		} finally {
			https.close();
		}
	});

	it('close() removes the namespace, its links, the certificates and the link process, and may be called twice', async () => {
		const other = await createBenchNetwork({ rttMs: 20, jitterMs: 0, lossPercent: 0 });
		expect(namespaceExists(other.namespace)).toBe(true);
		expect(existsSync(other.tls.caFile)).toBe(true);
		const linkNames = linksOf(process.pid).filter((name) => name.endsWith(other.namespace.slice('segbench-'.length)));
		expect(linkNames).toHaveLength(1);
		expect(other.hostDevice).toBe(linkNames[0]);
		// What the benches' smoke test checks after every bench.
		expect(leftoversOf(process.pid)).toEqual(expect.arrayContaining([other.namespace, linkNames[0], other.tls.dir]));

		await other.close();
		await other.close();
		expect(namespaceExists(other.namespace)).toBe(false);
		expect(linksOf(process.pid)).not.toContain(linkNames[0]);
		expect(existsSync(other.tls.dir)).toBe(false);
		expect(leftoversOf(process.pid).filter((name) => [other.namespace, linkNames[0], other.tls.dir].includes(name))).toEqual([]);
		if (other.linkPid !== undefined) expect(processGone(other.linkPid)).toBe(true);
		// The first network is untouched.
		expect(namespaceExists(network.namespace)).toBe(true);
	});

	describe.each(['SIGINT', 'SIGTERM'] as const)('a bench ended by %s', (signal) => {
		it('leaves no namespace, link, certificate or link process behind', async () => {
			await withChildBench('', async (child, made) => {
				child.process.kill(signal);
				// It dies of the signal, as it would have without the cleanup.
				expect(await child.ended).toEqual({ code: null, signal, output: '' });
				expectAllGone(made);
			});
		});
	});

	it('lets a bench with its own Ctrl-C listener (added before the network) end the way it chooses, after the network is gone', async () => {
		const ownListener = `process.once('SIGINT', () => setTimeout(() => { console.log('own listener done'); process.exit(130); }, 100));`;
		await withChildBench(ownListener, async (child, made) => {
			child.process.kill('SIGINT');
			expect(await child.ended).toEqual({ code: 130, signal: null, output: 'own listener done\n' });
			expectAllGone(made);
		});
	});

	it('after a kill -9, which nothing can clean up after, the next network removes what the killed bench left', async () => {
		await withChildBench('', async (child, made) => {
			child.process.kill('SIGKILL');
			await child.ended;
			expect(namespaceExists(made.namespace)).toBe(true);
			const next = await createBenchNetwork({ rttMs: 1, jitterMs: 0, lossPercent: 0 });
			await next.close();
			expectAllGone(made);
		});
	});
});

interface ChildNetwork {
	pid: number;
	namespace: string;
	dir: string;
	linkPid?: number;
}

interface ChildBench {
	process: ChildProcessByStdio<null, Readable, null>;
	/** How it ended, and what it printed after its network's line. */
	ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

/** A bench in a process of its own (`prelude` first), with its network made, for `use`; removes whatever a failure left. */
async function withChildBench(prelude: string, use: (child: ChildBench, made: ChildNetwork) => Promise<void>): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), 'segbench-signal-test-'));
	const script = join(dir, 'bench.ts');
	writeFileSync(
		script,
		`${prelude}
		import { createBenchNetwork } from ${JSON.stringify(resolve(__dirname, '../../bench/lib/network'))};
		void createBenchNetwork({ rttMs: 20, jitterMs: 0, lossPercent: 0 }).then((network) => {
			console.log(JSON.stringify({ pid: process.pid, namespace: network.namespace, dir: network.tls.dir, linkPid: network.linkPid }));
			setInterval(() => undefined, 1000); // a bench at work, until the signal
		});`,
	);
	const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
	let out = '';
	child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
	const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolvePromise) =>
		child.on('exit', (code, signal) => resolvePromise({ code, signal, output: out.slice(out.indexOf('\n') + 1) })),
	);
	let made: ChildNetwork | undefined;
	try {
		made = await new Promise<ChildNetwork>((resolvePromise, reject) => {
			child.stdout.on('data', () => {
				if (out.includes('\n')) resolvePromise(JSON.parse(out.split('\n')[0]) as ChildNetwork);
			});
			void ended.then(({ code }) => reject(new Error(`the bench ended (${code}) before it made its network`)));
		});
		expect(namespaceExists(made.namespace)).toBe(true);
		await use({ process: child, ended }, made);
	} finally {
		child.kill('SIGKILL');
		rmSync(dir, { recursive: true, force: true });
		if (made !== undefined) {
			// What a failing cleanup left, so that one failure does not pile up namespaces.
			spawnSync('ip', ['netns', 'del', made.namespace]);
			rmSync(made.dir, { recursive: true, force: true });
		}
	}
}

function expectAllGone(made: ChildNetwork): void {
	expect(namespaceExists(made.namespace)).toBe(false);
	expect(linksOf(made.pid)).toEqual([]);
	expect(existsSync(made.dir)).toBe(false);
	if (made.linkPid !== undefined) expect(processGone(made.linkPid)).toBe(true);
}
