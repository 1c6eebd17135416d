/**
 * The demo in n8n queue mode (scripts/cluster.sh runs it): harness/cluster.ts's cluster (Postgres,
 * Redis, main, one worker, two webhook processes behind HAProxy) with the package, the demo
 * credential and the example workflows, the two demo workflows published, and the simulator
 * pushing a fleet in mixed states to the balancer. Ctrl-C stops everything it started.
 *
 * Environment: N8N_PORT (5678, the editor), BALANCER_PORT (5680, where Segway pushes),
 * SIM_PORT (8080), DEMO_TIME_SCALE (10).
 */
import { readFileSync } from 'fs';
import { join } from 'path';

import { N8nCluster } from '../harness/cluster';
import { readExamples, ROOT, simulatorCredential, TRIGGER_TYPE } from '../harness/n8n';
import { DEMO_CLIENT, startSimulator, type Simulator } from '../simulator/index';

const DEMO_WORKFLOWS = ['exDemoPushLog01', 'exDemoLowBatt01'];
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

async function main(): Promise<void> {
	const started = Date.now();
	const say = (text: string) => console.log(`[cluster ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${text}`);
	const cluster = await N8nCluster.create({
		webhookProcesses: 2,
		workers: 1,
		ports: { main: port('N8N_PORT', 5678), balancer: port('BALANCER_PORT', 5680) },
		n8nSettings: { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true', N8N_LOG_LEVEL: 'warn' },
	});
	let sim: Simulator | undefined;
	let stopping: Promise<void> | undefined;
	const stop = () =>
		(stopping ??= (async () => {
			say('stopping the simulator, n8n, HAProxy, Redis and Postgres');
			await sim?.close();
			await cluster.stop();
			say('stopped');
		})());
	process.once('SIGINT', () => void stop().then(() => process.exit(130)));
	process.once('SIGTERM', () => void stop().then(() => process.exit(143)));

	try {
		const demo = readExamples().filter((e) => DEMO_WORKFLOWS.includes(String(e.workflow.id)));
		const pushUrls = demo.map(({ workflow }) => `${cluster.pushBaseUrl}/webhook/${workflow.nodes.find((n) => n.type === TRIGGER_TYPE)?.webhookId}`);
		sim = await startSimulator({
			port: port('SIM_PORT', 8080),
			vehicles: 20,
			pushTo: pushUrls[0],
			alsoPushTo: pushUrls.slice(1),
			pushEnabled: false,
			timeScale: Number(process.env.DEMO_TIME_SCALE ?? 10),
			alertRatePerHour: 0.5,
			faultRatePerHour: 0.2,
		});
		say('Postgres and Redis (Debian packages, run from a temporary folder)');
		await cluster.startServices();
		say('the demo credential, the example workflows, the two demo workflows published');
		await cluster.n8n.importCredentials([simulatorCredential(sim.url, DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)]);
		await cluster.n8n.importWorkflowFolder(join(ROOT, 'examples'));
		for (const id of DEMO_WORKFLOWS) await cluster.n8n.publish(id);
		say('n8n main, a worker, two webhook processes and HAProxy');
		await cluster.startN8n();
		const codes = sim.iotCodes;
		// A fleet in mixed states, as in the single-process demo.
		for (const i of [1, 2, 3]) await sim.fleet.update(codes[i], { locked: false });
		await sim.fleet.update(codes[4], { charging: true, powerPercent: 35 });
		await sim.fleet.update(codes[5], { online: false });
		await sim.fleet.update(codes[6], { powerPercent: 15 });
		sim.configure({ pushEnabled: true });
		console.log(banner(cluster, sim, pushUrls));
	} catch (error) {
		console.error(error);
		console.error(cluster.logs());
		await stop();
		process.exit(1);
	}
}

function banner(cluster: N8nCluster, sim: Simulator, pushUrls: string[]): string {
	const imei = sim.iotCodes[0];
	const version = JSON.parse(readFileSync(join(ROOT, 'harness/n8n-lines.json'), 'utf8'))['2'].version as string;
	return `
  n8n ${version} in queue mode: editor http://localhost:${cluster.n8n.port}, pushes through HAProxy at ${cluster.pushBaseUrl}
  ───────────────────────────────────────────────────────────────────────────────
  Processes: main (editor, REST API, publishing), 1 worker (runs the executions),
  ${cluster.webhookNames.join(' and ')} (n8n webhook, answer the pushes) behind HAProxy, which sends
  every push of one vehicle to the same webhook process (hash of the form body's iotCode).
  Postgres and Redis run from a temporary folder and are removed on Ctrl-C.

  1. Open http://localhost:${cluster.n8n.port} and set up the owner account (a password of 8+
     characters with a digit and a capital letter, e.g. Segway-Demo1).
  2. The simulator pushes to the two published demo workflows:
       ${pushUrls.join('\n       ')}
     "Segway demo: every push" and "Segway demo: low battery → swap list" → Executions.
  3. Make something happen:
       curl -X PATCH ${sim.url}/_admin/vehicles/${imei} -d '{"powerPercent":12}'   # low-battery run
  4. Which process answers a push: the X-Webhook-Process header of its answer; HAProxy's
     runtime API: echo "show stat" | socat stdio ${cluster.adminSocket}
  Ctrl-C stops everything it started.
`;
}

void main();
