/**
 * How soon a changed client secret takes effect in real n8n (2.41.1, or 1.123.81 with
 * SEGWAY_N8N_LINE=1). A sender holding the old secret posts a signed push every 25 ms, as someone
 * with a leaked secret would; meanwhile the credential is saved with a new secret through n8n's
 * REST API (PATCH /rest/credentials/:id, what the editor's Save sends). Each trial reports the
 * time from the save being answered to the first push refused (401), and whether a push signed
 * with the new secret is then taken. Trials start at random moments, so the copy the trigger
 * holds is of any age when the secret changes: the largest figure approaches the bound
 * (SECRET_CACHE_MS) plus one request's time.
 *
 *   npm run bench:secret-rotation [-- --trials 10]
 *
 * Prints a table and writes bench/results/secret-rotation-n8n<line>.json.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { setTimeout as sleep } from 'timers/promises';
import { parseArgs } from 'util';

import { computeSignature } from '../api/catalog/signature';
import { DEMO_CREDENTIAL, N8N, N8nInstance, ROOT, simulatorCredential, TRIGGER_TYPE, type RestClient } from '../harness/n8n';
import { waitFor } from '../harness/wait';
import { SECRET_CACHE_MS } from '../nodes/SegwayFleetTrigger/secret';
import { DEMO_CLIENT, encodeForm } from '../simulator';
import { machineInfo } from './lib/machine';
import { summarize } from './lib/stats';
import { printTable } from './lib/table';

const { values: args } = parseArgs({ options: { trials: { type: 'string', default: '10' } } });
const TRIALS = Number(args.trials);
const WEBHOOK_ID = 'd0000000-0000-4000-8000-0000000005ec';
const PATH = `/webhook/${WEBHOOK_ID}/v2/vehicle/alert`;
const SEND_EVERY_MS = 25;
const log = (line: string) => process.stderr.write(`[secret-rotation] ${line}\n`);

const workflow = {
	id: 'benchSecretRot',
	name: 'bench: trigger while its secret changes',
	active: false,
	settings: { executionOrder: 'v1' },
	nodes: [
		{
			id: 'd0000000-0000-4000-8000-000000000051',
			name: 'Segway Fleet Trigger',
			type: TRIGGER_TYPE,
			typeVersion: 1.1,
			position: [0, 0],
			webhookId: WEBHOOK_ID,
			parameters: { events: ['alert'], alertCodes: [1] },
			credentials: { segwayFleetApi: DEMO_CREDENTIAL },
		},
	],
	connections: {},
};

/** An alert signed with `secret`; code 2 starts nothing, so the same push can be sent again and again. */
function alert(secret: string, code: number): string {
	const params = { iotCode: '861000000000042', platformCode: DEMO_CLIENT.clientId, statusUtcTime: String(Math.floor(Date.now() / 1000)), alertStatus: '0', code: String(code) };
	return encodeForm({ ...params, signature: computeSignature(params, secret) });
}

async function postAlert(n8n: N8nInstance, body: string): Promise<number> {
	const res = await fetch(`${n8n.url}${PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
	await res.arrayBuffer();
	return res.status;
}

/** Saves the credential with another client secret, as the editor's Save does. */
async function saveSecret(rest: RestClient, clientSecret: string): Promise<void> {
	const { type, data } = simulatorCredential('http://127.0.0.1:9', DEMO_CLIENT.clientId, clientSecret);
	await rest.patch(`/rest/credentials/${DEMO_CREDENTIAL.id}`, { name: DEMO_CREDENTIAL.name, type, data });
}

interface Trial {
	trial: number;
	/** From the save being answered to the first refused push; negative: refused before the answer arrived. */
	refusedAfterMs: number;
	/** Pushes with the old secret accepted after the save was answered. */
	acceptedAfterSave: number;
	/** The first push signed with the new secret, right after: its answer. */
	newSecretStatus: number;
}

async function trial(n8n: N8nInstance, rest: RestClient, index: number, oldSecret: string, newSecret: string): Promise<Trial> {
	const old = alert(oldSecret, 2);
	if ((await postAlert(n8n, old)) !== 200) throw new Error(`trial ${index}: the old secret is not accepted before the change`);
	// A random phase of the trigger's copy against the moment of the change.
	await sleep(Math.random() * SECRET_CACHE_MS * 1.5);
	let savedAt: number | undefined;
	let refusedAt: number | undefined;
	let acceptedAfterSave = 0;
	const sender = (async () => {
		const giveUpAt = Date.now() + 120_000;
		while (refusedAt === undefined) {
			const status = await postAlert(n8n, old);
			if (status === 401) refusedAt = Date.now();
			else if (status !== 200) throw new Error(`trial ${index}: the old secret's push answered ${status}`);
			else if (savedAt !== undefined) acceptedAfterSave++;
			if (Date.now() > giveUpAt) throw new Error(`trial ${index}: the old secret still verifies 120 s after the change`);
			await sleep(SEND_EVERY_MS);
		}
	})();
	await sleep(200);
	await saveSecret(rest, newSecret);
	savedAt = Date.now();
	await sender;
	const newSecretStatus = await postAlert(n8n, alert(newSecret, 2));
	return { trial: index, refusedAfterMs: refusedAt! - savedAt, acceptedAfterSave, newSecretStatus };
}

async function main(): Promise<void> {
	const n8n = await N8nInstance.create();
	const trials: Trial[] = [];
	try {
		await n8n.importCredentials([simulatorCredential('http://127.0.0.1:9', DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)]);
		await n8n.importWorkflows([workflow]);
		await n8n.publish(workflow.id);
		await n8n.start();
		const rest = await n8n.login();
		await waitFor('the webhook', async () => (await fetch(`${n8n.url}${PATH}`, { method: 'POST' })).status === 401);
		log(`n8n ${N8N.version}: ${TRIALS} changes of the secret, a push with the old one every ${SEND_EVERY_MS} ms`);
		const secrets = [DEMO_CLIENT.clientSecret, 'bench-rotated-secret'];
		for (let i = 0; i < TRIALS; i++) {
			trials.push(await trial(n8n, rest, i + 1, secrets[i % 2], secrets[(i + 1) % 2]));
			log(`trial ${i + 1}: old secret refused ${trials[i].refusedAfterMs} ms after the save`);
		}
	} finally {
		await n8n.dispose();
	}
	printTable(
		['trial', 'old secret refused after (ms)', 'old-secret pushes accepted after the save', 'new secret: first push'],
		trials.map((t) => [t.trial, t.refusedAfterMs, t.acceptedAfterSave, t.newSecretStatus]),
	);
	const summary = summarize(trials.map((t) => t.refusedAfterMs));
	console.log(
		`n8n ${N8N.version}: the old secret was refused ${summary.min}–${summary.max} ms after the credential was saved (median ${summary.p50} ms; bound ${SECRET_CACHE_MS} ms); ` +
			`the new secret's first push: ${trials.filter((t) => t.newSecretStatus === 200).length}/${trials.length} taken`,
	);
	mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
	writeFileSync(
		join(ROOT, `bench/results/secret-rotation-n8n${N8N.line}.json`),
		JSON.stringify({ machine: machineInfo(), at: new Date().toISOString(), n8n: N8N.version, boundMs: SECRET_CACHE_MS, summary, trials }, null, 2),
	);
}

void main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
