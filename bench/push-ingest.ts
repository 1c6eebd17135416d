/**
 * Push ingestion in real n8n 2.41.1: how many signed Segway status pushes per second one n8n
 * acknowledges, and how fast, when they arrive at
 *   (a) n8n's own Webhook node (POST, respond immediately) → No Op: the baseline a user has
 *       without this package (no signature check);
 *   (b) the Segway Fleet Trigger with every status push starting an execution → No Op;
 *   (c) the Segway Fleet Trigger with the low-battery filter (below 20 %) → No Op, fed a fleet
 *       whose batteries drain slowly so that a known, small number of vehicles cross 20 %.
 * All three run as published workflows in one n8n with the same settings, fed the same stream
 * of form-encoded, signed pushes from a 1,000-vehicle fleet by an undici Pool in this process.
 *
 * Phases: warm-up; open loop at rising rates (each configuration in turn at each rate, a
 * configuration stops rising once it cannot keep up); (c) sustained at 300/s for 60 s; closed
 * loop (N senders back to back) for (a), (b), (c) and an unknown webhook path (n8n's own
 * ceiling: lookup and 404, no workflow). Executions are counted through n8n's REST API after each
 * phase, once they have finished, never while load runs.
 *
 *   npm run bench:push-ingest [-- --step 10 --sustain 60 --rates 10,50,100,200,300,400
 *                               --concurrency 10 --saturation 10 --profile --max-load 1.5]
 *   npm run bench:push-ingest -- --cluster [--cluster-closed 20 --cluster-rate 150 --cluster-open 20]
 *   npm run bench:push-ingest -- --location [--heap-vehicles 10000]
 *   npm run bench:push-ingest -- --zones [--zones-closed 20 --zones-rate 100 --zones-open 20
 *                                          --zones-repeats 2 --zones-count 600 --zones-small 30 --profile]
 *
 * `--cluster` instead compares one n8n process with a queue-mode cluster of one and of two
 * webhook processes on the same stream (bench/lib/layouts.ts). `--location` measures what the
 * trigger's remembered positions cost (bench/lib/locationCost.ts). `--zones` measures what zone
 * rules with a city-sized zone document cost (bench/lib/zonesCost.ts).
 *
 * `--profile` starts n8n with its inspector on and records a CPU profile of n8n during each
 * closed-loop phase (bench/results/profiles/*.cpuprofile, summarised in the
 * report); the inspector costs some speed, so compare profiled runs only with each other.
 *
 * Prints tables and writes bench/results/push-ingest.json.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { loadavg } from 'os';
import { join } from 'path';
import { parseArgs } from 'util';

import { DEMO_CLIENT } from '../simulator';
import { freePort, N8nInstance, ROOT, simulatorCredential, TRIGGER_TYPE } from '../harness/n8n';
import { waitFor } from '../harness/wait';
import { closedLoop, notAcknowledged, openLoop, type LoadResult } from './lib/load';
import { compareLayouts } from './lib/layouts';
import { locationCost } from './lib/locationCost';
import { zonesCost } from './lib/zonesCost';
import { formatLoad, machineInfo, waitForLowLoad } from './lib/machine';
import { entryPoints, InspectorSession, summarizeProfile, type ProfileSummary } from './lib/profile';
import { round } from './lib/stats';
import { crossingRuns, Fleet, FORM, settledCount, SUCCESS_BODY, THRESHOLD, workflow } from './lib/pushFleet';
import { printTable } from './lib/table';

const { values: args } = parseArgs({
	options: {
		step: { type: 'string', default: '10' },
		sustain: { type: 'string', default: '60' },
		'sustain-rate': { type: 'string', default: '300' },
		rates: { type: 'string', default: '10,50,100,200,300,400' },
		concurrency: { type: 'string', default: '10' },
		saturation: { type: 'string', default: '10' },
		warmup: { type: 'string', default: '3' },
		vehicles: { type: 'string', default: '1000' },
		crossers: { type: 'string', default: '60' },
		'max-load': { type: 'string', default: '1.5' },
		profile: { type: 'boolean', default: false },
		/** One process against a queue-mode cluster with one and two webhook processes (bench/lib/layouts.ts). */
		cluster: { type: 'boolean', default: false },
		/** What remembering positions costs: Add Last Known Location off and on (bench/lib/locationCost.ts). */
		location: { type: 'boolean', default: false },
		'heap-vehicles': { type: 'string', default: '10000' },
		/** What zone rules with a city's zone document cost: off, the document alone, on (bench/lib/zonesCost.ts). */
		zones: { type: 'boolean', default: false },
		'zones-closed': { type: 'string', default: '20' },
		'zones-rate': { type: 'string', default: '100' },
		'zones-open': { type: 'string', default: '20' },
		'zones-repeats': { type: 'string', default: '2' },
		'zones-count': { type: 'string', default: '600' },
		'zones-small': { type: 'string', default: '30' },
		'cluster-closed': { type: 'string', default: '20' },
		'cluster-rate': { type: 'string', default: '150' },
		'cluster-open': { type: 'string', default: '20' },
		/** File name under bench/results/. */
		out: { type: 'string', default: 'push-ingest.json' },
		/** Extra n8n settings for a diagnostic run, KEY=VALUE, repeatable. */
		'n8n-env': { type: 'string', multiple: true, default: [] },
	},
});
const STEP_S = Number(args.step);
const SUSTAIN_S = Number(args.sustain);
const SUSTAIN_RATE = Number(args['sustain-rate']);
const RATES = String(args.rates).split(',').map(Number);
const CONCURRENCY = Number(args.concurrency);
const SATURATION_S = Number(args.saturation);
const WARMUP_S = Number(args.warmup);
const VEHICLES = Number(args.vehicles);
const CROSSERS = Number(args.crossers);
const MAX_LOAD = Number(args['max-load']);
const PROFILE = args.profile === true;

const RESULTS = join(ROOT, 'bench/results');

/** Settings given to n8n on top of N8nInstance's (user folder, ports, no telemetry). */
const N8N_SETTINGS: Record<string, string> = {
	// Executions are counted by listing them afterwards: none may be pruned meanwhile.
	EXECUTIONS_DATA_PRUNE: 'false',
	// n8n's defaults, stated so the report shows them: SQLite, main process runs executions,
	// finished executions saved (success and error), progress not saved, no concurrency limit.
	DB_TYPE: 'sqlite',
	EXECUTIONS_MODE: 'regular',
	EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
	EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
	EXECUTIONS_DATA_SAVE_ON_PROGRESS: 'false',
	N8N_CONCURRENCY_PRODUCTION_LIMIT: '-1',
	...Object.fromEntries(
		(args['n8n-env'] as string[]).map((pair) => {
			const eq = pair.indexOf('=');
			return [pair.slice(0, eq), pair.slice(eq + 1)];
		}),
	),
};

// ---------------------------------------------------------------------------------------------
// The three workflows.

type ConfigKey = 'webhook' | 'triggerAll' | 'triggerBattery';

interface Config {
	key: ConfigKey;
	label: string;
	workflowId: string;
	webhookId: string;
	path: string;
	accept: (status: number, body: string) => boolean;
	fleet: Fleet;
}

function makeConfigs(pushesPerVehicle: number): Config[] {
	const secret = DEMO_CLIENT.clientSecret;
	const ids = {
		webhook: 'b0000000-0000-4000-8000-00000000000a',
		triggerAll: 'b0000000-0000-4000-8000-00000000000b',
		triggerBattery: 'b0000000-0000-4000-8000-00000000000c',
	};
	const isSuccess = (status: number, body: string) => status === 200 && body === SUCCESS_BODY;
	return [
		{
			key: 'webhook',
			label: '(a) Webhook node',
			workflowId: 'benchPushWebhook',
			webhookId: ids.webhook,
			path: `/webhook/${ids.webhook}/v2/vehicle/status`,
			accept: (status) => status === 200,
			fleet: new Fleet(VEHICLES, 0, pushesPerVehicle, 1, secret),
		},
		{
			key: 'triggerAll',
			label: '(b) Trigger, every push',
			workflowId: 'benchPushTrigAll',
			webhookId: ids.triggerAll,
			path: `/webhook/${ids.triggerAll}/v2/vehicle/status`,
			accept: isSuccess,
			fleet: new Fleet(VEHICLES, 0, pushesPerVehicle, 2, secret),
		},
		{
			key: 'triggerBattery',
			label: '(c) Trigger, battery < 20 %',
			workflowId: 'benchPushTrigBat',
			webhookId: ids.triggerBattery,
			path: `/webhook/${ids.triggerBattery}/v2/vehicle/status`,
			accept: isSuccess,
			fleet: new Fleet(VEHICLES, CROSSERS, pushesPerVehicle, 3, secret),
		},
	];
}

function workflows(configs: Config[]): object[] {
	const credentials = { segwayFleetApi: { id: 'segwayFleetDemo1', name: 'Segway Fleet (simulator)' } };
	return configs.map((c) => {
		if (c.key === 'webhook') {
			return workflow(c.workflowId, 'bench: Webhook node → No Op', {
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				webhookId: c.webhookId,
				// The same URL shape as the trigger's: <n8n>/webhook/<id>/v2/vehicle/status.
				parameters: { httpMethod: 'POST', path: `${c.webhookId}/v2/vehicle/status`, responseMode: 'onReceived', options: {} },
			});
		}
		const parameters =
			c.key === 'triggerAll'
				? { events: ['status'], statusMode: 'all' }
				: { events: ['status'], statusMode: 'batteryLow', batteryThreshold: THRESHOLD };
		return workflow(c.workflowId, `bench: Segway Fleet Trigger (${parameters.statusMode}) → No Op`, {
			name: 'Segway Fleet Trigger',
			type: TRIGGER_TYPE,
			// What new workflows get; version 1 pays n8n's Webhook-v1 expression on every push.
			typeVersion: 1.1,
			webhookId: c.webhookId,
			parameters,
			credentials,
		});
	});
}

// ---------------------------------------------------------------------------------------------
// Phases.

interface PhaseRow {
	phase: string;
	config: string;
	mode: 'open' | 'closed';
	target: number | null;
	concurrency: number | null;
	durationS: number;
	load: LoadResult;
	lost: number;
	executions: number | null;
	crossings: number | null;
	loadavgAtStart: number;
	profile?: ProfileSummary;
	/** Callers into the expression isolates, ms (profiled runs). */
	isolateCallers?: Array<{ callers: string; ms: number }>;
}

/** Inclusive CPU time reported per profiled phase: the stack has a frame from these files. */
const PROFILE_PARTS = {
	package: /n8n-nodes-segway-fleet\//,
	/** n8n's production webhook handling (lookup, workflow load, the node's webhook(), response). */
	webhookFront: /node_modules\/n8n\/dist\/webhooks\//,
	/** Building, loading and disposing expression isolates (n8n 2.x `vm` expression engine). */
	expressionIsolates: /@n8n\/expression-runtime\/|isolated-vm/,
	/** Credential decryption and expression resolution (`getCredentials`). */
	credentialsHelper: /node_modules\/n8n\/dist\/credentials-helper/,
	/** The database layer. */
	database: /@n8n\/typeorm|sqlite3/,
};

const log = (line: string) => process.stderr.write(`[push-ingest] ${line}\n`);

async function main(): Promise<void> {
	const startedAt = new Date();
	const loadStart = loadavg();
	log(`loadavg at start ${formatLoad(loadStart)}`);
	const lowAtStart = await waitForLowLoad(MAX_LOAD, 180000, (l) => log(`waiting for loadavg[0] ≤ ${MAX_LOAD} (now ${l.toFixed(2)})`));

	const plannedRates = RATES.reduce((sum, r) => sum + r * STEP_S, 0);
	const plannedBatteryPushes = 100 * WARMUP_S + plannedRates + SUSTAIN_RATE * SUSTAIN_S + 400 * SATURATION_S;
	const configs = makeConfigs(Math.ceil(plannedBatteryPushes / VEHICLES));
	const ceilingPath = `/webhook/b0000000-0000-4000-8000-0000000000ff/v2/vehicle/status`;

	const n8n = await N8nInstance.create();
	// Ctrl-C: stop n8n (its own process group) and remove its folder before leaving.
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			log(`${signal}: stopping n8n`);
			void n8n.dispose().finally(() => process.exit(130));
		});
	}
	const inspectPort = PROFILE ? await freePort() : 0;
	const rows: PhaseRow[] = [];
	const executionsSoFar = new Map<string, number>();
	try {
		await n8n.importCredentials([simulatorCredential('http://127.0.0.1:9', DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)]);
		await n8n.importWorkflows(workflows(configs));
		for (const c of configs) await n8n.publish(c.workflowId);
		await n8n.start({ ...N8N_SETTINGS, ...(PROFILE ? { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}` } : {}) });
		const rest = await n8n.login();
		const inspector = PROFILE ? await InspectorSession.connect(inspectPort) : undefined;
		await waitFor('the webhooks', async () => {
			for (const c of configs) {
				const res = await fetch(`${n8n.url}${c.path}`, { method: 'POST', headers: FORM, body: c.key === 'webhook' ? 'probe=1' : '' });
				await res.text();
				if (res.status === 404) return undefined;
			}
			return true;
		});
		for (const c of configs) executionsSoFar.set(c.workflowId, await settledCount(rest, c.workflowId));

		const runPhase = async (
			phase: string,
			c: Config | undefined,
			spec: { rate: number; durationS: number } | { concurrency: number; durationS: number },
			profileIt = false,
		): Promise<PhaseRow> => {
			const crossingsBefore = c?.fleet.crossings.length ?? 0;
			const loadavgAtStart = loadavg()[0];
			const common = {
				origin: n8n.url,
				next: c ? () => c.fleet.request(c.path) : () => configs[0].fleet.request(ceilingPath),
				accept: c ? c.accept : (status: number) => status === 404,
			};
			if (profileIt && inspector) await inspector.startProfiling();
			// At most 256 unanswered (the pool's connections): beyond that n8n is far behind anyway,
			// and further pushes are counted as lost instead of queueing for minutes.
			const load = 'rate' in spec ? await openLoop({ ...common, ...spec, maxInFlight: 256 }) : await closedLoop({ ...common, ...spec });
			const profile = profileIt && inspector ? await inspector.stopProfiling() : undefined;
			let executions: number | null = null;
			if (c) {
				const total = await settledCount(rest, c.workflowId);
				executions = total - (executionsSoFar.get(c.workflowId) ?? 0);
				executionsSoFar.set(c.workflowId, total);
			}
			let summary: ProfileSummary | undefined;
			let isolateCallers: PhaseRow['isolateCallers'];
			if (profile) {
				const dir = join(RESULTS, 'profiles');
				mkdirSync(dir, { recursive: true });
				const file = join(dir, `${phase}-${c?.key ?? 'unknownPath'}.cpuprofile`.replace(/[^\w.-]+/g, '_'));
				writeFileSync(file, JSON.stringify(profile));
				summary = summarizeProfile(profile, PROFILE_PARTS);
				isolateCallers = entryPoints(profile, PROFILE_PARTS.expressionIsolates, 6).slice(0, 6);
			}
			const row: PhaseRow = {
				phase,
				config: c?.label ?? 'unknown webhook path (404)',
				mode: 'rate' in spec ? 'open' : 'closed',
				target: 'rate' in spec ? spec.rate : null,
				concurrency: 'concurrency' in spec ? spec.concurrency : null,
				durationS: spec.durationS,
				load,
				lost: notAcknowledged(load),
				executions,
				crossings: c?.key === 'triggerBattery' ? c.fleet.crossings.length - crossingsBefore : null,
				loadavgAtStart,
				profile: summary,
				isolateCallers,
			};
			log(
				`${phase} ${row.config}: ${round(load.ackPerSec)}/s acked, p50 ${round(load.latencyMs.p50)} ms, p99 ${round(load.latencyMs.p99)} ms, lost ${row.lost}, executions ${executions ?? '–'}${row.crossings !== null ? ` (crossings ${row.crossings})` : ''}`,
			);
			if (row.lost > 0) log(`  not acknowledged: ${JSON.stringify({ rejected: load.rejected, failed: load.failed })}`);
			return row;
		};

		// Warm-up (4 senders back to back): JIT, connection pools, caches; not in the tables.
		const warm: PhaseRow[] = [];
		for (const c of configs) warm.push(await runPhase('warmup', c, { concurrency: 4, durationS: WARMUP_S }));

		// Rising open-loop rates, the three configurations in turn at each rate.
		const saturated = new Set<ConfigKey>();
		for (const rate of RATES) {
			for (const c of configs) {
				if (saturated.has(c.key)) continue;
				const row = await runPhase(`rate ${rate}/s`, c, { rate, durationS: STEP_S });
				rows.push(row);
				if (row.load.ackPerSec < 0.95 * rate || row.load.latencyMs.p99 > 1000 || row.lost > 0) saturated.add(c.key);
			}
		}

		// (c) sustained.
		const battery = configs[2];
		const sustained = await runPhase(`sustained ${SUSTAIN_S} s`, battery, { rate: SUSTAIN_RATE, durationS: SUSTAIN_S });
		rows.push(sustained);

		// Closed loop: the most each sustains with N senders, and n8n's ceiling for a webhook URL.
		for (const c of [...configs, undefined]) {
			rows.push(await runPhase(`closed loop ×${CONCURRENCY}`, c, { concurrency: CONCURRENCY, durationS: SATURATION_S }, true));
		}

		// Every crossing emitted exactly once: the (c) executions hold exactly the crossing vehicles.
		const { perExecution, runTwice: duplicated, unexpected, missing } = await crossingRuns(rest, battery.workflowId, battery.fleet);
		const expected = battery.fleet.crossings;
		const exactlyOnce =
			perExecution.every((codes) => codes.length === 1) && expected.length === new Set(expected).size && duplicated === 0 && unexpected === 0 && missing === 0;
		inspector?.close();

		report({
			startedAt,
			loadStart,
			lowAtStart: lowAtStart.ok,
			rows,
			warm,
			crossingCheck: { executions: perExecution.length, crossings: expected.length, acknowledged: battery.fleet.acknowledgedCrossings.size, duplicated, unexpected, missing, exactlyOnce },
			profiled: PROFILE,
		});
	} catch (error) {
		log(`n8n log tail:\n${n8n.log.slice(-3000)}`);
		throw error;
	} finally {
		await n8n.dispose();
	}
}

// ---------------------------------------------------------------------------------------------
// Report.

interface Report {
	startedAt: Date;
	loadStart: number[];
	lowAtStart: boolean;
	rows: PhaseRow[];
	warm: PhaseRow[];
	crossingCheck: { executions: number; crossings: number; acknowledged: number; duplicated: number; unexpected: number; missing: number; exactlyOnce: boolean };
	profiled: boolean;
}

function report(r: Report): void {
	const loadEnd = loadavg();
	const machine = machineInfo();
	const command = `npm run bench:push-ingest${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
	process.stdout.write(
		`\nPush ingestion in n8n 2.41.1 — ${command}\n` +
			`machine: ${machine.cpus} × ${machine.cpuModel}; loadavg at start ${formatLoad(r.loadStart)}, at end ${formatLoad(loadEnd)}` +
			`${r.lowAtStart ? '' : ` (WARNING: loadavg[0] was still above ${MAX_LOAD} before n8n started)`}\n` +
			`n8n settings: ${Object.entries(N8N_SETTINGS).map(([k, v]) => `${k}=${v}`).join(' ')}${r.profiled ? ' + inspector (profiled run)' : ''}\n` +
			`load: signed form-encoded status pushes of a ${VEHICLES}-vehicle fleet, undici Pool in the bench process (same machine)\n\n`,
	);
	const headers = ['phase', 'configuration', 'target/s', 'acked/s', 'p50 ms', 'p99 ms', 'max ms', 'sent', 'lost', 'executions', 'crossings', 'load1'];
	const line = (row: PhaseRow) => [
		row.phase,
		row.config,
		row.target ?? (row.concurrency !== null ? `×${row.concurrency}` : null),
		round(row.load.ackPerSec),
		round(row.load.latencyMs.p50, 2),
		round(row.load.latencyMs.p99, 2),
		round(row.load.latencyMs.max, 1),
		row.load.sent,
		row.lost,
		row.executions,
		row.crossings,
		round(row.loadavgAtStart, 2),
	];
	printTable(headers, r.rows.filter((row) => row.phase.startsWith('rate')).map(line), { title: `Open loop, rising rates (${STEP_S} s a step; a configuration stops rising once it falls behind)` });
	printTable(headers, r.rows.filter((row) => row.phase.startsWith('sustained')).map(line), { title: '(c) sustained' });
	printTable(headers, r.rows.filter((row) => row.phase.startsWith('closed')).map(line), { title: `Closed loop, ${CONCURRENCY} senders back to back, ${SATURATION_S} s` });

	const byKey = (phase: string, label: string) => r.rows.find((row) => row.phase.startsWith(phase) && row.config === label);
	const sustained = byKey('sustained', '(c) Trigger, battery < 20 %');
	const satA = byKey('closed', '(a) Webhook node');
	const satB = byKey('closed', '(b) Trigger, every push');
	const all = [...r.rows, ...r.warm];
	const lostTotal = all.filter((row) => row.executions !== null).reduce((sum, row) => sum + row.lost, 0);
	const execMismatch = all.filter(
		(row) => row.executions !== null && (row.crossings !== null ? row.executions !== row.crossings : row.executions !== row.load.acknowledged),
	);
	const targets = [
		{
			target: `(c) ≥ ${SUSTAIN_RATE} verified pushes/s for ${SUSTAIN_S} s (acked/s ≥ 99 % of ${SUSTAIN_RATE}, nothing lost)`,
			measured: sustained ? `${round(sustained.load.ackPerSec)}/s, ${sustained.load.acknowledged}/${sustained.load.sent} acked` : 'not run',
			pass: !!sustained && sustained.load.ackPerSec >= 0.99 * SUSTAIN_RATE && sustained.lost === 0 && sustained.durationS >= 60,
		},
		{
			target: '(c) p99 acknowledgement < 50 ms at that rate',
			measured: sustained ? `p99 ${round(sustained.load.latencyMs.p99, 2)} ms` : 'not run',
			pass: !!sustained && sustained.load.latencyMs.p99 < 50,
		},
		{
			target: '(c) every crossing below 20 % emitted exactly once',
			measured: (({ executions, crossings, acknowledged, duplicated, unexpected, missing }) =>
				`${executions} executions for ${crossings} crossings (${acknowledged} acknowledged); acknowledged without exactly one run ${missing}, run twice ${duplicated}, not a crossing ${unexpected}`)(r.crossingCheck),
			pass: r.crossingCheck.exactlyOnce && r.crossingCheck.executions === r.crossingCheck.crossings,
		},
		{
			target: '(b) closed-loop rate ≥ 0.9 × (a)',
			measured: satA && satB ? `${round(satB.load.ackPerSec)} vs ${round(satA.load.ackPerSec)}/s = ${round(satB.load.ackPerSec / satA.load.ackPerSec, 2)}×` : 'not run',
			pass: !!satA && !!satB && satB.load.ackPerSec >= 0.9 * satA.load.ackPerSec,
		},
		{
			target: 'nothing lost or answered non-200, (a)–(c), every phase',
			measured: `${lostTotal} not acknowledged`,
			pass: lostTotal === 0,
		},
		{
			target: 'executions = acknowledged pushes for (a), (b); = crossings for (c), every phase',
			measured: execMismatch.length === 0 ? 'all phases match' : execMismatch.map((row) => `${row.phase} ${row.config}: ${row.executions}`).join('; '),
			pass: execMismatch.length === 0,
		},
	];
	printTable(['target', 'measured', 'result'], targets.map((t) => [t.target, t.measured, t.pass ? 'PASS' : 'FAIL']), { title: 'Targets' });

	const profiles = r.rows.filter((row) => row.profile);
	if (profiles.length > 0) {
		printTable(
			['phase', 'configuration', 'acked', 'busy ms', 'busy/push', 'package/push', 'webhook front/push', 'expr. isolates/push', 'getCredentials/push', 'database/push', 'GC/push'],
			profiles.map((row) => {
				const p = row.profile as ProfileSummary;
				const n = Math.max(1, row.load.acknowledged);
				const gc = p.byGroup.find((g) => g.group === '(garbage collector)')?.ms ?? 0;
				const per = (ms: number) => round(ms / n, 2);
				return [
					row.phase,
					row.config,
					row.load.acknowledged,
					round(p.busyMs),
					per(p.busyMs),
					per(p.inclusive.package),
					per(p.inclusive.webhookFront),
					per(p.inclusive.expressionIsolates),
					per(p.inclusive.credentialsHelper),
					per(p.inclusive.database),
					per(gc),
				];
			}),
			{
				title:
					'n8n main-process CPU per acknowledged push, ms (inclusive: a frame of that part is on the stack; parts overlap; isolates built in the background count under expr. isolates only)',
				digits: 2,
			},
		);
		for (const row of profiles) {
			const p = row.profile as ProfileSummary;
			const n = Math.max(1, row.load.acknowledged);
			printTable(
				['self time by group', 'ms', 'ms/push'],
				p.byGroup.filter((g) => g.group !== '(idle)').slice(0, 8).map((g) => [g.group, round(g.ms), round(g.ms / n, 3)]),
				{ title: `${row.phase} — ${row.config}`, digits: 3 },
			);
			if (row.isolateCallers && row.isolateCallers.length > 0) {
				printTable(
					['callers into the expression isolates', 'ms', 'ms/push'],
					row.isolateCallers.map((c) => [c.callers, round(c.ms), round(c.ms / n, 3)]),
					{ digits: 3 },
				);
			}
			if (p.inclusive.package > 0) {
				printTable(
					['package function (inclusive)', 'ms', 'ms/push'],
					p.inclusiveFunctions.slice(0, 8).map((f) => [f.fn, round(f.ms), round(f.ms / n, 3)]),
					{ digits: 3 },
				);
			}
		}
	}

	mkdirSync(RESULTS, { recursive: true });
	const out = join(RESULTS, String(args.out));
	writeFileSync(
		out,
		`${JSON.stringify(
			{
				startedAt: r.startedAt.toISOString(),
				command,
				machine: { ...machine, loadavgStart: r.loadStart, loadavgEnd: loadEnd },
				n8n: { version: '2.41.1', settings: N8N_SETTINGS, profiled: r.profiled },
				parameters: { STEP_S, SUSTAIN_S, SUSTAIN_RATE, RATES, CONCURRENCY, SATURATION_S, VEHICLES, CROSSERS, THRESHOLD },
				phases: [...r.warm, ...r.rows].map((row) => ({
					...row,
					profile: row.profile
						? { ...row.profile, byFunction: row.profile.byFunction.slice(0, 40), inclusiveFunctions: row.profile.inclusiveFunctions.slice(0, 40) }
						: undefined,
				})),
				crossingCheck: r.crossingCheck,
				targets,
			},
			null,
			2,
		)}\n`,
	);
	process.stdout.write(`wrote ${out}\n`);
}

/** `--cluster`, `--location` and `--zones`: one comparison each, written to its own results file. */
async function comparisonMain(): Promise<void> {
	const command = `npm run bench:push-ingest -- ${process.argv.slice(2).join(' ')}`;
	const cluster = args.cluster === true;
	const zones = args.zones === true;
	const result = zones
		? await zonesCost(
				{
					vehicles: VEHICLES,
					concurrency: CONCURRENCY,
					closedS: Number(args['zones-closed']),
					rate: Number(args['zones-rate']),
					openS: Number(args['zones-open']),
					warmupS: WARMUP_S,
					repeats: Number(args['zones-repeats']),
					zones: Number(args['zones-count']),
					smallZones: Number(args['zones-small']),
					profile: PROFILE,
				},
				command,
			)
		: cluster
		? await compareLayouts(
				{
					vehicles: VEHICLES,
					crossers: CROSSERS,
					concurrency: CONCURRENCY,
					closedS: Number(args['cluster-closed']),
					rate: Number(args['cluster-rate']),
					openS: Number(args['cluster-open']),
					warmupS: WARMUP_S,
				},
				command,
			)
		: await locationCost(
				{ vehicles: VEHICLES, crossers: CROSSERS, concurrency: CONCURRENCY, closedS: SATURATION_S * 2, warmupS: WARMUP_S, heapVehicles: Number(args['heap-vehicles']) },
				command,
			);
	mkdirSync(RESULTS, { recursive: true });
	const file = zones ? 'push-ingest-zones.json' : cluster ? 'push-ingest-cluster.json' : 'push-ingest-location.json';
	const out = join(RESULTS, args.out === 'push-ingest.json' ? file : String(args.out));
	writeFileSync(out, `${JSON.stringify({ startedAt: new Date().toISOString(), command, ...result }, null, 2)}\n`);
	process.stdout.write(`wrote ${out}\n`);
}

(args.cluster === true || args.location === true || args.zones === true ? comparisonMain() : main()).catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exitCode = 1;
});
