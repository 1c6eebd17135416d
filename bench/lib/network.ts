/**
 * A real network between a bench and what it measures: a network namespace reached over a link with
 * a round-trip time, jitter and loss, plus a throwaway certificate authority for HTTPS across it.
 * Servers in the bench process listen on `hostAddress`; what runs `inside()` the namespace reaches
 * them only over the link. Nothing leaves the machine.
 *
 * The delay is made by the kernel (tc netem on a veth pair) where it has netem, and otherwise by
 * bench/lib/tun-link.py, a userspace link between two TUN devices (kernels built without
 * CONFIG_NET_SCH_NETEM, such as this project's Firecracker VMs).
 *
 * Whatever ends the bench — close(), a normal exit, Ctrl-C, SIGTERM, SIGHUP — removes the namespace,
 * its links and the certificates. Only `kill -9` can leave them, and then the next run removes
 * those of processes no longer alive (every name carries the pid that made it). On a signal the
 * network goes first, synchronously, and takes whatever still runs inside the namespace with it
 * (SIGKILL); then the bench's own listeners for that signal run, or, when it has none, the process
 * dies of the signal as it would have without this module.
 *
 * Linux only, as root.
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createInterface } from 'readline';

export interface NetworkShape {
	rttMs: number;
	jitterMs: number;
	lossPercent: number;
}

export interface BenchTls {
	dir: string;
	caFile: string;
	certFile: string;
	keyFile: string;
	ca: string;
	cert: string;
	key: string;
}

export interface BenchNetwork {
	/** e.g. `segbench-<pid>-<n>`. */
	readonly namespace: string;
	/** The host side: servers in the bench process listen here. */
	readonly hostAddress: string;
	readonly nsAddress: string;
	/** The host side's interface (its /sys/class/net counters count what crossed the link). */
	readonly hostDevice: string;
	/** How the delay is made (printed by the bench). */
	readonly link: 'netem' | 'tun';
	/** The userspace link's process (link 'tun'), so that a bench can count its CPU. */
	readonly linkPid: number | undefined;
	readonly tls: BenchTls;
	/** [command, args] that runs `command args` inside the namespace with the caller's env (ip netns exec keeps env). */
	inside(command: string, args: string[]): [string, string[]];
	reshape(shape: NetworkShape): Promise<void>;
	/** Idempotent: stops the link, kills what still runs inside the namespace, deletes the namespace and its links, removes the cert dir. */
	close(): Promise<void>;
}

const NAMESPACE = /^segbench-(\d+)-\d+$/;
// Interface names have at most 15 characters: "sbh" + a pid (at most 7 digits) + "-" + at most 4.
const LINK = /^sb[hn](\d+)-\d+$/;
const CERT_DIR = /^segbench-tls-(\d+)-/;
const TUN_LINK_SCRIPT = join(__dirname, 'tun-link.py');
/** Private addresses for the links; the third octet picks one /30 per network. */
const SUBNET_PREFIX = '10.213';
const READY_TIMEOUT_MS = 15_000;
const LINK_STOP_TIMEOUT_MS = 3_000;

let created = 0;
const reservedOctets = new Set<number>();

function run(command: string, args: string[]): string {
	return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** For teardown: whatever is already gone stays gone. */
function tryRun(command: string, args: string[]): void {
	try {
		run(command, args);
	} catch {
		// already removed, or never made
	}
}

/**
 * A SIGKILLed process ends a moment later, longer on a loaded machine: closing a TUN device waits
 * for the kernel to unregister it. Teardown runs where no event loop is left (exit, signals), so
 * it waits here, synchronously and bounded, for the process to hold no device any more.
 */
function waitUntilEndedSync(pid: number, timeoutMs: number): void {
	const pause = new Int32Array(new SharedArrayBuffer(4));
	const deadline = Date.now() + timeoutMs;
	while (processAlive(pid) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 10);
}

function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
	}
	try {
		// A zombie holds no namespace and no device any more.
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
	} catch {
		return false;
	}
}

function namespaces(): string[] {
	return run('ip', ['netns', 'list'])
		.split('\n')
		.map((line) => line.split(' ')[0])
		.filter((name) => name !== '');
}

function hostLinks(): string[] {
	return run('ip', ['-o', 'link', 'show'])
		.split('\n')
		.map((line) => line.split(': ')[1]?.split('@')[0])
		.filter((name): name is string => name !== undefined && name !== '');
}

/** A namespace lives on while a process is in it, whatever `ip netns del` says. */
function killInside(namespace: string): void {
	let pids: string[] = [];
	try {
		pids = run('ip', ['netns', 'pids', namespace]).split('\n').filter((pid) => pid !== '');
	} catch {
		return;
	}
	for (const pid of pids) {
		try {
			process.kill(Number(pid), 'SIGKILL');
		} catch {
			// ended meanwhile
		}
	}
}

function removeNamespace(namespace: string): void {
	killInside(namespace);
	tryRun('ip', ['netns', 'del', namespace]);
}

/** A namespace, host link or certificate folder a bench network made, and the pid its name carries. */
interface NetworkPart {
	pid: number;
	/** The namespace's or link's name, the folder's path. */
	name: string;
	remove(): void;
}

function networkParts(): NetworkPart[] {
	const parts: NetworkPart[] = [];
	const add = (pattern: RegExp, entry: string, name: string, remove: () => void) => {
		const match = pattern.exec(entry);
		if (match !== null) parts.push({ pid: Number(match[1]), name, remove });
	};
	try {
		for (const namespace of namespaces()) add(NAMESPACE, namespace, namespace, () => removeNamespace(namespace));
		for (const link of hostLinks()) add(LINK, link, link, () => tryRun('ip', ['link', 'del', link]));
	} catch {
		// no iproute2: no namespace or link could have been made either
	}
	for (const entry of readdirSync(tmpdir())) {
		const dir = join(tmpdir(), entry);
		add(CERT_DIR, entry, dir, () => rmSync(dir, { recursive: true, force: true }));
	}
	return parts;
}

/** What the networks of process `pid` still hold: namespaces, host links, certificate folders (paths). */
export function leftoversOf(pid: number): string[] {
	return networkParts()
		.filter((part) => part.pid === pid)
		.map((part) => part.name);
}

/** What earlier runs killed with -9 left: their namespaces, links and certificates. */
function removeStale(): void {
	for (const part of networkParts()) if (!processAlive(part.pid)) part.remove();
}

/** A /30 of its own: starts from the pid, skips any other run's (and this process's other networks'). */
function pickOctet(): number {
	const used = new Set(reservedOctets);
	for (const match of run('ip', ['-o', '-4', 'addr', 'show']).matchAll(/inet 10\.213\.(\d+)\./g)) used.add(Number(match[1]));
	for (let i = 0; i < 250; i++) {
		const octet = (process.pid + i) % 250;
		if (!used.has(octet)) return octet;
	}
	throw new Error(`no free ${SUBNET_PREFIX}.x.0/30 left for a bench network: all 250 are in use`);
}

function netemWorksIn(namespace: string): boolean {
	try {
		run('ip', ['-n', namespace, 'link', 'add', 'netemprobe', 'type', 'dummy']);
		run('ip', ['netns', 'exec', namespace, 'tc', 'qdisc', 'add', 'dev', 'netemprobe', 'root', 'netem', 'delay', '1ms']);
		return true;
	} catch {
		return false;
	} finally {
		tryRun('ip', ['-n', namespace, 'link', 'del', 'netemprobe']);
	}
}

function checkShape(shape: NetworkShape): void {
	const fields: Array<[keyof NetworkShape, number]> = [
		['rttMs', 60_000],
		['jitterMs', 60_000],
		['lossPercent', 100],
	];
	for (const [field, max] of fields) {
		const value = shape[field];
		if (!Number.isFinite(value) || value < 0 || value > max) {
			throw new RangeError(`network shape: ${field} is ${value}; allowed: 0 to ${max}`);
		}
	}
}

function netemArgs(shape: NetworkShape): string[] {
	// Each direction gets half the round trip, and the loss as given: lossPercent is per packet.
	const args = ['delay', `${shape.rttMs / 2}ms`];
	if (shape.jitterMs > 0) args.push(`${shape.jitterMs / 2}ms`);
	if (shape.lossPercent > 0) args.push('loss', `${shape.lossPercent}%`);
	return args;
}

function makeCertificates(hostAddress: string): BenchTls {
	const dir = mkdtempSync(join(tmpdir(), `segbench-tls-${process.pid}-`));
	const file = (name: string) => join(dir, name);
	const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
	try {
		run('openssl', ['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=segbench throwaway CA',
			'-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
		run('openssl', ['req', '-new', ...ec, '-keyout', file('key.pem'), '-out', file('server.csr'), '-subj', '/CN=segbench']);
		writeFileSync(
			file('server.ext'),
			`subjectAltName=IP:${hostAddress},DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`,
		);
		run('openssl', ['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
			'-days', '1', '-out', file('cert.pem'), '-extfile', file('server.ext')]);
	} catch (error) {
		rmSync(dir, { recursive: true, force: true });
		throw error;
	}
	// Nothing is signed after this: the CA's key would only be something to leak.
	for (const name of ['ca.key', 'ca.srl', 'server.csr', 'server.ext']) rmSync(file(name), { force: true });
	const caFile = file('ca.pem');
	const certFile = file('cert.pem');
	const keyFile = file('key.pem');
	return {
		dir,
		caFile,
		certFile,
		keyFile,
		ca: readFileSync(caFile, 'utf8'),
		cert: readFileSync(certFile, 'utf8'),
		key: readFileSync(keyFile, 'utf8'),
	};
}

// ---- teardown on every way out ------------------------------------------------------------------

/** Synchronous teardowns of the networks still open, for exit and signals (no event loop left). */
const openTeardowns = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function tearDownAll(): void {
	for (const tearDown of [...openTeardowns]) tearDown();
}

function onSignal(signal: NodeJS.Signals): void {
	tearDownAll();
	// Die of the signal as if never caught (exit status 128 + n), unless the bench listens too and
	// so decides how it ends (say, after stopping n8n). This listener runs first (prepended), so
	// every other one is still counted here, whenever it was added.
	if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function watchExits(): void {
	if (openTeardowns.size !== 1) return;
	process.on('exit', tearDownAll);
	for (const signal of SIGNALS) process.prependOnceListener(signal, onSignal);
}

function unwatchExits(): void {
	if (openTeardowns.size !== 0) return;
	process.removeListener('exit', tearDownAll);
	for (const signal of SIGNALS) process.removeListener(signal, onSignal);
}

// ---- the userspace link -------------------------------------------------------------------------

interface TunLink {
	child: ChildProcess;
	reshape(shape: NetworkShape): Promise<void>;
	stop(): Promise<void>;
	/** For teardown on exit or a signal: kills it and returns once it has ended (bounded). */
	killSync(): void;
}

function startTunLink(
	namespace: string,
	devices: { host: string; ns: string },
	addresses: { host: string; ns: string },
	shape: NetworkShape,
): Promise<TunLink> {
	const child = spawn(
		'python3',
		[TUN_LINK_SCRIPT, namespace, devices.host, devices.ns, addresses.host, addresses.ns, '30', `${shape.rttMs}`, `${shape.jitterMs}`, `${shape.lossPercent}`],
		{ stdio: ['pipe', 'pipe', 'pipe'] },
	);
	let stderr = '';
	child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	let exited = false;
	let stopping = false;
	const exit = new Promise<void>((resolve) =>
		child.once('exit', (code, signal) => {
			exited = true;
			if (!stopping) process.stderr.write(`bench network: tun-link.py ended by itself (${signal ?? code}): ${stderr.trim()}\n`);
			resolve();
		}),
	);
	const replies: Array<(line: string) => void> = [];
	const lines = createInterface({ input: child.stdout! });
	let readyWaiter: ((line: string) => void) | undefined;
	lines.on('line', (line) => (readyWaiter ?? replies.shift())?.(line));
	let queue = Promise.resolve();

	const link: TunLink = {
		child,
		reshape(next) {
			const step = queue.then(
				() =>
					new Promise<void>((resolve, reject) => {
						if (exited) return reject(new Error(`tun-link.py has ended: ${stderr.trim()}`));
						replies.push((line) => (line === 'ok' ? resolve() : reject(new Error(`tun-link.py refused the shape: ${line}`))));
						child.stdin!.write(`${next.rttMs} ${next.jitterMs} ${next.lossPercent}\n`);
					}),
			);
			queue = step.catch(() => undefined);
			return step;
		},
		async stop() {
			if (exited) return;
			stopping = true;
			child.stdin!.end(); // its cue to stop
			const timer = setTimeout(() => child.kill('SIGKILL'), LINK_STOP_TIMEOUT_MS);
			await exit;
			clearTimeout(timer);
		},
		killSync() {
			if (exited || child.pid === undefined) return;
			stopping = true;
			child.kill('SIGKILL');
			waitUntilEndedSync(child.pid, LINK_STOP_TIMEOUT_MS);
		},
	};
	return new Promise<TunLink>((resolve, reject) => {
		const timer = setTimeout(() => fail(new Error(`tun-link.py was not ready within ${READY_TIMEOUT_MS} ms: ${stderr.trim()}`)), READY_TIMEOUT_MS);
		const fail = (error: Error) => {
			clearTimeout(timer);
			readyWaiter = undefined;
			stopping = true;
			child.kill('SIGKILL');
			reject(error);
		};
		readyWaiter = (line) => {
			clearTimeout(timer);
			readyWaiter = undefined;
			if (line === 'ready') resolve(link);
			else fail(new Error(`tun-link.py said "${line}" instead of "ready": ${stderr.trim()}`));
		};
		child.once('error', fail);
		void exit.then(() => {
			if (readyWaiter !== undefined) fail(new Error(`tun-link.py ended before it was ready: ${stderr.trim()}`));
		});
	});
}

// ---- the network --------------------------------------------------------------------------------

export function networkAvailable(): { ok: true } | { ok: false; why: string } {
	if (process.platform !== 'linux') return { ok: false, why: `network namespaces are Linux only (this is ${process.platform})` };
	if (process.getuid?.() !== 0) return { ok: false, why: 'a bench network needs root (network namespaces, links, tc)' };
	const missing = (command: string, args: string[]) => {
		try {
			run(command, args);
			return false;
		} catch {
			return true;
		}
	};
	if (missing('ip', ['-V'])) return { ok: false, why: 'iproute2 (`ip`) is not installed' };
	if (missing('openssl', ['version'])) return { ok: false, why: 'the openssl CLI is not installed (it makes the throwaway certificates)' };
	if (existsSync('/dev/net/tun')) {
		if (missing('python3', ['-c', 'import fcntl, select'])) return { ok: false, why: 'python3 is not installed (it runs the TUN link; the kernel has no netem to use instead, or it was not probed)' };
		return { ok: true };
	}
	const probe = `segprobe-${process.pid}`;
	try {
		run('ip', ['netns', 'add', probe]);
		if (netemWorksIn(probe)) return { ok: true };
	} catch {
		// reported below
	} finally {
		tryRun('ip', ['netns', 'del', probe]);
	}
	return { ok: false, why: 'the kernel has neither netem (sch_netem) nor TUN devices (/dev/net/tun) to make a slow link with' };
}

export async function createBenchNetwork(shape: NetworkShape): Promise<BenchNetwork> {
	checkShape(shape);
	removeStale();
	const id = `${process.pid}-${++created % 10_000}`;
	const namespace = `segbench-${id}`;
	const devices = { host: `sbh${id}`, ns: `sbn${id}` };
	const octet = pickOctet();
	reservedOctets.add(octet);
	const hostAddress = `${SUBNET_PREFIX}.${octet}.1`;
	const nsAddress = `${SUBNET_PREFIX}.${octet}.2`;

	let tls: BenchTls | undefined;
	let tunLink: TunLink | undefined;
	let closed = false;
	const tearDown = () => {
		if (closed) return;
		closed = true;
		openTeardowns.delete(tearDown);
		unwatchExits();
		tunLink?.killSync();
		removeNamespace(namespace);
		// A veth pair goes with its namespace, a TUN device with the link's process; deleting it here
		// as well costs nothing when it is already gone.
		tryRun('ip', ['link', 'del', devices.host]);
		if (tls !== undefined) rmSync(tls.dir, { recursive: true, force: true });
		reservedOctets.delete(octet);
	};
	openTeardowns.add(tearDown);
	watchExits();

	try {
		run('ip', ['netns', 'add', namespace]);
		tls = makeCertificates(hostAddress);
		const link: 'netem' | 'tun' = netemWorksIn(namespace) ? 'netem' : 'tun';
		if (link === 'netem') {
			run('ip', ['link', 'add', devices.host, 'type', 'veth', 'peer', 'name', devices.ns, 'netns', namespace]);
			run('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', devices.host]);
			run('ip', ['link', 'set', 'dev', devices.host, 'up']);
			run('ip', ['-n', namespace, 'addr', 'add', `${nsAddress}/30`, 'dev', devices.ns]);
			run('ip', ['-n', namespace, 'link', 'set', 'dev', devices.ns, 'up']);
			run('ip', ['-n', namespace, 'link', 'set', 'dev', 'lo', 'up']);
			applyNetem(namespace, devices, shape);
		} else {
			tunLink = await startTunLink(namespace, devices, { host: hostAddress, ns: nsAddress }, shape);
		}
		if (closed) throw new Error('the bench network was torn down while it was being made (a signal, or exit)');
		const tlsFiles = tls;
		const activeLink = tunLink;
		let closing: Promise<void> | undefined;
		return {
			namespace,
			hostAddress,
			nsAddress,
			hostDevice: devices.host,
			link,
			linkPid: activeLink?.child.pid,
			tls: tlsFiles,
			inside: (command, args) => ['ip', ['netns', 'exec', namespace, command, ...args]],
			async reshape(next) {
				checkShape(next);
				if (closed) throw new Error(`bench network ${namespace} is closed`);
				if (activeLink !== undefined) await activeLink.reshape(next);
				else applyNetem(namespace, devices, next);
			},
			close() {
				closing ??= (async () => {
					if (activeLink !== undefined && !closed) await activeLink.stop();
					tearDown();
				})();
				return closing;
			},
		};
	} catch (error) {
		tearDown();
		throw error;
	}
}

function applyNetem(namespace: string, devices: { host: string; ns: string }, shape: NetworkShape): void {
	run('tc', ['qdisc', 'replace', 'dev', devices.host, 'root', 'netem', ...netemArgs(shape)]);
	run('ip', ['netns', 'exec', namespace, 'tc', 'qdisc', 'replace', 'dev', devices.ns, 'root', 'netem', ...netemArgs(shape)]);
}
