/**
 * `npm run bench:push-ingest -- --location`: what remembering each vehicle's position costs in
 * real n8n 2.41.1. Two published workflows in one n8n (N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true),
 * each the trigger with the battery filter and location pushes not selected, one with *Add Last
 * Known Location* off, one with it on (the default). The same 1,000-vehicle stream goes to each in
 * turn: status and location pushes alternating, as a riding fleet sends them (one of each every
 * 10 s). Per workflow: acknowledged/s and latency in a closed loop, n8n's CPU per push, and the
 * crossings each started exactly once. Then the heap: one status and one location push for each of
 * 10,000 vehicles new to the node, n8n's heap read through its inspector after a full GC, before
 * and after.
 */
import { loadavg } from 'os';

import { freePort, N8nInstance, simulatorCredential, TRIGGER_TYPE, type RestClient } from '../../harness/n8n';
import { waitFor } from '../../harness/wait';
import { DEMO_CLIENT } from '../../simulator';
import { CpuMeter } from './cpu';
import { closedLoop, notAcknowledged, type LoadRequest } from './load';
import { formatLoad, machineInfo } from './machine';
import { InspectorSession } from './profile';
import { crossingRuns, Fleet, FORM, settledCount, SUCCESS_BODY, THRESHOLD, workflow } from './pushFleet';
import { round } from './stats';
import { printTable } from './table';

export interface LocationCostOptions {
	vehicles: number;
	crossers: number;
	concurrency: number;
	closedS: number;
	warmupS: number;
	heapVehicles: number;
}

const SETUPS = [
	{ key: 'off', label: 'Add Last Known Location off', workflowId: 'benchLocOff0001', webhookId: 'b0000000-0000-4000-8000-00000010c0ff', lastLocation: false },
	{ key: 'on', label: 'Add Last Known Location on', workflowId: 'benchLocOn00001', webhookId: 'b0000000-0000-4000-8000-00000010c001', lastLocation: true },
] as const;

const log = (line: string) => process.stderr.write(`[push-ingest --location] ${line}\n`);
const accept = (status: number, body: string) => status === 200 && body === SUCCESS_BODY;

/** Status and location pushes of the fleet, alternating. */
function mixedStream(fleet: Fleet, base: string): () => LoadRequest {
	let location = false;
	return () => {
		location = !location;
		return location ? { path: `${base}/v2/vehicle/location`, headers: FORM, body: fleet.locationPush() } : fleet.request(`${base}/v2/vehicle/status`);
	};
}

async function heapUsed(inspector: InspectorSession): Promise<number> {
	await inspector.send('HeapProfiler.collectGarbage');
	await inspector.send('HeapProfiler.collectGarbage');
	const { result } = await inspector.send<{ result: { value: number } }>('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true });
	return result.value;
}

export async function locationCost(options: LocationCostOptions, command: string): Promise<object> {
	const machine = machineInfo();
	const n8n = await N8nInstance.create();
	const inspectPort = await freePort();
	try {
		await n8n.importCredentials([simulatorCredential('http://127.0.0.1:9', DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)]);
		await n8n.importWorkflows(
			SETUPS.map((s) =>
				workflow(s.workflowId, `bench: trigger, battery < 20 %, ${s.label}`, {
					name: 'Segway Fleet Trigger',
					type: TRIGGER_TYPE,
					typeVersion: 1.1,
					webhookId: s.webhookId,
					parameters: { events: ['alert', 'status'], statusMode: 'batteryLow', batteryThreshold: THRESHOLD, options: { lastLocation: s.lastLocation } },
					credentials: { segwayFleetApi: { id: 'segwayFleetDemo1', name: 'Segway Fleet (simulator)' } },
				}),
			),
		);
		for (const s of SETUPS) await n8n.publish(s.workflowId);
		// The inspector is on for both setups alike: it reads the heap at the end.
		await n8n.start({ N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true', EXECUTIONS_DATA_PRUNE: 'false', N8N_LOG_LEVEL: 'warn', NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}` });
		const rest: RestClient = await n8n.login();
		const inspector = await InspectorSession.connect(inspectPort);
		await waitFor('the trigger to answer', async () => {
			const res = await fetch(`${n8n.url}/webhook/${SETUPS[1].webhookId}/v2/vehicle/status`, { method: 'POST', headers: FORM, body: '' });
			await res.text();
			return res.status === 401;
		});
		const group = n8n.processGroup;
		if (group === undefined) throw new Error('n8n is not running');

		const rows = [];
		for (const setup of SETUPS) {
			const pushes = (options.warmupS + options.closedS) * 1000;
			const fleet = new Fleet(options.vehicles, options.crossers, Math.ceil(pushes / 2 / options.vehicles), 3, DEMO_CLIENT.clientSecret);
			const next = mixedStream(fleet, `/webhook/${setup.webhookId}`);
			const loadAtStart = loadavg()[0];
			await closedLoop({ origin: n8n.url, next, accept, concurrency: 4, durationS: options.warmupS });
			const meter = new CpuMeter({ n8n: { group } });
			meter.begin();
			const closed = await closedLoop({ origin: n8n.url, next, accept, concurrency: options.concurrency, durationS: options.closedS });
			const cpu = meter.end();
			const executions = await settledCount(rest, setup.workflowId);
			const runs = await crossingRuns(rest, setup.workflowId, fleet);
			const wrong = runs.missing + runs.runTwice;
			rows.push({
				setup: setup.label,
				ackPerSec: closed.ackPerSec,
				p50: closed.latencyMs.p50,
				p99: closed.latencyMs.p99,
				lost: notAcknowledged(closed),
				cpuMsPerPush: cpu.n8n / Math.max(1, closed.acknowledged),
				executions,
				crossings: fleet.acknowledgedCrossings.size,
				wrong,
				loadAtStart,
			});
			log(`${setup.label}: ${round(closed.ackPerSec)}/s, ${round(cpu.n8n / Math.max(1, closed.acknowledged), 2)} ms CPU/push`);
		}

		// Heap per vehicle: vehicles the node has not seen, one status and one location push each.
		const heap = [];
		for (const setup of SETUPS) {
			const fleet = new Fleet(options.heapVehicles, 0, 2, 11 + heap.length, DEMO_CLIENT.clientSecret);
			for (const v of fleet.vehicles) v.iotCode = `86129${heap.length}${v.iotCode.slice(6)}`;
			const before = await heapUsed(inspector);
			const next = mixedStream(fleet, `/webhook/${setup.webhookId}`);
			const sent = await closedLoop({ origin: n8n.url, next, accept, concurrency: options.concurrency, durationS: 3600, maxRequests: options.heapVehicles * 2 });
			const after = await heapUsed(inspector);
			heap.push({ setup: setup.label, vehicles: options.heapVehicles, lost: notAcknowledged(sent), bytesPerVehicle: (after - before) / options.heapVehicles });
			log(`${setup.label}: heap ${round((after - before) / options.heapVehicles)} bytes per vehicle`);
		}
		inspector.close();

		console.log(`\n${command}\nmachine: ${machine.cpus} × ${machine.cpuModel}; n8n 2.41.1, one process, SQLite, N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true, inspector on; loadavg now ${formatLoad(loadavg())}`);
		printTable(
			['setup', 'acked/s', 'p50 ms', 'p99 ms', 'lost', 'n8n CPU ms/push', 'executions', 'crossings', 'not run exactly once', 'load1'],
			rows.map((r) => [r.setup, round(r.ackPerSec), round(r.p50, 1), round(r.p99, 1), r.lost, round(r.cpuMsPerPush, 2), r.executions, r.crossings, r.wrong, round(r.loadAtStart, 2)]),
			{ title: `Closed loop, ${options.concurrency} senders, ${options.closedS} s: status and location pushes of ${options.vehicles} vehicles, alternating` },
		);
		printTable(
			['setup', 'vehicles', 'lost', 'heap bytes per vehicle'],
			heap.map((h) => [h.setup, h.vehicles, h.lost, round(h.bytesPerVehicle)]),
			{ title: "n8n's heap after a full GC, before and after one status and one location push of each vehicle" },
		);
		return { machine, options, rows, heap };
	} finally {
		await n8n.dispose();
	}
}
