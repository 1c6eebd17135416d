/**
 * The README's sizing table: pushes/s a fleet sends at Segway's upload intervals and at longer
 * ones set with Set Upload Intervals, and what n8n needs to acknowledge them. Rerun it with your
 * own fleet share riding, or after a bench run on your hardware (it reads bench/results/ when
 * present, and otherwise the figures the README records):
 *
 *   npx tsx scripts/sizing.ts [--riding 0.1] [--paused 0]
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseArgs } from 'util';

import { interval } from '../api/catalog/fields';
import { DEFAULT_INTERVALS, type Intervals } from '../simulator/fleet';

const { values: args } = parseArgs({ options: { riding: { type: 'string', default: '0.1' }, paused: { type: 'string', default: '0' } } });
const RIDING = Number(args.riding);
const PAUSED = Number(args.paused);
const FLEETS = [1000, 5000, 20000];
/** The README's rule: plan for half of what one process acknowledges, for bursts and Segway's retries. */
const HEADROOM = 0.5;

/**
 * Segway's defaults are the simulator's (segway-api-max.txt, "vehicle location" and "vehicle
 * status" pushes: location every 10 s unlocked and 900 s locked, status every 10 s unlocked; the
 * reference gives no locked status interval, 900 s is assumed there).
 */
const SETTINGS: Array<{ name: string; intervals: Intervals }> = [
	{ name: "Segway's defaults", intervals: DEFAULT_INTERVALS },
	{ name: '20 s riding, 30 min locked', intervals: every({ riding: 20, paused: 60, locked: 1800 }) },
	{ name: '30 s riding, 1 h locked', intervals: every({ riding: 30, paused: 120, locked: 3600 }) },
	{ name: '60 s riding, 1 h locked', intervals: every({ riding: 60, paused: 300, locked: 3600 }) },
];

/** A Set Upload Intervals setting: location as often as status while unlocked. */
function every(s: { riding: number; paused: number; locked: number }): Intervals {
	return {
		locationInterval: { unlockStatus: s.riding, lockStatus: s.locked },
		statusInterval: { ridingStatus: s.riding, nonRiding: s.paused, lockStatus: s.locked },
	};
}

// The allowed range comes from the Set Upload Intervals field definition, not a second copy.
const { min, max } = interval('x', 'x', 'x');
for (const { name, intervals } of SETTINGS) {
	for (const seconds of [...Object.values(intervals.locationInterval), ...Object.values(intervals.statusInterval)]) {
		if (seconds < min || seconds > max) throw new RangeError(`${name}: ${seconds} s is outside ${min}–${max} s`);
	}
}

/** Status and location pushes per second from one vehicle in each state (alerts and faults come on events, too few to count). */
function perSecond(i: Intervals): number {
	const { locationInterval: location, statusInterval: status } = i;
	const riding = 1 / status.ridingStatus + 1 / location.unlockStatus;
	const paused = 1 / status.nonRiding + 1 / location.unlockStatus;
	const locked = 1 / status.lockStatus + 1 / location.lockStatus;
	return RIDING * riding + PAUSED * paused + (1 - RIDING - PAUSED) * locked;
}

/** Figures the README records (`npm run bench:push-ingest`, `-- --cluster`), used when bench/results/ has no run. */
const RECORDED = {
	source: 'README (2 × AMD EPYC; rerun the benches for yours)',
	perProcess: { defaults: { every: 30.4, filtered: 29 }, lazy: { every: 194, filtered: 405 } },
	/** CPU ms per push in queue mode: one webhook process's share, Postgres's, and all servers'. */
	cpu: { webhook: 1.7, postgres: 1.2, all: 4.1 },
};

const RESULTS = join(__dirname, '..', 'bench', 'results');
const readJson = (file: string): unknown => (existsSync(join(RESULTS, file)) ? JSON.parse(readFileSync(join(RESULTS, file), 'utf8')) : undefined);

interface IngestPhase { phase: string; config: string; mode: string; load: { ackPerSec: number } }
interface Ingest { command: string; n8n: { settings: Record<string, string> }; phases: IngestPhase[] }
interface Cluster { results: Array<{ label: string; cpuPerPush: Record<string, number> }> }

/** The last local push-ingest run's closed-loop rates, filed under the setting it ran with. */
function perProcess(): { source: string; figures: typeof RECORDED.perProcess } {
	const run = readJson('push-ingest.json') as Ingest | undefined;
	const figures = structuredClone(RECORDED.perProcess);
	if (!run) return { source: RECORDED.source, figures };
	const closed = (config: string) => run.phases.find((p) => p.mode === 'closed' && p.phase.startsWith('closed loop') && p.config.startsWith(config))?.load.ackPerSec;
	const key = run.n8n.settings.N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE === 'true' ? 'lazy' : 'defaults';
	figures[key] = { every: closed('(b)') ?? figures[key].every, filtered: closed('(c)') ?? figures[key].filtered };
	return { source: `${key}: bench/results/push-ingest.json (${run.command}); the other: ${RECORDED.source}`, figures };
}

/** CPU per push of the two-webhook layout of the last local `--cluster` run. */
function clusterCpu(): { source: string; cpu: typeof RECORDED.cpu } {
	const run = readJson('push-ingest-cluster.json') as Cluster | undefined;
	const two = run?.results.find((r) => r.label.includes('2 webhook'));
	if (!two) return { source: RECORDED.source, cpu: RECORDED.cpu };
	const { 'bench sender': _sender, ...servers } = two.cpuPerPush;
	const webhooks = Object.entries(servers).filter(([part]) => part.startsWith('webhook')).map(([, ms]) => ms);
	const all = Object.values(servers).reduce((a, b) => a + b, 0);
	return { source: 'bench/results/push-ingest-cluster.json', cpu: { webhook: Math.max(...webhooks), postgres: servers.postgres ?? 0, all } };
}

const round = (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(1));
const { source: processSource, figures } = perProcess();
const { source: cpuSource, cpu } = clusterCpu();
const oneProcess = figures.lazy.filtered * HEADROOM;
/** Two at least: one process can then restart while the other takes the pushes. */
const webhookProcesses = (rate: number) => Math.max(2, Math.ceil((rate * cpu.webhook) / 1000 / HEADROOM));

console.log(`Fleet at peak: ${RIDING * 100} % riding, ${PAUSED * 100} % unlocked and stopped, the rest locked; the trigger's filters on.\n`);
console.log(`| Upload intervals | ${FLEETS.map((n) => `${n.toLocaleString('en-US')} scooters`).join(' | ')} |`);
console.log(`| --- | ${FLEETS.map(() => '---').join(' | ')} |`);
for (const { name, intervals } of SETTINGS) {
	const cells = FLEETS.map((n) => {
		const rate = n * perSecond(intervals);
		const where =
			rate <= figures.defaults.filtered * HEADROOM
				? 'one process'
				: rate <= oneProcess
					? 'one process, lazy acquire'
					: `queue mode, ${webhookProcesses(rate)} webhook processes`;
		return `${round(rate)}/s: ${where}`;
	});
	console.log(`| ${name} | ${cells.join(' | ')} |`);
}

console.log(`\nOne n8n process, closed loop (${processSource}):`);
for (const [setting, f] of Object.entries(figures)) {
	console.log(`  ${setting === 'lazy' ? 'N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true' : "n8n's defaults"}: every push runs ${round(f.every)}/s, battery filter ${round(f.filtered)}/s`);
}
console.log(`  one process is enough up to ${round(figures.defaults.filtered * HEADROOM)} pushes/s, ${round(oneProcess)} with lazy acquire (${HEADROOM * 100} % of the filtered rate)`);
console.log(`\nQueue mode, CPU ms per push (${cpuSource}): one webhook process ${cpu.webhook.toFixed(1)}, Postgres ${cpu.postgres.toFixed(1)}, all servers ${cpu.all.toFixed(1)}`);
console.log(`  per 1,000 pushes/s: ${Math.ceil(cpu.webhook / HEADROOM)} webhook processes (one core each, ${HEADROOM * 100} % busy), ${round(cpu.postgres)} Postgres cores, ${round(cpu.all)} cores in all at full load`);
