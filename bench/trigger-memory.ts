/**
 * What the trigger's per-vehicle memory costs at fleet scale, measured through n8n-core's webhook
 * path (harness/webhook.ts: the node's real webhook() over HTTP on loopback, static data loaded
 * and saved per request as n8n does):
 *
 * - writes of static data (each a workflow-row update in n8n's database) per 1,000 status pushes
 *   when every push starts a run;
 * - bytes written to static data per 1,000 status pushes, for fleets of 1,000 and 100,000
 *   vehicles already known (the memory seeded from static data, as after a restart), in the
 *   state-change filter (every push refreshes a vehicle; one in ten changes its lock state and
 *   starts a run) and the battery filter;
 * - time inside the node's webhook() per push (median, p99), for known vehicles and, with the
 *   memory full (100,000), for vehicles never seen, each of which drops the least recently seen;
 * - heap per vehicle remembered, and the time a restarted process takes to read 100,000 back.
 * - with location tracking (lastLocation, moved while locked): time inside webhook() per location
 *   push of a 1,000-vehicle fleet beside tracking off, writes per push, and heap and mirror
 *   characters per vehicle for 10,000 vehicles with a fix and a lock position.
 *
 *   npm run bench:trigger-memory [-- --pushes 1000] [--location-only]
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
import { MAX_VEHICLES } from '../nodes/SegwayFleetTrigger/memory';
import { STATIC_KEY } from '../nodes/SegwayFleetTrigger/mirror';
import { encodeVehicles, MIRROR_CHARS, type VehicleRecord } from '../nodes/shared/memory/codec';
import { encodeForm } from '../simulator';
import { machineInfo } from './lib/machine';
import { LatencyRecorder, round } from './lib/stats';
import { printTable } from './lib/table';

const { values: args } = parseArgs({ options: { pushes: { type: 'string', default: '1000' }, 'location-only': { type: 'boolean', default: false } } });
const PUSHES = Number(args.pushes);
const SECRET = 'bench-secret';
const log = (line: string) => process.stderr.write(`[trigger-memory] ${line}\n`);

const iotCodeOf = (i: number) => `86100000${String(i).padStart(7, '0')}`;

/** Where the bench fleet parks: vehicle i a few metres from vehicle i - 1. */
const latitudeOf = (i: number) => 52.5 + (i % 1000) * 1e-4;

/** A vehicle's record as the node keeps it; with a fix and a lock position when `located`. */
function knownRecord(i: number, nowMs: number, located: boolean): VehicleRecord {
	const record: VehicleRecord = { seenAt: nowMs - 60_000, lowBattery: false, states: '110', statusAt: nowMs - 60_000 };
	if (located) {
		const at = nowMs - 120_000;
		record.fix = { latitude: latitudeOf(i) + 0.0000123, longitude: 13.4050456, at, satellites: 9, hdop: 0.8 };
		record.lock = { locked: true, at, fired: false, anchor: { latitude: latitudeOf(i), longitude: 13.405, at } };
	}
	return record;
}

/** The static data a node that already knows `fleet` vehicles has (locked, batteries fine). */
function knownFleet(fleet: number, nowMs: number, located = false): IDataObject {
	const records: Array<[string, VehicleRecord]> = [];
	for (let i = 0; i < fleet; i++) records.push([iotCodeOf(i), knownRecord(i, nowMs, located)]);
	return { [`node:${NODE_NAME}`]: { [STATIC_KEY]: { seeded: { at: nowMs, vehicles: encodeVehicles(records), recent: '' } } } };
}

function locationBody(iotCode: string, latitude: number): string {
	clock = Math.max(Date.now(), clock + 1);
	const params: Record<string, string> = {
		iotCode,
		platformCode: 'A20081',
		locationStatus: 'valid',
		latitude: latitude.toFixed(6),
		longitude: '13.405000',
		satelliteNumber: '9',
		hdop: '0.8',
		gpsUtcTime: String(clock),
	};
	params.signature = computeSignature(params, SECRET);
	return encodeForm(params);
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

const FILTERS = {
	'every push': { events: ['alert', 'fault', 'location', 'status'] },
	stateChange: { events: ['status'], statusMode: 'stateChange' },
	batteryLow: { events: ['status'], statusMode: 'batteryLow', batteryThreshold: 20 },
} as const;

async function measure(filter: keyof typeof FILTERS, fleet: number, vehicles: Row['vehicles']): Promise<Row> {
	const parameters = FILTERS[filter];
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

interface LocationRow {
	setup: string;
	fleet: number;
	pushes: number;
	runs: number;
	writes: number;
	bytesPerPush: number;
	webhookMedianMs: number;
	webhookP99Ms: number;
}

const LOCATION_SETUPS = {
	'tracking off (alerts only)': { events: ['alert'], options: { lastLocation: false } },
	'lastLocation on (alerts only)': { events: ['alert'] },
	'moved while locked (100 m)': { events: ['alert', 'location'], locationMode: 'movedWhileLocked', movedDistance: 100 },
} as const;

/**
 * Location pushes of a known fleet (all locked, with a fix and a lock position, as after a
 * restart), each a few metres of jitter; one in ten of the moved-while-locked row 500 m away.
 */
async function measureLocation(setup: keyof typeof LOCATION_SETUPS, fleet: number): Promise<LocationRow> {
	const harness = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters: LOCATION_SETUPS[setup] as never });
	harness.storedStaticData = knownFleet(fleet, Date.now(), true);
	await harness.start();
	try {
		const url = harness.urlFor('location');
		await post(url, locationBody(iotCodeOf(0), latitudeOf(0)));
		const writesBefore = harness.staticDataWrites;
		const bytesBefore = harness.staticDataBytes;
		const latency = new LatencyRecorder();
		for (let i = 0; i < PUSHES; i++) {
			const n = 1 + ((i * 7919) % (fleet - 1));
			const offset = i % 10 === 0 ? 0.0045 : ((i % 7) - 3) * 0.00003;
			harness.webhookMs = 0;
			await post(url, locationBody(iotCodeOf(n), latitudeOf(n) + offset));
			latency.record(harness.webhookMs);
		}
		const summary = latency.summary();
		return {
			setup,
			fleet,
			pushes: PUSHES,
			runs: harness.executions.length,
			writes: harness.staticDataWrites - writesBefore,
			bytesPerPush: round((harness.staticDataBytes - bytesBefore) / PUSHES, 0),
			webhookMedianMs: round(summary.p50, 3),
			webhookP99Ms: round(summary.p99, 3),
		};
	} finally {
		await harness.stop();
	}
}

/** Characters per vehicle in the mirror, and how many vehicles its bound then holds. */
function mirrorCharsPerVehicle(located: boolean): { charsPerVehicle: number; vehiclesInMirror: number } {
	const now = Date.now();
	const records: Array<[string, VehicleRecord]> = [];
	for (let i = 0; i < 10_000; i++) records.push([iotCodeOf(i), knownRecord(i, now, located)]);
	const all = encodeVehicles(records);
	const bounded = encodeVehicles(records, MIRROR_CHARS);
	return { charsPerVehicle: round(all.length / records.length, 0), vehiclesInMirror: bounded.split('\n').length - 1 };
}

/** Heap of a memory of `fleet` vehicles, read back from static data by a node that never met them. */
async function heapPerVehicle(fleet: number, located = false): Promise<number> {
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
		full.storedStaticData = knownFleet(fleet, Date.now(), located);
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
	let heap = NaN;
	if (!args['location-only']) {
		for (const fleet of [20, 1_000]) {
			log(`every push starts a run, ${fleet} known vehicles`);
			rows.push(await measure('every push', fleet, 'known'));
		}
		for (const filter of ['stateChange', 'batteryLow'] as const) {
			for (const fleet of [1_000, 100_000]) {
				log(`${filter}, ${fleet} known vehicles`);
				rows.push(await measure(filter, fleet, 'known'));
			}
		}
		log('stateChange, memory full (100,000): pushes of vehicles never seen');
		rows.push(await measure('stateChange', MAX_VEHICLES, 'new (evicting)'));
		heap = await heapPerVehicle(100_000);
	}
	const locationRows: LocationRow[] = [];
	for (const setup of Object.keys(LOCATION_SETUPS) as Array<keyof typeof LOCATION_SETUPS>) {
		log(`location pushes, ${setup}, 1,000 known vehicles`);
		locationRows.push(await measureLocation(setup, 1_000));
	}
	const heapPlain = await heapPerVehicle(10_000);
	const heapLocated = await heapPerVehicle(10_000, true);
	const mirror = { plain: mirrorCharsPerVehicle(false), located: mirrorCharsPerVehicle(true) };
	if (rows.length > 0) printTable(
		['filter', 'fleet', 'vehicles', 'pushes', 'runs', 'writes', 'bytes written', 'bytes/push', 'webhook p50 ms', 'webhook p99 ms', 'read-back ms'],
		rows.map((r) => [r.filter, r.fleet, r.vehicles, r.pushes, r.runs, r.writes, r.bytesWritten, r.bytesPerPush, r.webhookMedianMs, r.webhookP99Ms, r.seedMs]),
	);
	if (rows.length > 0) console.log(`heap per remembered vehicle: ${Number.isNaN(heap) ? 'n/a (run with --expose-gc)' : `${round(heap, 0)} bytes`}`);
	printTable(
		['location pushes', 'fleet', 'pushes', 'runs', 'writes', 'bytes/push', 'webhook p50 ms', 'webhook p99 ms'],
		locationRows.map((r) => [r.setup, r.fleet, r.pushes, r.runs, r.writes, r.bytesPerPush, r.webhookMedianMs, r.webhookP99Ms]),
	);
	printTable(
		['10,000 vehicles', 'heap bytes/vehicle', 'mirror chars/vehicle', `vehicles in the ${MIRROR_CHARS / 1024} KiB mirror`],
		[
			['no location', round(heapPlain, 0), mirror.plain.charsPerVehicle, mirror.plain.vehiclesInMirror],
			['fix and lock position', round(heapLocated, 0), mirror.located.charsPerVehicle, mirror.located.vehiclesInMirror],
		],
	);
	mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
	writeFileSync(
		join(ROOT, `bench/results/trigger-memory${args['location-only'] ? '-location' : ''}.json`),
		JSON.stringify(
			{
				machine: machineInfo(),
				at: new Date().toISOString(),
				rows,
				heapPerVehicleBytes: heap,
				location: { rows: locationRows, heapPerVehicleBytes: { plain: heapPlain, located: heapLocated }, mirror },
			},
			null,
			2,
		),
	);
}

void main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
