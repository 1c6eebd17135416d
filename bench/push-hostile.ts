/**
 * Genuine pushes while junk arrives alongside, in real n8n 2.41.1: the trigger (battery filter,
 * its memory full: ≈ 6,000 vehicles in static data, what a 100,000-vehicle fleet keeps there) is
 * fed signed status pushes by closed-loop senders, first alone, then with junk senders beside
 * them at a fixed rate:
 *   - 1 MB text/plain bodies with a well-formed signature (refused at the trigger's bound, 413),
 *   - JSON bodies of 100,000 keys (n8n parses them; the trigger refuses them by their size, 413),
 *   - small pushes with a well-formed wrong signature (401; one credential read per 4 s).
 * Reports genuine pushes acknowledged per second and their latency, and how the junk was
 * answered. A second pair of phases repeats it with n8n's N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE,
 * which the README recommends for large fleets. After each pair, a JSON body of 1,000,000 keys
 * (14 MB, under n8n's 16 MB limit) is posted `--huge-posts` times on its own: how it is answered
 * and how long n8n takes (mostly its own JSON.parse).
 *
 * First, without n8n, the node's own cost per junk body: each body is parsed as n8n's
 * body-parser does (timed: n8n's cost), then handed with its raw body to the trigger's reader
 * (timed `--reader-runs` × 20 times: the node's cost, on top of n8n's), beside what enumerating
 * the body's keys with a counter that stops past MAX_FIELDS costs (`--reader-runs` times: the
 * reader before it bounded bodies by their bytes; V8 lists every key before `for…in` yields one).
 *
 *   npm run bench:push-hostile [-- --seconds 15 --concurrency 10 --junk-rate 5 --warmup 3 --settings defaults,lazy --huge-posts 3 --reader-runs 5]
 *
 * `--settings` picks the pairs of phases to run: `defaults`, `lazy` or both (smoke runs: one).
 *
 * Prints tables and writes bench/results/push-hostile.json.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { parse as parseQuery } from 'querystring';
import { parseArgs } from 'util';

import { computeSignature } from '../api/catalog/signature';
import { N8nInstance, ROOT, simulatorCredential, TRIGGER_TYPE } from '../harness/n8n';
import { waitFor } from '../harness/wait';
import { MAX_FIELDS, readSignedPush, receivedBytes } from '../nodes/SegwayFleetTrigger/body';
import { encodeVehicles, type VehicleRecord } from '../nodes/shared/memory/codec';
import { DEMO_CLIENT, encodeForm } from '../simulator';
import { closedLoop, openLoop, type LoadResult } from './lib/load';
import { machineInfo } from './lib/machine';
import { round } from './lib/stats';
import { printTable } from './lib/table';

const { values: args } = parseArgs({
	options: {
		seconds: { type: 'string', default: '15' },
		concurrency: { type: 'string', default: '10' },
		'junk-rate': { type: 'string', default: '5' },
		mirror: { type: 'string', default: '6000' },
		warmup: { type: 'string', default: '3' },
		settings: { type: 'string', default: 'defaults,lazy' },
		'huge-posts': { type: 'string', default: '3' },
		'reader-runs': { type: 'string', default: '5' },
	},
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const JUNK_RATE = Number(args['junk-rate']);
const MIRROR = Number(args.mirror);
const WARMUP_S = Number(args.warmup);
const HUGE_POSTS = Number(args['huge-posts']);
const READER_RUNS = Number(args['reader-runs']);
/** The n8n settings of each pair of phases, by its `--settings` name. */
const PAIRS: Record<string, { label: string; env: Record<string, string> }> = {
	defaults: { label: 'n8n defaults', env: {} },
	lazy: { label: 'lazy isolate', env: { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' } },
};
const SETTINGS = args.settings.split(',').map((name) => {
	const pair = PAIRS[name.trim()];
	if (!pair) throw new Error(`--settings: ${name} is not one of ${Object.keys(PAIRS).join(', ')}`);
	return pair;
});
const WEBHOOK_ID = 'd0000000-0000-4000-8000-00000000000d';
const PATH = `/webhook/${WEBHOOK_ID}/v2/vehicle/status`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const log = (line: string) => process.stderr.write(`[push-hostile] ${line}\n`);

const iotCodeOf = (i: number) => `86100000${String(i).padStart(7, '0')}`;

function workflow(): object {
	const records: Array<[string, VehicleRecord]> = [];
	const now = Date.now();
	for (let i = 0; i < MIRROR; i++) records.push([iotCodeOf(i), { seenAt: now, lowBattery: false, states: '110', statusAt: now - 60_000 }]);
	return {
		id: 'benchPushHostile',
		name: 'bench: trigger (battery filter) beside junk',
		active: false,
		settings: { executionOrder: 'v1' },
		staticData: { 'node:Segway Fleet Trigger': { segwayVehicles: { seeded: { at: now, vehicles: encodeVehicles(records), recent: '' } } } },
		nodes: [
			{
				id: 'd0000000-0000-4000-8000-000000000001',
				name: 'Segway Fleet Trigger',
				type: TRIGGER_TYPE,
				typeVersion: 1.1,
				position: [0, 0],
				webhookId: WEBHOOK_ID,
				parameters: { events: ['status'], statusMode: 'batteryLow', batteryThreshold: 20 },
				credentials: { segwayFleetApi: { id: 'segwayFleetDemo1', name: 'Segway Fleet (simulator)' } },
			},
			{ id: 'd0000000-0000-4000-8000-000000000002', name: 'No Op', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [250, 0], parameters: {} },
		],
		connections: { 'Segway Fleet Trigger': { main: [[{ node: 'No Op', type: 'main', index: 0 }]] } },
	};
}

let clock = 0;
function genuine(index: number): string {
	clock = Math.max(Date.now(), clock + 1);
	const params: Record<string, string> = {
		iotCode: iotCodeOf(index % MIRROR),
		platformCode: DEMO_CLIENT.clientId,
		online: 'true',
		locked: 'false',
		charging: 'false',
		powerPercent: '80',
		statusUtcTime: String(clock),
	};
	params.signature = computeSignature(params, DEMO_CLIENT.clientSecret);
	return encodeForm(params);
}

const WELL_FORMED = '0'.repeat(32);
const TEXT_JUNK = `${'a=b&'.repeat(256 * 1024)}signature=${WELL_FORMED}`;
const jsonOfKeys = (count: number) => JSON.stringify({ signature: WELL_FORMED, ...Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v'])) });
const JSON_JUNK = jsonOfKeys(100_000);
const HUGE_JSON = jsonOfKeys(1_000_000);
const FORM_JUNK = `${Array.from({ length: 1_000 }, (_, i) => `k${i}=v`).join('&')}&signature=${WELL_FORMED}`;

function junk(index: number) {
	switch (index % 3) {
		case 0:
			return { path: PATH, headers: { 'content-type': 'text/plain' }, body: TEXT_JUNK };
		case 1:
			return { path: PATH, headers: { 'content-type': 'application/json' }, body: JSON_JUNK };
		default: {
			const params = { iotCode: iotCodeOf(index % MIRROR), platformCode: DEMO_CLIENT.clientId, statusUtcTime: String(Math.floor(Date.now() / 1000)), signature: computeSignature({ n: String(index) }, 'wrong') };
			return { path: PATH, headers: FORM, body: encodeForm(params) };
		}
	}
}

interface Row {
	settings: string;
	phase: string;
	genuine: LoadResult;
	junk?: LoadResult;
}

interface HugeRow {
	settings: string;
	statuses: number[];
	answerMs: number[];
}

interface ReaderRow {
	body: string;
	bytes: number;
	n8nParseMs: number;
	readerMs: number[];
	answer: string;
	enumerateMs: number[];
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** What the reader before did first: every key enumerated, stopping past MAX_FIELDS. */
function enumerateWithEarlyStop(body: unknown): number {
	let fields = 0;
	if (typeof body !== 'object' || body === null) return 0;
	for (const key in body) {
		if (!Object.prototype.hasOwnProperty.call(body, key)) continue;
		if (++fields > MAX_FIELDS) break;
	}
	return fields;
}

/** The node's own cost per junk body, in this process, beside n8n's parse of it. */
function readerCost(): ReaderRow[] {
	const bodies: Array<[string, string, string]> = [
		['JSON, 1,000,000 keys', 'application/json', HUGE_JSON],
		['JSON, 100,000 keys', 'application/json', JSON_JUNK],
		['text/plain, 1 MB', 'text/plain', TEXT_JUNK],
		['form, 1,000 keys (n8n keeps no more)', 'application/x-www-form-urlencoded', FORM_JUNK],
	];
	return bodies.map(([label, contentType, text]) => {
		const rawBody = Buffer.from(text);
		const started = performance.now();
		// middlewares/body-parser.js parseBody, n8n 2.41.1.
		const body: unknown =
			contentType === 'application/json' ? JSON.parse(text) : contentType === 'text/plain' ? text : parseQuery(text, undefined, undefined, { maxKeys: 1000 });
		const n8nParseMs = performance.now() - started;
		// The reader's runs first, then the enumerations: each of those leaves a million-key list for
		// the garbage collector, whose pauses would otherwise land in the reader's microseconds.
		const readerMs: number[] = [];
		let answer = '';
		for (let run = 0; run < READER_RUNS * 20; run++) {
			const t0 = performance.now();
			const read = readSignedPush(body, receivedBytes({ rawBody, headers: { 'content-type': contentType } }));
			readerMs.push(performance.now() - t0);
			answer = 'refused' in read ? read.refused : 'read';
		}
		const enumerateMs: number[] = [];
		for (let run = 0; run < READER_RUNS; run++) {
			const t1 = performance.now();
			enumerateWithEarlyStop(body);
			enumerateMs.push(performance.now() - t1);
		}
		return { body: label, bytes: rawBody.length, n8nParseMs, readerMs, answer, enumerateMs };
	});
}

async function runPair(label: string, env: Record<string, string>): Promise<{ rows: Row[]; huge: HugeRow }> {
	const n8n = await N8nInstance.create();
	try {
		await n8n.importCredentials([simulatorCredential('http://127.0.0.1:9', DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)]);
		await n8n.importWorkflows([workflow()]);
		await n8n.publish('benchPushHostile');
		await n8n.start({ EXECUTIONS_DATA_PRUNE: 'false', ...env });
		await waitFor('the webhook', async () => (await fetch(`${n8n.url}${PATH}`, { method: 'POST' })).status === 401);
		const accept = (status: number, body: string) => status === 200 && body === '{"code":0,"message":"success"}';
		const genuineLoad = () => closedLoop({ origin: n8n.url, concurrency: CONCURRENCY, durationS: SECONDS, accept, next: (i) => ({ path: PATH, headers: FORM, body: genuine(i) }) });
		log(`${label}: warm-up`);
		await closedLoop({ origin: n8n.url, concurrency: CONCURRENCY, durationS: WARMUP_S, accept, next: (i) => ({ path: PATH, headers: FORM, body: genuine(i) }) });
		log(`${label}: genuine pushes alone, ${SECONDS} s`);
		const alone = await genuineLoad();
		log(`${label}: genuine pushes with junk at ${JUNK_RATE}/s beside them, ${SECONDS} s`);
		const [withJunk, junkLoad] = await Promise.all([
			genuineLoad(),
			openLoop({
				origin: n8n.url,
				rate: JUNK_RATE,
				durationS: SECONDS,
				connections: 32,
				timeoutMs: 60_000,
				accept: (status) => status === 413 || status === 401,
				next: junk,
			}),
		]);
		log(`${label}: a JSON body of 1,000,000 keys, ${HUGE_POSTS} times on its own`);
		const huge: HugeRow = { settings: label, statuses: [], answerMs: [] };
		for (let i = 0; i < HUGE_POSTS; i++) {
			const started = performance.now();
			const response = await fetch(`${n8n.url}${PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: HUGE_JSON });
			await response.arrayBuffer();
			huge.answerMs.push(performance.now() - started);
			huge.statuses.push(response.status);
		}
		return {
			rows: [
				{ settings: label, phase: 'genuine alone', genuine: alone },
				{ settings: label, phase: `genuine + junk ${JUNK_RATE}/s`, genuine: withJunk, junk: junkLoad },
			],
			huge,
		};
	} finally {
		await n8n.dispose();
	}
}

async function main(): Promise<void> {
	log(`the node's own cost per junk body: the reader ${READER_RUNS * 20} runs each, the enumeration ${READER_RUNS}`);
	const reader = readerCost();
	printTable(
		['junk body, as n8n hands it over', 'bytes', "n8n's parse ms", 'node: reader µs (median)', 'node: reader µs (max)', 'answer', `keys enumerated, stop past ${MAX_FIELDS}: ms (median)`],
		reader.map((r) => [r.body, r.bytes, round(r.n8nParseMs, 1), round(median(r.readerMs) * 1000, 0), round(Math.max(...r.readerMs) * 1000, 0), r.answer, round(median(r.enumerateMs), 1)]),
	);
	log(`trigger memory seeded with ${MIRROR} vehicles; ${CONCURRENCY} genuine senders`);
	const rows: Row[] = [];
	const huge: HugeRow[] = [];
	for (const { label, env } of SETTINGS) {
		const pair = await runPair(label, env);
		rows.push(...pair.rows);
		huge.push(pair.huge);
	}
	printTable(
		['n8n settings', 'phase', 'genuine ack/s', 'p50 ms', 'p99 ms', 'genuine not acked', 'junk sent', 'junk refused (413/401)', 'junk other'],
		rows.map((r) => [
			r.settings,
			r.phase,
			round(r.genuine.ackPerSec, 0),
			round(r.genuine.latencyMs.p50, 1),
			round(r.genuine.latencyMs.p99, 1),
			r.genuine.sent - r.genuine.acknowledged,
			r.junk?.sent ?? '',
			r.junk?.acknowledged ?? '',
			r.junk ? JSON.stringify({ ...r.junk.rejected, ...r.junk.failed }) : '',
		]),
	);
	printTable(
		['n8n settings', 'JSON body of 1,000,000 keys: answers', 'answered in ms (median)', 'max ms'],
		huge.map((h) => [h.settings, h.statuses.join(' '), round(median(h.answerMs), 0), round(Math.max(...h.answerMs), 0)]),
	);
	mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
	writeFileSync(join(ROOT, 'bench/results/push-hostile.json'), JSON.stringify({ machine: machineInfo(), at: new Date().toISOString(), mirror: MIRROR, reader, huge, rows }, null, 2));
}

void main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
