/**
 * Every bench script (package.json `bench:*`) smoke-runs here, so that none can rot between the
 * runs that measure (README: Performance). Each runs in a child process as its script runs it
 * (`tsx bench/<name>.ts` as `node --import tsx bench/<name>.ts`; trigger-memory with --expose-gc),
 * with the smallest arguments that still take it through its whole path: every configuration,
 * phase and table, a second or less of load each. What the scripts do first (scripts/n8n-cache.sh,
 * scripts/cluster-deps.sh, `npm run build`) scripts/e2e.sh has done. A bench passes when it exits
 * 0 and printed its tables' header lines; its timings are not checked (speed is measured by
 * running the benches, never asserted in tests), only counts its own setup fixes (trigger-memory's
 * silent vehicles reported). A failure shows the end of the bench's output.
 *
 * Not run here, to keep this file to ≈ 4 minutes on a quiet 2-core machine: push-ingest's
 * `--location` and `--cluster` comparisons (bench/lib/locationCost.ts, bench/lib/layouts.ts), each
 * one more n8n (a queue-mode cluster for `--cluster`) and about as long as push-ingest's run here.
 * Its `--zones` comparison does run (1–2 min): it is also the only check that workflows carrying
 * a city-sized zone document (1.7 MB) import, publish and answer in real n8n.
 * `bench:fleet-command -- --network` and `bench:network-link` make a network namespace, a link and
 * certificates (bench/lib/network.ts, as root): after every bench none of its pid may be left.
 * The benches write their JSON to bench/results/ as usual (not tracked by git).
 */
import { spawn } from 'child_process';
import { readdirSync, readFileSync } from 'fs';
import { resolve } from 'path';
import { setTimeout as sleep } from 'timers/promises';

import { leftoversOf } from '../../bench/lib/network';

const ROOT = resolve(__dirname, '../..');
/** Past this a bench counts as hung: its processes are stopped and the test fails. */
const DEADLINE_MS = 6 * 60_000;
/** Characters of a failing bench's output shown in the failure. */
const TAIL_CHARS = 6000;

interface Bench {
	/** The package.json script. */
	title: string;
	/** Node's flags before the bench file, as the script has them. */
	node: string[];
	file: string;
	args: string[];
	/** Lines the bench always prints on stdout: its tables' headers. */
	tables: RegExp[];
	/** What else its output must show, or why not. */
	check?: (stdout: string) => string | undefined;
}

/**
 * bench:fleet-command goes on when an `n8n execute` fails (a flooding peer may), and says so in its
 * table's last column; in a smoke run every one must end well, or the workflows, the certificates
 * or the network are broken.
 */
function everyRunEndedWell(stdout: string): string | undefined {
	const failed = [...stdout.matchAll(/^.* (\d+)\/(\d+)$/gm)].filter(([, ok, all]) => ok !== all).map(([row]) => row.trim());
	return failed.length > 0 ? `rows with failed runs:\n${failed.join('\n')}` : undefined;
}

const BENCHES: Bench[] = [
	{
		title: 'bench:simulator',
		node: ['--import', 'tsx'],
		file: 'bench/simulator.ts',
		args: ['--duration', '1', '--warmup', '0.5', '--connections', '4', '--vehicles', '10'],
		tables: [/│ requests\/s +│/],
	},
	{
		// Silent Vehicles with 400 vehicles (1 % is 4: two stop at once, two one by one), ≈ 500 pushes;
		// the bench itself fails unless exactly the stopped vehicles were reported, each once.
		title: 'bench:trigger-memory',
		node: ['--expose-gc', '--import', 'tsx'],
		file: 'bench/trigger-memory.ts',
		args: ['--pushes', '10', '--silence-fleet', '400'],
		tables: [
			/^filter +fleet +vehicles +pushes +runs +writes/m,
			/^heap per remembered vehicle: \d+ bytes$/m,
			/^location pushes +fleet +pushes +runs +writes/m,
			/^10,000 vehicles +heap bytes\/vehicle/m,
			/^silent vehicles +fleet +pushes +runs +writes +writes\/1,000 pushes +bytes written +bytes\/push +webhook p50 ms +webhook p99 ms +webhook max ms +heap MB/m,
			/^off +400 +10 .*\nwentSilentAndBack +400 +10 /m,
			/^silence phase pushes +pushes +silence reports +max reports\/push +webhook p50 ms +webhook p99 ms/m,
			/^reporting the 2 stopped one by one +2 +2 +1 .*\nreporting the 2 stopped at once +1 +2 +2 /m,
			/^quiet watch alone, vehicles heard +vehicles +pushes +µs\/push \(watch \+ overdue\)\n[- ]+\nin turn +400 +800 +[\d.]+\nat random +400 +800 +[\d.]+$/m,
			/^silent vehicles, 400 known: webhook\(\) p50 off\/on [\d.]+\/[\d.]+ ms, p99 off\/on [\d.]+\/[\d.]+ ms; heap off\/on -?[\d.]+\/-?[\d.]+ MB; writes per 1,000 pushes off\/on [\d.]+\/[\d.]+, bytes\/push off\/on \d+\/\d+; 4 of 400 stopped, 4 reported once each, at most 2 reports per push, p99 of the 3 pushes with reports [\d.]+ ms$/m,
		],
	},
	{
		// The full city document (its index is part of what is measured), 20 vehicles, one round.
		title: 'bench:zones',
		node: ['--expose-gc', '--import', 'tsx'],
		file: 'bench/zones.ts',
		args: ['--vehicles', '20', '--rounds', '1', '--variant-pushes', '10', '--index-runs', '1'],
		tables: [
			/^city document +zones +polygons +multipolygons/m,
			/^indexing once +runs +JSON\.parse p50 ms/m,
			/^round +pushes +load1 +off p50/m,
			/^pushes +off count +off p50/m,
			/^zone rule +items/m,
			/^zones on +pushes +p50 +p90 +p99 +max +added p50/m,
			/^20 vehicles +heap MB/m,
			/^mirror in static data +vehicles +characters/m,
			/^zones: webhook\(\) p50 off\/on [\d.]+\/[\d.]+ ms, p99 off\/on [\d.]+\/[\d.]+ ms, added p99 -?[\d.]+ ms; heap 20 vehicles off\/on -?[\d.]+\/-?[\d.]+ MB; index [\d.]+ ms/m,
		],
	},
	{
		// Every workflow (peer, status, lock, n8n alone) at the one latency all four run at.
		title: 'bench:fleet-command',
		node: ['--import', 'tsx'],
		file: 'bench/fleet-command.ts',
		args: ['--latencies', '50', '--repeat', '1', '--big', '0', '--fleet', '20'],
		tables: [/^latency ms +workflow +items +in flight +node s +helper floor s +node \/ helper +marginal s/m, /^Target: package node ≤ 1\.1 × the helper floor/m, /^Against the latency floor/m],
		check: everyRunEndedWell,
	},
	{
		// The link alone: 20 connects and four 1 MiB downloads across it.
		title: 'bench:network-link',
		node: ['--import', 'tsx'],
		file: 'bench/network-link.ts',
		args: ['--rtt', '20', '--download-mib', '1'],
		tables: [/^link: (tun|netem); TCP connect over rtt 20 ms, 20 in a row: min [\d.]+, median [\d.]+, max [\d.]+ ms$/m],
	},
	{
		// HTTPS across the namespace's link at one RTT, both in-flight settings; the namespace and
		// the certificates must be gone afterwards (checked below for every bench).
		title: 'bench:fleet-command -- --network',
		node: ['--import', 'tsx'],
		file: 'bench/fleet-command.ts',
		args: ['--network', '--rtts', '20', '--repeat', '1', '--big', '0', '--fleet', '10', '--in-flight', '5,10'],
		tables: [
			/^network shape: namespace \S+, link made with (tun|netem), HTTPS on [\d.]+$/m,
			/^RTT ms +workflow +items +in flight +node s +helper floor s .* +keep-alive floor s +new-conn floor s +runs ok$/m,
			/^Against the new-connection floor/m,
		],
		check: everyRunEndedWell,
	},
	{
		// Every phase once, profiled (bench/lib/profile.ts); --max-load: no waiting for a quiet machine.
		title: 'bench:push-ingest',
		node: ['--import', 'tsx'],
		file: 'bench/push-ingest.ts',
		args: [
			...['--warmup', '1', '--step', '1', '--rates', '10', '--sustain', '1', '--sustain-rate', '10', '--saturation', '1'],
			...['--concurrency', '2', '--vehicles', '20', '--crossers', '5', '--max-load', '1000', '--profile'],
		],
		tables: [
			/^Open loop, rising rates[^\n]*\nphase +configuration +target\/s +acked\/s/m,
			/^\(c\) sustained\nphase +configuration/m,
			/^Closed loop, 2 senders[^\n]*\nphase +configuration/m,
			/^target +measured +result$/m,
			/^phase +configuration +acked +busy ms +busy\/push/m,
		],
	},
	{
		// Every setup (off, document alone, on, small document) once, profiled; a second each phase.
		title: 'bench:push-ingest -- --zones',
		node: ['--import', 'tsx'],
		file: 'bench/push-ingest.ts',
		args: [
			...['--zones', '--zones-closed', '1', '--zones-open', '1', '--zones-rate', '10', '--zones-repeats', '1', '--zones-small', '5'],
			...['--warmup', '1', '--concurrency', '2', '--vehicles', '20', '--profile'],
		],
		tables: [
			/^workflow +bytes +import s +publish s$/m,
			/^Closed loop, 2 senders[^\n]*\nsetup +repeat +acked\/s/m,
			/^Open loop at 10 pushes\/s[^\n]*\nsetup +repeat +acked\/s/m,
			/^setup +acked +busy ms\/push +package +database/m,
		],
	},
	{
		// One pair of phases (n8n's settings differ, the path does not); junk at 3/s for 1 s: one of each kind.
		title: 'bench:push-hostile',
		node: ['--import', 'tsx'],
		file: 'bench/push-hostile.ts',
		args: ['--seconds', '1', '--warmup', '1', '--concurrency', '2', '--junk-rate', '3', '--mirror', '100', '--settings', 'lazy', '--huge-posts', '1', '--reader-runs', '1'],
		tables: [/^n8n settings +phase +genuine ack\/s/m, /^junk body, as n8n hands it over +bytes/m, /^n8n settings +JSON body of 1,000,000 keys: answers/m],
	},
	{
		// One change of the secret.
		title: 'bench:secret-rotation',
		node: ['--import', 'tsx'],
		file: 'bench/secret-rotation.ts',
		args: ['--trials', '1'],
		tables: [/^trial +old secret refused after \(ms\)/m],
	},
];

/** A process's children, from /proc (Linux), and theirs: a bench's n8n runs in its own process group. */
function descendants(pid: number): number[] {
	const parents = new Map<number, number[]>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			// pid (comm) state ppid …; comm may hold spaces and parentheses.
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
		} catch {
			// gone meanwhile
		}
	}
	const found: number[] = [];
	const walk = (p: number) => {
		for (const child of parents.get(p) ?? []) {
			found.push(child);
			walk(child);
		}
	};
	walk(pid);
	return found;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
	for (const pid of pids) {
		try {
			process.kill(pid, signal);
		} catch {
			// already gone
		}
	}
}

const alive = (pid: number) => {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
};

/**
 * Stops a hung bench and every process it started (n8n in process groups of their own, the CLI
 * commands it runs): all frozen first, so that none starts another meanwhile, then SIGTERM (n8n
 * shuts down), and SIGKILL for what is left after 10 s.
 */
async function stopTree(root: number): Promise<void> {
	const pids: number[] = [];
	for (let fresh = [root]; fresh.length > 0; fresh = descendants(root).filter((pid) => !pids.includes(pid))) {
		signalAll(fresh, 'SIGSTOP');
		pids.push(...fresh);
	}
	signalAll(pids, 'SIGTERM');
	signalAll(pids, 'SIGCONT');
	for (const until = Date.now() + 10_000; pids.some(alive) && Date.now() < until; ) await sleep(250);
	signalAll(pids.filter(alive), 'SIGKILL');
}

async function runBench(bench: Bench): Promise<{ code: number | null; stdout: string; output: string; seconds: number; pid: number }> {
	// As `npm run` starts it: without jest's variables (n8n-core behaves otherwise under NODE_ENV=test).
	const { NODE_ENV: _env, JEST_WORKER_ID: _worker, NODE_OPTIONS: _options, ...env } = process.env;
	const started = Date.now();
	const child = spawn(process.execPath, [...bench.node, bench.file, ...bench.args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
	let stdout = '';
	let output = '';
	child.stdout.on('data', (d: Buffer) => {
		stdout += d.toString();
		output += d.toString();
	});
	child.stderr.on('data', (d: Buffer) => (output += d.toString()));
	let stopping: Promise<void> | undefined;
	const timer = setTimeout(() => (stopping = stopTree(child.pid as number)), DEADLINE_MS);
	const code = await new Promise<number | null>((resolveExit) => {
		child.once('error', (error) => {
			output += `\n${String(error)}`;
			resolveExit(null);
		});
		child.once('close', (exitCode) => resolveExit(exitCode));
	});
	clearTimeout(timer);
	if (stopping) {
		await stopping;
		output += `\n[benches.test] stopped after ${DEADLINE_MS / 1000} s`;
	}
	return { code, stdout, output, seconds: (Date.now() - started) / 1000, pid: child.pid as number };
}

// The benches measure n8n 2.41.1 (README: Performance); on the 1.x line they would only repeat
// what the 2.x run shows.
const onBenchLine = process.env.SEGWAY_N8N_LINE === '1' ? describe.skip : describe;

onBenchLine('benches smoke-run (bench/, README: Performance)', () => {
	test.each(BENCHES.map((bench) => [`${bench.title} (${bench.args.join(' ')})`, bench] as const))(
		'%s',
		async (_title, bench) => {
			const run = await runBench(bench);
			const command = `node ${[...bench.node, bench.file, ...bench.args].join(' ')}`;
			const missing = bench.tables.filter((table) => !table.test(run.stdout));
			const problem = run.code === 0 && missing.length === 0 ? bench.check?.(run.stdout) : undefined;
			if (run.code !== 0 || missing.length > 0 || problem !== undefined) {
				const what =
					run.code !== 0 ? `exited ${run.code}` : missing.length > 0 ? `exited 0 without printing ${missing.map(String).join(', ')}` : `exited 0, but ${problem}`;
				throw new Error(`${command} ${what} after ${run.seconds.toFixed(0)} s; the end of its output:\n${run.output.slice(-TAIL_CHARS)}`);
			}
			// The namespace and the certificates of --network go with the bench (Ctrl-C: test/bench/network.test.ts).
			expect(leftoversOf(run.pid)).toEqual([]);
		},
		DEADLINE_MS + 30_000,
	);
});
