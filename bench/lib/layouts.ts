/**
 * `npm run bench:push-ingest -- --cluster`: the same 1,000-vehicle stream of signed status pushes
 * (the battery filter at 20 %, a known number of crossings) into three layouts of n8n 2.41.1, one
 * after the other on this machine:
 *   (a) regular mode, one process (SQLite, n8n's default);
 *   (b) queue mode with one webhook process: Postgres, Redis, main, one worker, HAProxy;
 *   (c) the same with two webhook processes behind HAProxy (hash of the body's iotCode).
 * All with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true. Per layout: a closed loop (N senders back to
 * back: the most it acknowledges), an open loop at a rate all should sustain (latency at a
 * steady load), executions counted and matched with the crossings once the runs are done, and
 * the CPU each process group spent per acknowledged push, from which the report says what more
 * cores would give.
 */
import { loadavg } from 'os';

import { N8nCluster } from '../../harness/cluster';
import { N8nInstance, simulatorCredential, TRIGGER_TYPE, type RestClient } from '../../harness/n8n';
import { waitFor } from '../../harness/wait';
import { DEMO_CLIENT } from '../../simulator';
import { CpuMeter, type CpuPart } from './cpu';
import { closedLoop, notAcknowledged, openLoop, type LoadResult } from './load';
import { formatLoad, machineInfo } from './machine';
import { crossingRuns, Fleet, FORM, settledCount, SUCCESS_BODY, THRESHOLD, workflow } from './pushFleet';
import { round } from './stats';
import { printTable } from './table';

export interface LayoutOptions {
	vehicles: number;
	crossers: number;
	concurrency: number;
	closedS: number;
	rate: number;
	openS: number;
	warmupS: number;
}

const WORKFLOW_ID = 'benchLayoutBatt';
const WEBHOOK_ID = 'b0000000-0000-4000-8000-0000000c1a57';
const SETTINGS = { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true', EXECUTIONS_DATA_PRUNE: 'false', N8N_LOG_LEVEL: 'warn' };

interface Running {
	pushOrigin: string;
	rest: RestClient;
	processParts: () => Record<string, CpuPart>;
	stop: () => Promise<void>;
}

interface Layout {
	key: 'regular' | 'queue1' | 'queue2';
	label: string;
	start: (workflows: object[]) => Promise<Running>;
}

interface LayoutResult {
	label: string;
	closed: LoadResult;
	open: LoadResult;
	lost: number;
	executions: number;
	crossings: number;
	acknowledgedCrossings: number;
	runTwice: number;
	missing: number;
	/** CPU ms per acknowledged push in the closed loop, by process group. */
	cpuPerPush: Record<string, number>;
	loadavgAtStart: number;
}

const credential = () => simulatorCredential('http://127.0.0.1:9', DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret);

const LAYOUTS: Layout[] = [
	{
		key: 'regular',
		label: '(a) regular mode, one process, SQLite',
		start: async (workflows) => {
			const n8n = await N8nInstance.create();
			n8n.settings = SETTINGS;
			await n8n.importCredentials([credential()]);
			await n8n.importWorkflows(workflows as Array<{ id?: string }>);
			await n8n.publish(WORKFLOW_ID);
			await n8n.start();
			return { pushOrigin: n8n.url, rest: await n8n.login(), processParts: () => ({ main: { group: n8n.processGroup ?? 0 } }), stop: () => n8n.dispose() };
		},
	},
	...([1, 2] as const).map(
		(webhookProcesses): Layout => ({
			key: webhookProcesses === 1 ? 'queue1' : 'queue2',
			label: `(${webhookProcesses === 1 ? 'b' : 'c'}) queue mode, ${webhookProcesses} webhook process${webhookProcesses === 1 ? '' : 'es'}, Postgres`,
			start: async (workflows) => {
				const cluster = await N8nCluster.create({ webhookProcesses, workers: 1, n8nSettings: SETTINGS });
				await cluster.startServices();
				await cluster.n8n.importCredentials([credential()]);
				await cluster.n8n.importWorkflows(workflows as Array<{ id?: string }>);
				await cluster.n8n.publish(WORKFLOW_ID);
				await cluster.startN8n();
				return { pushOrigin: cluster.pushBaseUrl, rest: await cluster.n8n.login(), processParts: () => cluster.processParts(), stop: () => cluster.stop() };
			},
		}),
	),
];

const log = (line: string) => process.stderr.write(`[push-ingest --cluster] ${line}\n`);

export async function compareLayouts(options: LayoutOptions, command: string): Promise<object> {
	const path = `/webhook/${WEBHOOK_ID}/v2/vehicle/status`;
	const workflows = [
		workflow(WORKFLOW_ID, 'bench: Segway Fleet Trigger (battery < 20 %) → No Op', {
			name: 'Segway Fleet Trigger',
			type: TRIGGER_TYPE,
			typeVersion: 1.1,
			webhookId: WEBHOOK_ID,
			parameters: { events: ['status'], statusMode: 'batteryLow', batteryThreshold: THRESHOLD },
			credentials: { segwayFleetApi: { id: 'segwayFleetDemo1', name: 'Segway Fleet (simulator)' } },
		}),
	];
	const accept = (status: number, body: string) => status === 200 && body === SUCCESS_BODY;
	const results: LayoutResult[] = [];
	for (const layout of LAYOUTS) {
		log(`${layout.label}: starting`);
		// The same stream for each layout: same seed, pushes enough for every phase.
		const pushes = (options.warmupS + options.closedS) * 600 + options.rate * options.openS;
		const fleet = new Fleet(options.vehicles, options.crossers, Math.ceil(pushes / options.vehicles), 3, DEMO_CLIENT.clientSecret);
		const running = await layout.start(workflows);
		try {
			await waitFor('the trigger to answer', async () => {
				const res = await fetch(`${running.pushOrigin}${path}`, { method: 'POST', headers: FORM, body: '' }).catch(() => undefined);
				return res?.status === 401;
			}, 60_000, 250);
			const loadavgAtStart = loadavg()[0];
			const common = { origin: running.pushOrigin, next: () => fleet.request(path), accept };
			await closedLoop({ ...common, concurrency: 4, durationS: options.warmupS });
			// The sender (this process) runs on the same cores: its share is shown beside n8n's.
			const meter = new CpuMeter({ ...running.processParts(), 'bench sender': { self: process.pid } });
			meter.begin();
			const closed = await closedLoop({ ...common, concurrency: options.concurrency, durationS: options.closedS });
			const cpu = meter.end();
			const open = await openLoop({ ...common, rate: options.rate, durationS: options.openS, maxInFlight: 256 });
			const executions = await settledCount(running.rest, WORKFLOW_ID);
			const runs = await crossingRuns(running.rest, WORKFLOW_ID, fleet);
			const result: LayoutResult = {
				label: layout.label,
				closed,
				open,
				lost: notAcknowledged(closed) + notAcknowledged(open),
				executions,
				crossings: fleet.crossings.length,
				acknowledgedCrossings: fleet.acknowledgedCrossings.size,
				runTwice: runs.runTwice,
				missing: runs.missing,
				cpuPerPush: Object.fromEntries(Object.entries(cpu).map(([group, ms]) => [group, ms / Math.max(1, closed.acknowledged)])),
				loadavgAtStart,
			};
			results.push(result);
			log(`${layout.label}: closed ${round(closed.ackPerSec)}/s, open ${round(open.ackPerSec)}/s p99 ${round(open.latencyMs.p99)} ms, executions ${executions} for ${result.crossings} crossings`);
		} finally {
			await running.stop();
		}
	}
	return report(results, options, command);
}

function report(results: LayoutResult[], options: LayoutOptions, command: string): object {
	const machine = machineInfo();
	process.stdout.write(
		`\nOne n8n process or a queue-mode cluster, same push stream — ${command}\n` +
			`machine: ${machine.cpus} × ${machine.cpuModel}; loadavg now ${formatLoad(loadavg())}\n` +
			`n8n 2.41.1, ${Object.entries(SETTINGS).map(([k, v]) => `${k}=${v}`).join(' ')}; ${options.vehicles} vehicles, ${options.crossers} cross 20 %\n\n`,
	);
	printTable(
		['layout', `closed ×${options.concurrency} acked/s`, 'p50 ms', 'p99 ms', `open ${options.rate}/s acked/s`, 'p50 ms', 'p99 ms', 'lost', 'executions', 'crossings', 'run twice', 'acked, not run once', 'load1'],
		results.map((r) => [
			r.label,
			round(r.closed.ackPerSec),
			round(r.closed.latencyMs.p50, 1),
			round(r.closed.latencyMs.p99, 1),
			round(r.open.ackPerSec),
			round(r.open.latencyMs.p50, 1),
			round(r.open.latencyMs.p99, 1),
			r.lost,
			r.executions,
			r.crossings,
			r.runTwice,
			r.missing,
			round(r.loadavgAtStart, 2),
		]),
		{ title: `Acknowledged pushes: closed loop ${options.closedS} s, then open loop ${options.openS} s` },
	);
	const groups = [...new Set(results.flatMap((r) => Object.keys(r.cpuPerPush)))];
	printTable(
		['layout', ...groups, 'total'],
		results.map((r) => [r.label, ...groups.map((g) => (g in r.cpuPerPush ? round(r.cpuPerPush[g], 2) : '–')), round(sum(r.cpuPerPush), 2)]),
		{ title: 'CPU ms per acknowledged push in the closed loop, by server process (with its children)', digits: 2 },
	);
	const predictions = results.map((r) => {
		const { 'bench sender': _sender, ...n8n } = r.cpuPerPush;
		const total = sum(n8n);
		const busiest = Math.max(...Object.entries(n8n).filter(([part]) => !['postgres', 'redis', 'haproxy'].includes(part)).map(([, ms]) => ms));
		return [r.label, round(total, 2), round(busiest, 2), round(1000 / busiest), round(1000 / total), round(r.closed.ackPerSec)];
	});
	printTable(
		['layout', 'CPU ms/push, all servers', 'busiest n8n process ms/push', 'its one-core bound/s', 'pushes/s per core of CPU', 'measured/s'],
		predictions,
		{
			title:
				'What more cores give. Regular mode is one n8n process: it cannot go far past the one-core bound of that process (Node moves some work, e.g. SQLite, off its main thread), whatever the machine has. Queue mode adds ≈ (pushes/s per core) for each core added together with a webhook process, until Postgres or the balancer becomes the limit.',
		},
	);
	return { machine, options, results };
}

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);
