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
 * - Silent Vehicles (silence.ts, quiet.ts) off and on (`wentSilentAndBack`) with 100,000 vehicles
 *   the node holds as its own (`--silence-fleet`), every one watched when on: webhook() p50/p99 per
 *   push, the heap the node then holds, writes and bytes per 1,000 pushes, vehicles in the mirror;
 *   then, on, a round of the fleet after which 1 % stops (half one by one, half at once) while the
 *   others push on, the clock moved through `Date.now`: how many reports the pushes that carry them
 *   hold at most, and what those pushes cost (see measureSilence); and the quiet watch alone by
 *   fleet size. ≈ 115,000 pushes at 100,000 vehicles, 5–10 ms each on the 2-core machine (mostly
 *   the harness copying static data, as n8n loads it per request): ≈ 10 min alone
 *   (`--silence-only`), ≈ 23 min for the whole bench at load average 4–13.
 *
 *   npm run bench:trigger-memory [-- --pushes 1000] [--location-only] [--silence-only] [--silence-fleet 100000]
 *
 * Prints tables and writes bench/results/trigger-memory.json (-location.json, -silence.json with
 * the options that run a part only).
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseArgs } from 'util';

import type { IDataObject } from 'n8n-workflow';

import { computeSignature } from '../api/catalog/signature';
import { ROOT } from '../harness/n8n';
import { NODE_NAME, TriggerHarness } from '../harness/webhook';
import { MAX_REPORTS_PER_PUSH, MAX_VEHICLES } from '../nodes/SegwayFleetTrigger/memory';
import { ADOPT_AFTER_MS, STATIC_KEY } from '../nodes/SegwayFleetTrigger/mirror';
import { QuietWatch } from '../nodes/SegwayFleetTrigger/quiet';
import { encodeVehicles, MIRROR_CHARS, type VehicleRecord } from '../nodes/shared/memory/codec';
import { encodeForm } from '../simulator';
import { formatLoad, machineInfo } from './lib/machine';
import { LatencyRecorder, round } from './lib/stats';
import { printTable } from './lib/table';

const { values: args } = parseArgs({
	options: {
		pushes: { type: 'string', default: '1000' },
		'location-only': { type: 'boolean', default: false },
		'silence-only': { type: 'boolean', default: false },
		'silence-fleet': { type: 'string', default: '100000' },
	},
});
const PUSHES = Number(args.pushes);
const SILENCE_FLEET = Number(args['silence-fleet']);
if (!Number.isInteger(SILENCE_FLEET) || SILENCE_FLEET < 200 || SILENCE_FLEET > MAX_VEHICLES) {
	throw new Error(`--silence-fleet must be a whole number from 200 (1 % of it must be two vehicles) to ${MAX_VEHICLES}`);
}
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

// Silent Vehicles: what watching every vehicle's silence costs, and the pushes that report it.

const MINUTE_MS = 60_000;
/**
 * One round of the fleet (every vehicle one locked status push, always in the same order) takes
 * this long on the moved clock: under Silent After, Locked (45 min, the default), so a vehicle that
 * keeps pushing is never silent.
 */
const ROUND_MS = 42 * MINUTE_MS;
/** The measured pushes move the clock by at most this in all, so that the round after still comes in time. */
const MEASURED_SPAN_MS = MINUTE_MS;
/** The vehicles that stop one by one are heard last within this much of the round's start, so that the next round reports them early. */
const ONE_BY_ONE_SPAN_MS = 3 * MINUTE_MS;
const SILENCE_PARAMETERS = { events: ['status'], statusMode: 'stateChange', silentAfterLocked: 45, silentAfterUnlocked: 5 } as const;

/**
 * The clock the trigger and the pushes read (`Date.now`, as test/trigger/silence.test.ts moves it),
 * moved only by the bench: real time does not leak into it, so however slow the machine, a round
 * takes ROUND_MS and the vehicles that stop at once are heard last in the same millisecond.
 */
const realNow = Date.now.bind(Date);
let movedNow = 0;
function moveClock(): void {
	movedNow = realNow();
	Date.now = () => movedNow;
}
function restoreClock(): void {
	Date.now = realNow;
	clock = 0;
}

/** Heap used after full GCs; NaN without --expose-gc. */
function heapAfterGc(): number {
	const gc = (global as { gc?: () => void }).gc;
	if (gc === undefined) return NaN;
	gc();
	gc();
	return process.memoryUsage().heapUsed;
}

/**
 * The fleet (locked, batteries fine, heard a minute before the part was written when `heard`) in a
 * part of the mirror written by a process gone for more than ADOPT_AFTER_MS: the first push takes
 * every vehicle over as the node's own and, with Silent Vehicles on, watches it. The quickest way
 * to a memory that holds the whole fleet as its own (a push per vehicle costs ≈ 5 ms of the
 * harness's static-data copy, 8 min for 100,000), and the same state as after hearing each once.
 */
function goneProcessPart(fleet: number, nowMs: number, heard: boolean): IDataObject {
	const writtenAt = nowMs - ADOPT_AFTER_MS - MINUTE_MS;
	const at = writtenAt - MINUTE_MS;
	const records: Array<[string, VehicleRecord]> = [];
	for (let i = 0; i < fleet; i++) {
		const record = knownRecord(i, writtenAt, false);
		if (heard) record.heard = { at, silent: false, status: { locked: true, online: true, charging: false, powerPercent: 80, at } };
		records.push([iotCodeOf(i), record]);
	}
	return { [`node:${NODE_NAME}`]: { [STATIC_KEY]: { gone: { at: writtenAt, heard: at, vehicles: encodeVehicles(records), recent: '' } } } };
}

/**
 * 1 % of the fleet that stops pushing in the silence phase: half at once (vehicles 0…, heard last
 * in the same millisecond, as a depot whose network went down), half one by one (each heard last
 * at its own time, spread over the round's first ONE_BY_ONE_SPAN_MS).
 */
function silentGroups(fleet: number): { atOnce: number; oneByOne: Set<number>; active: number[] } {
	const atOnce = Math.floor(fleet / 200);
	const span = Math.max(atOnce, Math.floor(ONE_BY_ONE_SPAN_MS / (ROUND_MS / fleet)));
	const every = Math.floor(span / atOnce);
	const oneByOne = new Set<number>();
	for (let k = 0; k < atOnce; k++) oneByOne.add(atOnce + Math.floor(every / 2) + k * every);
	const active: number[] = [];
	for (let i = atOnce; i < fleet; i++) if (!oneByOne.has(i)) active.push(i);
	return { atOnce, oneByOne, active };
}

interface SilenceRow {
	setup: string;
	fleet: number;
	pushes: number;
	runs: number;
	writes: number;
	writesPer1000: number;
	bytesWritten: number;
	bytesPerPush: number;
	webhookMedianMs: number;
	webhookP99Ms: number;
	webhookMaxMs: number;
	/** Heap after full GCs with the node's memory of the fleet, less the heap before the row. */
	heapMB: number;
	/** The first push, which reads the gone process's part and takes the fleet over. */
	takeOverMs: number;
	/** Vehicles in the mirror after the measured pushes (a part holds MIRROR_CHARS at most). */
	vehiclesInMirror: number;
	mirrorCharsPerVehicle: number;
}

interface SilentPushes {
	pushes: string;
	count: number;
	reports: number;
	maxReportsPerPush: number;
	webhookMedianMs: number;
	webhookP99Ms: number;
	webhookMaxMs: number;
}

interface SilentPhase {
	fleet: number;
	stopped: number;
	reported: number;
	pushes: number;
	movedMinutes: number;
	/** Every push that carried reports: how many, the most in one, their p99. */
	withReports: SilentPushes;
	writesPer1000: number;
	bytesPerPush: number;
	rows: SilentPushes[];
	seconds: number;
}

const per1000 = (count: number, pushes: number) => round((count * 1000) / pushes, 1);

function pushesRow(label: string, latency: LatencyRecorder, reports: number, maxReports: number): SilentPushes {
	const summary = latency.summary();
	return {
		pushes: label,
		count: latency.count,
		reports,
		maxReportsPerPush: maxReports,
		webhookMedianMs: round(summary.p50, 3),
		webhookP99Ms: round(summary.p99, 3),
		webhookMaxMs: round(summary.max, 3),
	};
}

/**
 * One trigger (state-change filter on status pushes, every push a locked vehicle whose state did
 * not change, so no push starts a run of its own: what differs is the silence rule's work) with
 * Silent Vehicles `mode`, the clock moved by the bench:
 * 1. the fleet taken over from a gone process's part (goneProcessPart) by a push that changes a
 *    vehicle's lock state, so that the part is written at once without the gone one; that vehicle
 *    locked again;
 * 2. PUSHES measured pushes of vehicles it knows: webhook() per push, writes and bytes, the heap it
 *    then holds;
 * 3. with `silentPhase`: a round of the whole fleet (ROUND_MS on the clock), after which 1 % of it
 *    (silentGroups) pushes no more while the others push on in the same order until every stopped
 *    one was reported: the pushes that carry the reports against those that carry none. Each
 *    stopped vehicle must be reported exactly once and no other: the bench fails otherwise, so
 *    that its figures always come from the case they name.
 */
async function measureSilence(mode: 'off' | 'wentSilentAndBack', fleet: number, silentPhase: boolean): Promise<{ row: SilenceRow; phase?: SilentPhase }> {
	const heapBefore = heapAfterGc();
	const harness = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters: { ...SILENCE_PARAMETERS, silentVehicles: mode } as never });
	moveClock();
	harness.storedStaticData = goneProcessPart(fleet, Date.now(), mode !== 'off');
	await harness.start();
	try {
		const url = harness.urlFor('status');
		const step = ROUND_MS / fleet;
		const { atOnce, oneByOne, active } = silentGroups(fleet);
		const silenceReports = (from: number) =>
			harness.executions.slice(from).flatMap((run) => run.items.map((item) => item.json)).filter((json) => json.event === 'silence');
		const noReportSince = (from: number, when: string) => {
			const reports = silenceReports(from);
			if (reports.length > 0) throw new Error(`${reports.length} silence report(s) ${when}, none expected: ${JSON.stringify(reports[0])}`);
		};

		// 1. The take-over.
		const changer = iotCodeOf(active[active.length - 1]);
		harness.webhookMs = 0;
		await post(url, statusBody(changer, false, 80));
		const takeOverMs = harness.webhookMs;
		const stored = (harness.storedStaticData[`node:${NODE_NAME}`] as IDataObject | undefined)?.[STATIC_KEY] as IDataObject | undefined;
		if (stored === undefined || 'gone' in stored) throw new Error('the first push did not take the gone process\'s part over and write the mirror without it');
		movedNow += step;
		await post(url, statusBody(changer, true, 80));

		// 2. Measured pushes of known vehicles that keep pushing.
		const measuredStep = Math.min(step, MEASURED_SPAN_MS / PUSHES);
		const runsBefore = harness.executions.length;
		const writesBefore = harness.staticDataWrites;
		const bytesBefore = harness.staticDataBytes;
		const latency = new LatencyRecorder();
		for (let i = 0; i < PUSHES; i++) {
			movedNow += measuredStep;
			const body = statusBody(iotCodeOf(active[(i * 7919) % active.length]), true, 80);
			harness.webhookMs = 0;
			await post(url, body);
			latency.record(harness.webhookMs);
		}
		noReportSince(runsBefore, 'among the measured pushes');
		const heapMB = round((heapAfterGc() - heapBefore) / 2 ** 20, 1);
		const parts = Object.values((harness.storedStaticData[`node:${NODE_NAME}`] as IDataObject)[STATIC_KEY] as IDataObject).map((part) => String((part as IDataObject).vehicles));
		const vehiclesInMirror = parts.reduce((total, text) => total + text.split('\n').length - 1, 0);
		const mirrorChars = parts.reduce((total, text) => total + text.length, 0);
		const summary = latency.summary();
		const writes = harness.staticDataWrites - writesBefore;
		const bytesWritten = harness.staticDataBytes - bytesBefore;
		const row: SilenceRow = {
			setup: mode,
			fleet,
			pushes: PUSHES,
			runs: harness.executions.length - runsBefore,
			writes,
			writesPer1000: per1000(writes, PUSHES),
			bytesWritten,
			bytesPerPush: round(bytesWritten / PUSHES, 0),
			webhookMedianMs: round(summary.p50, 3),
			webhookP99Ms: round(summary.p99, 3),
			webhookMaxMs: round(summary.max, 3),
			heapMB,
			takeOverMs: round(takeOverMs, 1),
			vehiclesInMirror,
			mirrorCharsPerVehicle: round(mirrorChars / vehiclesInMirror, 0),
		};
		if (!silentPhase) return { row };

		// 3. A round of the whole fleet, the vehicles to stop at once first, in the same millisecond;
		// then the others on, until the stopped ones have run out and were reported.
		const stopped = new Set<string>();
		for (let i = 0; i < atOnce; i++) stopped.add(iotCodeOf(i));
		for (const i of oneByOne) stopped.add(iotCodeOf(i));
		const reported = new Set<string>();
		const quiet = new LatencyRecorder();
		const reporting = new LatencyRecorder();
		const byOneByOne = new LatencyRecorder();
		const byAtOnce = new LatencyRecorder();
		let reportsOneByOne = 0;
		let reportsAtOnce = 0;
		let maxOneByOne = 0;
		let maxAtOnce = 0;
		const phaseStarted = realNow();
		const movedFrom = movedNow;
		const phaseRuns = harness.executions.length;
		const phaseWrites = harness.staticDataWrites;
		const phaseBytes = harness.staticDataBytes;
		let pushes = 0;
		const push = async (i: number) => {
			const body = statusBody(iotCodeOf(i), true, 80);
			const from = harness.executions.length;
			harness.webhookMs = 0;
			await post(url, body);
			pushes += 1;
			if (pushes % 20_000 === 0) log(`  silence phase: ${pushes} pushes, ${reported.size} of ${stopped.size} stopped vehicles reported, ${round((realNow() - phaseStarted) / 1000, 0)} s`);
			const reports = silenceReports(from);
			if (reports.length === 0) {
				quiet.record(harness.webhookMs);
				return;
			}
			if (reports.length > MAX_REPORTS_PER_PUSH) throw new Error(`${reports.length} reports in one push, more than ${MAX_REPORTS_PER_PUSH}`);
			let fromAtOnce = false;
			for (const report of reports) {
				const iotCode = String(report.iotCode);
				if (report.silence !== 'wentSilent' || !stopped.has(iotCode) || reported.has(iotCode)) {
					throw new Error(`unexpected silence report (only the stopped vehicles, each once): ${JSON.stringify(report)}`);
				}
				reported.add(iotCode);
				if (Number(iotCode.slice(-7)) < atOnce) fromAtOnce = true;
			}
			reporting.record(harness.webhookMs);
			// A push that reports any of the vehicles that stopped at once counts with them.
			if (fromAtOnce) {
				byAtOnce.record(harness.webhookMs);
				reportsAtOnce += reports.length;
				maxAtOnce = Math.max(maxAtOnce, reports.length);
			} else {
				byOneByOne.record(harness.webhookMs);
				reportsOneByOne += reports.length;
				maxOneByOne = Math.max(maxOneByOne, reports.length);
			}
		};
		for (let i = 0; i < fleet; i++) {
			if (i >= atOnce) movedNow += step;
			await push(i);
		}
		noReportSince(phaseRuns, 'in the round before the vehicles stopped');
		for (let k = 0; reported.size < stopped.size; k++) {
			if (k === active.length) throw new Error(`a round after they stopped, only ${reported.size} of the ${stopped.size} stopped vehicles were reported`);
			movedNow += step;
			await push(active[k]);
		}
		const phase: SilentPhase = {
			fleet,
			stopped: stopped.size,
			reported: reported.size,
			pushes,
			movedMinutes: round((movedNow - movedFrom) / MINUTE_MS, 0),
			withReports: pushesRow('with reports', reporting, reported.size, Math.max(maxOneByOne, maxAtOnce)),
			writesPer1000: per1000(harness.staticDataWrites - phaseWrites, pushes),
			bytesPerPush: round((harness.staticDataBytes - phaseBytes) / pushes, 0),
			rows: [
				pushesRow('no report', quiet, 0, 0),
				pushesRow(`reporting the ${oneByOne.size} stopped one by one`, byOneByOne, reportsOneByOne, maxOneByOne),
				pushesRow(`reporting the ${atOnce} stopped at once`, byAtOnce, reportsAtOnce, maxAtOnce),
			],
			seconds: round((realNow() - phaseStarted) / 1000, 1),
		};
		return { row, phase };
	} finally {
		restoreClock();
		await harness.stop();
	}
}

interface WatchRow {
	order: 'in turn' | 'at random';
	vehicles: number;
	pushes: number;
	microsPerPush: number;
}

/**
 * The quiet watch alone (quiet.ts, no push path around it), what the trigger does with it per push
 * with Silent Vehicles on: the stream heard, the vehicle watched anew (taken out of its queue, put
 * at the end), the fronts asked for clocks that ran out. Two rounds of `vehicles`, each heard in
 * turn (the fleet's own rhythm: the vehicle heard is the one at the queue's front) or at random;
 * none runs out (the bench fails if one does). Beside the webhook rows, whose per-push noise hides a few µs.
 */
function quietWatchCost(vehicles: number, order: WatchRow['order']): WatchRow {
	// Longer than the whole run: no vehicle runs out, not even one the random order leaves out.
	const limitMs = 4 * ROUND_MS;
	const step = ROUND_MS / vehicles;
	const watch = new QuietWatch();
	const codes = Array.from({ length: vehicles }, (_, i) => iotCodeOf(i));
	let now = realNow();
	for (let i = 0; i < vehicles; i++) {
		now += step;
		watch.heardStream(now);
		watch.watch(codes[i], { since: now, limitMs });
	}
	let seed = 1;
	const next = order === 'in turn' ? (p: number) => p % vehicles : () => (seed = (seed * 48271) % 2147483647) % vehicles;
	const pushes = 2 * vehicles;
	const started = process.hrtime.bigint();
	for (let p = 0; p < pushes; p++) {
		now += step;
		watch.heardStream(now);
		watch.watch(codes[next(p)], { since: now, limitMs });
		if (watch.overdue(now, MAX_REPORTS_PER_PUSH).length > 0) throw new Error('a vehicle heard in time ran out');
	}
	const micros = Number(process.hrtime.bigint() - started) / 1e3;
	return { order, vehicles, pushes, microsPerPush: round(micros / pushes, 2) };
}

interface SilenceCost {
	fleet: number;
	rows: SilenceRow[];
	phase: SilentPhase;
	watch: WatchRow[];
}

/** A few pushes with Silent Vehicles on first, so that neither row pays for code run the first time (its heap included). */
async function warmUp(): Promise<void> {
	const harness = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters: { ...SILENCE_PARAMETERS, silentVehicles: 'wentSilentAndBack' } as never });
	moveClock();
	harness.storedStaticData = goneProcessPart(200, Date.now(), true);
	await harness.start();
	try {
		for (let i = 0; i < 50; i++) {
			movedNow += MINUTE_MS;
			await post(harness.urlFor('status'), statusBody(iotCodeOf(i), i % 2 === 0, 80));
		}
	} finally {
		restoreClock();
		await harness.stop();
	}
}

async function silenceCost(fleet: number): Promise<SilenceCost> {
	await warmUp();
	log(`Silent Vehicles off, ${fleet} vehicles taken over from a gone process's part, ${PUSHES} pushes`);
	const off = await measureSilence('off', fleet, false);
	log(`Silent Vehicles on (wentSilentAndBack), the same; then a round of the fleet and 1 % stop while the others push`);
	const on = await measureSilence('wentSilentAndBack', fleet, true);
	log(`  silence phase: ${on.phase!.pushes} pushes, ${on.phase!.seconds} s`);
	const sizes = [...new Set([1_000, 10_000, 100_000].filter((size) => size < fleet).concat(fleet))];
	log(`the quiet watch alone, ${sizes.join(', ')} vehicles`);
	// Compiled before it is measured.
	quietWatchCost(1_000, 'in turn');
	quietWatchCost(1_000, 'at random');
	const watch = (['in turn', 'at random'] as const).flatMap((order) => sizes.map((size) => quietWatchCost(size, order)));
	return { fleet, rows: [off.row, on.row], phase: on.phase!, watch };
}

function printSilence(cost: SilenceCost): void {
	const { fleet, rows, phase } = cost;
	printTable(
		['silent vehicles', 'fleet', 'pushes', 'runs', 'writes', 'writes/1,000 pushes', 'bytes written', 'bytes/push', 'webhook p50 ms', 'webhook p99 ms', 'webhook max ms', 'heap MB', 'take-over ms', 'vehicles in mirror', 'mirror chars/vehicle'],
		rows.map((r) => [
			r.setup, r.fleet, r.pushes, r.runs, r.writes, r.writesPer1000, r.bytesWritten, r.bytesPerPush,
			r.webhookMedianMs, r.webhookP99Ms, r.webhookMaxMs, r.heapMB, r.takeOverMs, r.vehiclesInMirror, r.mirrorCharsPerVehicle,
		]),
		{
			title:
				`Silent Vehicles off vs on (wentSilentAndBack), ${fleet} vehicles known (taken over as the node's own from a gone process's part); ` +
				'locked status pushes, state-change filter, no runs; heap: what the node then holds, after GC',
			digits: 3,
		},
	);
	printTable(
		['silence phase pushes', 'pushes', 'silence reports', 'max reports/push', 'webhook p50 ms', 'webhook p99 ms', 'webhook max ms'],
		phase.rows.map((r) => [r.pushes, r.count, r.reports, r.maxReportsPerPush, r.webhookMedianMs, r.webhookP99Ms, r.webhookMaxMs]),
		{
			title:
				`Silence phase: a round of the ${fleet} vehicles, then 1 % (${phase.stopped}) stop pushing while the others push on (${phase.pushes} pushes, ` +
				`${phase.movedMinutes} min on the moved clock): ${phase.reported} reported; ${phase.writesPer1000} writes per 1,000 pushes, ${phase.bytesPerPush} bytes/push`,
			digits: 3,
		},
	);
	printTable(
		['quiet watch alone, vehicles heard', 'vehicles', 'pushes', 'µs/push (watch + overdue)'],
		cost.watch.map((r) => [r.order, r.vehicles, r.pushes, r.microsPerPush]),
		{ digits: 2 },
	);
	const [off, on] = rows;
	console.log(
		`silent vehicles, ${fleet} known: webhook() p50 off/on ${off.webhookMedianMs}/${on.webhookMedianMs} ms, p99 off/on ${off.webhookP99Ms}/${on.webhookP99Ms} ms; ` +
			`heap off/on ${off.heapMB}/${on.heapMB} MB; writes per 1,000 pushes off/on ${off.writesPer1000}/${on.writesPer1000}, bytes/push off/on ${off.bytesPerPush}/${on.bytesPerPush}; ` +
			`${phase.stopped} of ${fleet} stopped, ${phase.reported} reported once each, at most ${phase.withReports.maxReportsPerPush} reports per push, p99 of the ${phase.withReports.count} pushes with reports ${phase.withReports.webhookP99Ms} ms`,
	);
}

async function main(): Promise<void> {
	const only = args['location-only'] ? 'location' : args['silence-only'] ? 'silence' : undefined;
	log(`${PUSHES} pushes per row; memory bound ${MAX_VEHICLES} vehicles per trigger node; load average ${formatLoad(machineInfo().loadavg)}`);
	const rows: Row[] = [];
	let heap = NaN;
	if (only === undefined) {
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
	let location: object | undefined;
	if (only !== 'silence') {
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
		location = { rows: locationRows, heapPerVehicleBytes: { plain: heapPlain, located: heapLocated }, mirror };
	}
	let silence: (SilenceCost & { loadavg: { before: number[]; after: number[] } }) | undefined;
	if (only !== 'location') {
		const before = machineInfo().loadavg;
		const cost = await silenceCost(SILENCE_FLEET);
		silence = { ...cost, loadavg: { before, after: machineInfo().loadavg } };
		log(`Silent Vehicles: load average ${formatLoad(before)} before, ${formatLoad(silence.loadavg.after)} after`);
		printSilence(cost);
	}
	mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
	writeFileSync(
		join(ROOT, `bench/results/trigger-memory${only === undefined ? '' : `-${only}`}.json`),
		JSON.stringify({ machine: machineInfo(), at: new Date().toISOString(), rows, heapPerVehicleBytes: heap, location, silence }, null, 2),
	);
}

void main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
