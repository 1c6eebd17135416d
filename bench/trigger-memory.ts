/**
 * What the trigger's per-vehicle memory costs at fleet scale, measured through n8n-core's webhook
 * path (harness/webhook.ts: the node's real webhook() over HTTP on loopback, static data loaded
 * and saved per request as n8n does):
 *
 * - bytes written to static data per 1,000 status pushes, for fleets of 1,000 and 100,000
 *   vehicles already known (the memory seeded from static data, as after a restart), in the
 *   state-change filter (every push refreshes a vehicle; one in ten changes its lock state and
 *   starts a run) and the battery filter;
 * - time inside the node's webhook() per push (median, p99), for known vehicles and, with the
 *   memory full (100,000), for vehicles never seen, each of which drops the least recently seen;
 * - heap per vehicle remembered, and the time a restarted process takes to read 100,000 back.
 *
 *   npm run bench:trigger-memory [-- --pushes 1000]
 *
 * Prints a table and writes bench/results/trigger-memory.json.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseArgs } from 'util';

import type { IDataObject } from 'n8n-workflow';

import { computeSignature } from '../api/catalog/signature';
import { ROOT } from '../harness/n8n';
import { NODE_NAME, TriggerHarness } from '../harness/webhook';
import { MAX_VEHICLES, STATIC_KEY } from '../nodes/SegwayFleetTrigger/memory';
import { encodeVehicles } from '../nodes/SegwayFleetTrigger/memoryCodec';
import type { VehicleRecord } from '../nodes/SegwayFleetTrigger/vehicles';
import { encodeForm } from '../simulator';
import { machineInfo } from './lib/machine';
import { LatencyRecorder, round } from './lib/stats';
import { printTable } from './lib/table';

const { values: args } = parseArgs({ options: { pushes: { type: 'string', default: '1000' } } });
const PUSHES = Number(args.pushes);
const SECRET = 'bench-secret';
const log = (line: string) => process.stderr.write(`[trigger-memory] ${line}\n`);

const iotCodeOf = (i: number) => `86100000${String(i).padStart(7, '0')}`;

/** The static data a node that already knows `fleet` vehicles has (locked, batteries fine). */
function knownFleet(fleet: number, nowMs: number): IDataObject {
	const records: Array<[string, VehicleRecord]> = [];
	for (let i = 0; i < fleet; i++) {
		records.push([iotCodeOf(i), { seenAt: nowMs - 60_000, lowBattery: false, states: '110', statusAt: nowMs - 60_000 }]);
	}
	return { [`node:${NODE_NAME}`]: { [STATIC_KEY]: { seeded: { at: nowMs, vehicles: encodeVehicles(records), recent: '' } } } };
}

let clock = 0;
function statusBody(iotCode: string, locked: boolean, powerPercent: number): string {
	clock = Math.max(Date.now(), clock + 1);
	const params: Record<string, string> = {
		iotCode,
		platformCode: 'A20081',
		online: 'true',
		locked: String(locked),
		charging: 'false',
		powerPercent: String(powerPercent),
		statusUtcTime: String(clock),
	};
	params.signature = computeSignature(params, SECRET);
	return encodeForm(params);
}

async function post(url: string, body: string): Promise<void> {
	const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
	if (res.status !== 200) throw new Error(`push answered ${res.status}: ${await res.text()}`);
	await res.arrayBuffer();
}

interface Row {
	filter: string;
	fleet: number;
	pushes: number;
	vehicles: 'known' | 'new (evicting)';
	runs: number;
	writes: number;
	bytesWritten: number;
	bytesPerPush: number;
	webhookMedianMs: number;
	webhookP99Ms: number;
	seedMs: number;
}

async function measure(filter: 'stateChange' | 'batteryLow', fleet: number, vehicles: Row['vehicles']): Promise<Row> {
	const parameters =
		filter === 'stateChange' ? { events: ['status'], statusMode: 'stateChange' } : { events: ['status'], statusMode: 'batteryLow', batteryThreshold: 20 };
	const harness = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters: parameters as never });
	harness.storedStaticData = knownFleet(fleet, Date.now());
	await harness.start();
	try {
		const url = harness.urlFor('status');
		// The first push makes the node read its memory back, as after a restart.
		harness.webhookMs = 0;
		await post(url, statusBody(iotCodeOf(0), true, 80));
		const seedMs = harness.webhookMs;
		const writesBefore = harness.staticDataWrites;
		const bytesBefore = harness.staticDataBytes;
		const latency = new LatencyRecorder();
		for (let i = 0; i < PUSHES; i++) {
			const n = vehicles === 'known' ? 1 + ((i * 7919) % (fleet - 1)) : fleet + i;
			// One in ten pushes changes the lock state (state filter) or crosses 20 % (battery).
			const change = i % 10 === 0;
			const body = statusBody(iotCodeOf(n), !(filter === 'stateChange' && change), filter === 'batteryLow' && change ? 15 : 80);
			harness.webhookMs = 0;
			await post(url, body);
			latency.record(harness.webhookMs);
		}
		const summary = latency.summary();
		const bytesWritten = harness.staticDataBytes - bytesBefore;
		return {
			filter,
			fleet,
			pushes: PUSHES,
			vehicles,
			runs: harness.executions.length,
			writes: harness.staticDataWrites - writesBefore,
			bytesWritten,
			bytesPerPush: round(bytesWritten / PUSHES, 0),
			webhookMedianMs: round(summary.p50, 3),
			webhookP99Ms: round(summary.p99, 3),
			seedMs: round(seedMs, 1),
		};
	} finally {
		await harness.stop();
	}
}

/** Heap of a memory of `fleet` vehicles, read back from static data by a node that never met them. */
async function heapPerVehicle(fleet: number): Promise<number> {
	const gc = (global as { gc?: () => void }).gc;
	if (gc === undefined) return NaN;
	const parameters = { events: ['status'], statusMode: 'stateChange' } as never;
	const empty = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters });
	const full = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters });
	await empty.start();
	await full.start();
	try {
		// The same work once without vehicles, so that only the remembered vehicles differ.
		await post(empty.urlFor('status'), statusBody(iotCodeOf(0), true, 80));
		gc();
		const before = process.memoryUsage().heapUsed;
		full.storedStaticData = knownFleet(fleet, Date.now());
		await post(full.urlFor('status'), statusBody(iotCodeOf(0), true, 80));
		full.storedStaticData = {};
		gc();
		return (process.memoryUsage().heapUsed - before) / fleet;
	} finally {
		await empty.stop();
		await full.stop();
	}
}

async function main(): Promise<void> {
	log(`${PUSHES} pushes per row; memory bound ${MAX_VEHICLES} vehicles per trigger node`);
	const rows: Row[] = [];
	for (const filter of ['stateChange', 'batteryLow'] as const) {
		for (const fleet of [1_000, 100_000]) {
			log(`${filter}, ${fleet} known vehicles`);
			rows.push(await measure(filter, fleet, 'known'));
		}
	}
	log('stateChange, memory full (100,000): pushes of vehicles never seen');
	rows.push(await measure('stateChange', MAX_VEHICLES, 'new (evicting)'));
	const heap = await heapPerVehicle(100_000);
	printTable(
		['filter', 'fleet', 'vehicles', 'pushes', 'runs', 'writes', 'bytes written', 'bytes/push', 'webhook p50 ms', 'webhook p99 ms', 'read-back ms'],
		rows.map((r) => [r.filter, r.fleet, r.vehicles, r.pushes, r.runs, r.writes, r.bytesWritten, r.bytesPerPush, r.webhookMedianMs, r.webhookP99Ms, r.seedMs]),
	);
	console.log(`heap per remembered vehicle: ${Number.isNaN(heap) ? 'n/a (run with --expose-gc)' : `${round(heap, 0)} bytes`}`);
	mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
	writeFileSync(
		join(ROOT, 'bench/results/trigger-memory.json'),
		JSON.stringify({ machine: machineInfo(), at: new Date().toISOString(), rows, heapPerVehicleBytes: heap }, null, 2),
	);
}

void main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
