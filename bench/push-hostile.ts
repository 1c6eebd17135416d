/**
 * Genuine pushes while junk arrives alongside, in real n8n 2.41.1: the trigger (battery filter,
 * its memory full: ≈ 6,000 vehicles in static data, what a 100,000-vehicle fleet keeps there) is
 * fed signed status pushes by closed-loop senders, first alone, then with junk senders beside
 * them at a fixed rate:
 *   - 1 MB text/plain bodies with a well-formed signature (refused at the trigger's bound, 413),
 *   - JSON bodies of 100,000 keys (n8n parses them; the trigger refuses them unsorted, 413),
 *   - small pushes with a well-formed wrong signature (401; one credential read per 4 s).
 * Reports genuine pushes acknowledged per second and their latency, and how the junk was
 * answered. A second pair of phases repeats it with n8n's N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE,
 * which the README recommends for large fleets.
 *
 *   npm run bench:push-hostile [-- --seconds 15 --concurrency 10 --junk-rate 5 --warmup 3 --settings defaults,lazy]
 *
 * `--settings` picks the pairs of phases to run: `defaults`, `lazy` or both (smoke runs: one).
 *
 * Prints a table and writes bench/results/push-hostile.json.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseArgs } from 'util';

import { computeSignature } from '../api/catalog/signature';
import { N8nInstance, ROOT, simulatorCredential, TRIGGER_TYPE } from '../harness/n8n';
import { waitFor } from '../harness/wait';
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
	},
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const JUNK_RATE = Number(args['junk-rate']);
const MIRROR = Number(args.mirror);
const WARMUP_S = Number(args.warmup);
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
const JSON_JUNK = JSON.stringify({ signature: WELL_FORMED, ...Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 'v'])) });

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

async function runPair(label: string, env: Record<string, string>): Promise<Row[]> {
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
		return [
			{ settings: label, phase: 'genuine alone', genuine: alone },
			{ settings: label, phase: `genuine + junk ${JUNK_RATE}/s`, genuine: withJunk, junk: junkLoad },
		];
	} finally {
		await n8n.dispose();
	}
}

async function main(): Promise<void> {
	log(`trigger memory seeded with ${MIRROR} vehicles; ${CONCURRENCY} genuine senders`);
	const rows: Row[] = [];
	for (const { label, env } of SETTINGS) rows.push(...(await runPair(label, env)));
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
	mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
	writeFileSync(join(ROOT, 'bench/results/push-hostile.json'), JSON.stringify({ machine: machineInfo(), at: new Date().toISOString(), mirror: MIRROR, rows }, null, 2));
}

void main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
