/**
 * `npm run bench:push-ingest -- --zones`: what zone rules with a city-sized document (bench/lib/
 * city.ts, ≈ 74,000 vertices, 1.7 MB of text) cost push ingestion in real n8n 2.41.1. Three
 * published workflows in one n8n (N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true), each the trigger with
 * events alert and fault:
 *   - zones off;
 *   - the document stored in the Zones parameter but no zone rule set (the trigger never reads it):
 *     what n8n itself pays for a workflow that size (it loads the workflow from its database for
 *     every webhook request, and stores the workflow with every execution);
 *   - zones on: every zone rule, the document, vehicle type `scooter`;
 *   - zones on with a small document (`smallZones` zones, a 300-vertex service area): the same
 *     rules, a workflow of tens of KB: the trigger's own share of what zones cost, nearly without n8n's
 *     share of a large workflow.
 * The same stream goes to each (the same seed: the same vehicles, positions and order): location
 * and status pushes alternating, as a riding fleet sends them, from vehicles spread over the
 * city. Per workflow and repeat, in turn: a warm-up, a closed loop (N senders back to back) and an
 * open loop at a fixed rate; acknowledged/s, latency, n8n's CPU per push, the runs the zone rules
 * started, and how much n8n's database grew. Before that: the workflow's size, and the time
 * `n8n import:workflow` and `n8n publish:workflow` take with it. With `profile`, n8n runs with its
 * inspector and each setup's first closed loop is profiled: where n8n's CPU per push goes.
 * ≈ 8 min with the defaults (4 setups × 2 repeats × (3 + 20 + 20 s) and n8n's set-up).
 */
import { statSync } from 'fs';
import { loadavg } from 'os';
import { join } from 'path';

import { freePort, N8nInstance, simulatorCredential, TRIGGER_TYPE } from '../../harness/n8n';
import { waitFor } from '../../harness/wait';
import { DEMO_CLIENT } from '../../simulator';
import { CityFleet, generateCity } from './city';
import { CpuMeter } from './cpu';
import { closedLoop, notAcknowledged, openLoop, type LoadResult } from './load';
import { formatLoad, machineInfo } from './machine';
import { InspectorSession, summarizeProfile, type ProfileSummary } from './profile';
import { FORM, settledCount, SUCCESS_BODY, workflow } from './pushFleet';
import { round } from './stats';
import { printTable } from './table';

export interface ZonesCostOptions {
	vehicles: number;
	concurrency: number;
	closedS: number;
	rate: number;
	openS: number;
	warmupS: number;
	repeats: number;
	/** Small zones of the city (bench/lib/city.ts); 600 by default. */
	zones: number;
	/** Zones of the small document; 0 leaves that setup out. */
	smallZones: number;
	profile: boolean;
}

/** Inclusive CPU per part of n8n, for profiled runs: a frame of that part is on the stack. */
const PROFILE_PARTS = {
	package: /n8n-nodes-segway-fleet\//,
	database: /@n8n\/typeorm|sqlite3|@n8n\/db\//,
	webhookFront: /node_modules\/n8n\/dist\/webhooks\//,
	executions: /node_modules\/n8n\/dist\/(workflow-runner|active-executions|execution-lifecycle|executions)/,
};

const ZONE_RULES = ['entered', 'left', 'outside', 'rideThrough', 'parking', 'speed'];

const log = (line: string) => process.stderr.write(`[push-ingest --zones] ${line}\n`);
const accept = (status: number, body: string) => status === 200 && body === SUCCESS_BODY;

/** n8n's SQLite database and its write-ahead log, in bytes. */
function databaseBytes(n8n: N8nInstance): number {
	let bytes = 0;
	for (const file of ['database.sqlite', 'database.sqlite-wal']) {
		try {
			bytes += statSync(join(n8n.userFolder, '.n8n', file)).size;
		} catch {
			// not there (yet)
		}
	}
	return bytes;
}

interface PhaseRow {
	setup: string;
	repeat: number;
	phase: 'closed' | 'open';
	load: LoadResult;
	lost: number;
	cpuMsPerPush: number;
	runs: number;
	databaseGrowthBytes: number;
	loadAtStart: number;
	profile?: ProfileSummary;
}

export async function zonesCost(options: ZonesCostOptions, command: string): Promise<object> {
	const machine = machineInfo();
	const city = generateCity({ zones: options.zones });
	const small = generateCity({ zones: options.smallZones, serviceVertices: 300, holes: 1 });
	const parameters = { events: ['alert', 'fault'] };
	const zoneParameters = (text: string) => ({ ...parameters, zoneRules: ZONE_RULES, zones: text, options: { zoneVehicleTypes: 'scooter' } });
	const all = [
		{ key: 'off', label: 'zones off', workflowId: 'benchZonesOff01', webhookId: 'b0000000-0000-4000-8000-0000002e0000', parameters },
		{ key: 'carried', label: 'document stored, no zone rule', workflowId: 'benchZonesDoc01', webhookId: 'b0000000-0000-4000-8000-0000002e0d0c', parameters: { ...parameters, zones: city.text } },
		{ key: 'on', label: 'zones on (6 rules)', workflowId: 'benchZonesOn001', webhookId: 'b0000000-0000-4000-8000-0000002e0001', parameters: zoneParameters(city.text) },
		{
			key: 'small',
			label: `zones on, ${small.stats.features}-zone document`,
			workflowId: 'benchZonesSml01',
			webhookId: 'b0000000-0000-4000-8000-0000002e05a1',
			parameters: zoneParameters(small.text),
		},
	];
	const setups = all.filter((s) => s.key !== 'small' || options.smallZones > 0);
	const workflows = setups.map((s) =>
		workflow(s.workflowId, `bench: trigger, ${s.label}`, {
			name: 'Segway Fleet Trigger',
			type: TRIGGER_TYPE,
			typeVersion: 1.1,
			webhookId: s.webhookId,
			parameters: s.parameters,
			credentials: { segwayFleetApi: { id: 'segwayFleetDemo1', name: 'Segway Fleet (simulator)' } },
		}),
	);
	const workflowBytes = Object.fromEntries(setups.map((s, i) => [s.key, Buffer.byteLength(JSON.stringify(workflows[i]))]));
	log(`document: ${city.stats.features} zones, ${city.stats.vertices} vertices, ${city.stats.characters} characters; workflow with it ${workflowBytes.on} bytes`);

	const n8n = await N8nInstance.create();
	try {
		await n8n.importCredentials([simulatorCredential('http://127.0.0.1:9', DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)]);
		let started = Date.now();
		await n8n.importWorkflows(workflows);
		const importS = (Date.now() - started) / 1000;
		const publishS: Record<string, number> = {};
		for (const s of setups) {
			started = Date.now();
			await n8n.publish(s.workflowId);
			publishS[s.key] = (Date.now() - started) / 1000;
		}
		log(`imported in ${round(importS)} s, published in ${setups.map((s) => `${round(publishS[s.key])} s`).join(', ')}`);
		started = Date.now();
		const inspectPort = options.profile ? await freePort() : 0;
		await n8n.start({
			N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true',
			EXECUTIONS_DATA_PRUNE: 'false',
			N8N_LOG_LEVEL: 'warn',
			...(options.profile ? { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}` } : {}),
		});
		const rest = await n8n.login();
		const inspector = options.profile ? await InspectorSession.connect(inspectPort) : undefined;
		// Published and answering: an unsigned push is refused by the trigger itself (401), not 404.
		for (const s of setups) {
			await waitFor(`the trigger of ${s.label} to answer`, async () => {
				const res = await fetch(`${n8n.url}/webhook/${s.webhookId}/v2/vehicle/status`, { method: 'POST', headers: FORM, body: '' });
				await res.text();
				return res.status === 401;
			});
		}
		const readyS = (Date.now() - started) / 1000;
		const group = n8n.processGroup;
		if (group === undefined) throw new Error('n8n is not running');

		// The same stream for each: same seed, same vehicles, same order (placed by the city's zones).
		const fleets = Object.fromEntries(setups.map((s) => [s.key, new CityFleet(city, { vehicles: options.vehicles, seed: 11 }, DEMO_CLIENT.clientSecret, DEMO_CLIENT.clientId)]));
		const runsSoFar = new Map<string, number>(setups.map((s) => [s.workflowId, 0]));
		const rows: PhaseRow[] = [];
		for (let repeat = 1; repeat <= options.repeats; repeat++) {
			for (const s of setups) {
				const fleet = fleets[s.key];
				const next = () => {
					const push = fleet.next();
					return { path: `/webhook/${s.webhookId}/v2/vehicle/${push.event}`, headers: FORM, body: push.body };
				};
				await closedLoop({ origin: n8n.url, next, accept, concurrency: 4, durationS: options.warmupS });
				const phases = [
					{ phase: 'closed' as const, run: () => closedLoop({ origin: n8n.url, next, accept, concurrency: options.concurrency, durationS: options.closedS }) },
					{ phase: 'open' as const, run: () => openLoop({ origin: n8n.url, next, accept, rate: options.rate, durationS: options.openS, maxInFlight: 256 }) },
				];
				for (const { phase, run } of phases) {
					const loadAtStart = loadavg()[0];
					const dbBefore = databaseBytes(n8n);
					const profiled = inspector !== undefined && repeat === 1 && phase === 'closed';
					if (profiled) await inspector.startProfiling();
					const meter = new CpuMeter({ n8n: { group } });
					meter.begin();
					const load = await run();
					const cpu = meter.end();
					const profile = profiled ? summarizeProfile(await inspector.stopProfiling(), PROFILE_PARTS) : undefined;
					const total = await settledCount(rest, s.workflowId);
					const runs = total - (runsSoFar.get(s.workflowId) ?? 0);
					runsSoFar.set(s.workflowId, total);
					const row: PhaseRow = {
						setup: s.label,
						repeat,
						phase,
						load,
						lost: notAcknowledged(load),
						cpuMsPerPush: cpu.n8n / Math.max(1, load.acknowledged),
						runs,
						databaseGrowthBytes: databaseBytes(n8n) - dbBefore,
						loadAtStart,
						profile,
					};
					rows.push(row);
					log(
						`${s.label}, repeat ${repeat}, ${phase === 'closed' ? `closed loop ×${options.concurrency}` : `open loop ${options.rate}/s`}: ${round(load.ackPerSec)}/s acked, p50 ${round(load.latencyMs.p50, 1)} ms, p99 ${round(load.latencyMs.p99, 1)} ms, lost ${row.lost}, ${round(row.cpuMsPerPush, 2)} ms CPU/push, ${runs} runs, database +${round(row.databaseGrowthBytes / 1e6, 1)} MB`,
					);
				}
			}
		}

		console.log(
			`\n${command}\nmachine: ${machine.cpus} × ${machine.cpuModel}; n8n 2.41.1, one process, SQLite, N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true; loadavg at start ${formatLoad(machine.loadavg)}, now ${formatLoad(loadavg())}`,
		);
		printTable(
			['workflow', 'bytes', 'import s', 'publish s'],
			setups.map((s) => [s.label, workflowBytes[s.key], s.key === 'off' ? round(importS, 1) : '(same import)', round(publishS[s.key], 1)]),
			{
				title: `The workflows (city document: ${city.stats.features} zones, ${city.stats.vertices} vertices, ${city.stats.characters} characters; small: ${small.stats.features} zones, ${small.stats.vertices} vertices); n8n ready and every trigger answering ${round(readyS, 1)} s after start`,
			},
		);
		const line = (r: PhaseRow) => [
			r.setup,
			r.repeat,
			round(r.load.ackPerSec),
			round(r.load.latencyMs.p50, 1),
			round(r.load.latencyMs.p99, 1),
			r.lost,
			round(r.cpuMsPerPush, 2),
			r.runs,
			round(r.databaseGrowthBytes / 1e6, 1),
			round(r.loadAtStart, 2),
		];
		const headers = ['setup', 'repeat', 'acked/s', 'p50 ms', 'p99 ms', 'lost', 'n8n CPU ms/push', 'zone runs', 'database +MB', 'load1'];
		printTable(headers, rows.filter((r) => r.phase === 'closed').map(line), {
			title: `Closed loop, ${options.concurrency} senders, ${options.closedS} s: location and status pushes of ${options.vehicles} vehicles in the city, alternating`,
		});
		printTable(headers, rows.filter((r) => r.phase === 'open').map(line), { title: `Open loop at ${options.rate} pushes/s, ${options.openS} s, the same stream` });
		inspector?.close();
		const profiled = rows.filter((r) => r.profile !== undefined);
		if (profiled.length > 0) {
			const per = (r: PhaseRow, ms: number) => round(ms / Math.max(1, r.load.acknowledged), 2);
			printTable(
				['setup', 'acked', 'busy ms/push', 'package', 'database', 'webhook front', 'executions', 'GC'],
				profiled.map((r) => {
					const p = r.profile as ProfileSummary;
					const gc = p.byGroup.find((g) => g.group === '(garbage collector)')?.ms ?? 0;
					return [r.setup, r.load.acknowledged, per(r, p.busyMs), per(r, p.inclusive.package), per(r, p.inclusive.database), per(r, p.inclusive.webhookFront), per(r, p.inclusive.executions), per(r, gc)];
				}),
				{ title: "n8n's CPU per acknowledged push in the profiled closed loops, ms (inclusive: a frame of that part is on the stack; parts overlap)", digits: 2 },
			);
			for (const r of profiled) {
				const p = r.profile as ProfileSummary;
				printTable(
					['function (self time)', 'ms/push'],
					p.byFunction.filter((f) => !f.fn.startsWith('(idle)')).slice(0, 8).map((f) => [f.fn, per(r, f.ms)]),
					{ title: r.setup, digits: 2 },
				);
			}
		}
		return {
			machine,
			options,
			document: city.stats,
			smallDocument: small.stats,
			workflowBytes,
			importS,
			publishS,
			readyS,
			rows: rows.map((r) => ({ ...r, profile: r.profile ? { ...r.profile, byFunction: r.profile.byFunction.slice(0, 30), inclusiveFunctions: r.profile.inclusiveFunctions.slice(0, 30) } : undefined })),
		};
	} catch (error) {
		log(`n8n log tail:\n${n8n.log.slice(-3000)}`);
		throw error;
	} finally {
		await n8n.dispose();
	}
}
