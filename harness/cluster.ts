/**
 * n8n 2.41.1 in queue mode on this machine, as an operator who outgrew one process runs it:
 * Postgres and Redis (Debian's packages, scripts/cluster-deps.sh installs them), one main
 * process (editor, REST API, publishing), workers that run the executions, and webhook processes
 * (`n8n webhook`) behind HAProxy, which sends every push of one vehicle to the same webhook process
 * (it hashes the form body's `iotCode`, consistently, so a process that stops moves only its own
 * vehicles). All share one user folder (the package installed in it), one database and one
 * encryption key; each has its own ports. Everything lives in a temporary folder and is stopped by
 * stop(); processes can be killed, stopped and started one by one for fault tests.
 */
import { execFile } from 'child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createConnection } from 'net';
import { tmpdir, userInfo } from 'os';
import { join } from 'path';
import { promisify } from 'util';

import { freePort, N8nInstance } from './n8n';
import { ServiceProcess } from './process';
import { waitFor } from './wait';

const exec = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';
const ENCRYPTION_KEY = 'segway-cluster-encryption-key-0001';
/** After a drained process answered its last push, the time n8n gets to queue that push's run. */
const DRAIN_GRACE_MS = 2_000;

export interface ClusterOptions {
	/** `n8n webhook` processes behind the balancer (default 2). */
	webhookProcesses?: number;
	/** `n8n worker` processes (default 1). */
	workers?: number;
	/** Settings for every n8n process on top of the cluster's (e.g. N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE). */
	n8nSettings?: NodeJS.ProcessEnv;
	/** Ports to use instead of free ones (the demo script's fixed URLs). */
	ports?: { main?: number; balancer?: number };
}

interface WebhookSlot {
	name: string;
	port: number;
	brokerPort: number;
	process: ServiceProcess | undefined;
}

export class N8nCluster {
	readonly n8n: N8nInstance;
	private readonly dir: string;
	private readonly webhookSlots: WebhookSlot[] = [];
	private readonly workers: ServiceProcess[] = [];
	private redis: ServiceProcess | undefined;
	private balancer: ServiceProcess | undefined;
	private pgStarted = false;
	/** The balancer's verdicts on the webhook processes (HAProxy's "is DOWN" / "is UP"), as they came. */
	readonly balancerEvents: Array<{ at: number; line: string }> = [];

	private constructor(
		n8n: N8nInstance,
		dir: string,
		readonly pgPort: number,
		readonly redisPort: number,
		readonly balancerPort: number,
		private readonly options: ClusterOptions,
	) {
		this.n8n = n8n;
		this.dir = dir;
	}

	/** A user folder with the package, and the ports; nothing runs yet. */
	static async create(options: ClusterOptions = {}): Promise<N8nCluster> {
		const n8n = await N8nInstance.create(options.ports?.main);
		const dir = mkdtempSync(join(tmpdir(), 'segway-cluster-'));
		// Postgres runs as its own user, which must reach its folders.
		chmodSync(dir, 0o755);
		const cluster = new N8nCluster(n8n, dir, await freePort(), await freePort(), options.ports?.balancer ?? (await freePort()), options);
		for (let i = 0; i < (options.webhookProcesses ?? 2); i++) {
			cluster.webhookSlots.push({ name: `webhook-${i + 1}`, port: await freePort(), brokerPort: await freePort(), process: undefined });
		}
		n8n.settings = {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(cluster.pgPort),
			DB_POSTGRESDB_DATABASE: 'n8n',
			DB_POSTGRESDB_USER: 'postgres',
			DB_POSTGRESDB_PASSWORD: '',
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(cluster.redisPort),
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
			// Executions are counted afterwards: none may be pruned meanwhile.
			EXECUTIONS_DATA_PRUNE: 'false',
			...options.n8nSettings,
		};
		return cluster;
	}

	/** Where Segway pushes: the balancer. */
	get pushBaseUrl(): string {
		return `http://127.0.0.1:${this.balancerPort}`;
	}

	get mainUrl(): string {
		return this.n8n.url;
	}

	get webhookNames(): string[] {
		return this.webhookSlots.map((slot) => slot.name);
	}

	/** Postgres and Redis, then n8n's schema (an n8n CLI command migrates it); n8n itself does not run yet. */
	async startServices(): Promise<void> {
		await this.startPostgres();
		await this.startRedis();
		// Any n8n command migrates the database; this one also proves the settings reach it.
		const listed = await this.n8n.cli(['list:workflow'], 180_000);
		if (listed.code !== 0) throw new Error(`n8n could not use the cluster's database:\n${listed.stdout}\n${listed.stderr}`);
	}

	/** Main, workers, webhook processes and the balancer; resolves when pushes reach a webhook process. */
	async startN8n(): Promise<void> {
		await this.n8n.start();
		for (let i = 0; i < (this.options.workers ?? 1); i++) await this.startWorker(i);
		for (const slot of this.webhookSlots) await this.startWebhook(slot.name);
		await this.startBalancer();
	}

	async startWorker(i: number): Promise<void> {
		const healthPort = await freePort();
		const worker = this.n8n.spawn(
			'worker',
			{ N8N_RUNNERS_BROKER_PORT: String(await freePort()), QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(healthPort) },
			`n8n worker ${i + 1}`,
		);
		this.workers[i] = worker;
		await waitFor('an n8n worker', async () => {
			worker.assertRunning();
			const res = await fetch(`http://127.0.0.1:${healthPort}/healthz/readiness`).catch(() => undefined);
			return res?.status === 200;
		}, 120_000, 250);
	}

	/** Starts a webhook process (again); resolves when it answers its health check. */
	async startWebhook(name: string): Promise<void> {
		const slot = this.slot(name);
		if (slot.process?.running) return;
		const process = this.n8n.spawn('webhook', { N8N_PORT: String(slot.port), N8N_RUNNERS_BROKER_PORT: String(slot.brokerPort) }, `n8n ${name}`);
		slot.process = process;
		await waitFor(`n8n ${name}`, async () => {
			process.assertRunning();
			const res = await fetch(`http://127.0.0.1:${slot.port}/healthz/readiness`).catch(() => undefined);
			return res?.status === 200;
		}, 120_000, 250);
	}

	/**
	 * Restarts a webhook process the way a deploy should: the balancer drains it (its vehicles go
	 * to the others), and once it holds no request and has had DRAIN_GRACE_MS to hand the runs of
	 * its last answers to the queue, it is stopped (SIGTERM), started, and given its share back.
	 */
	async restartWebhook(name: string): Promise<void> {
		await this.balancerCommand(`set server webhooks/${name} state drain`);
		await waitFor(`${name} to finish its requests`, async () => (await this.currentSessions(name)) === 0, 60_000, 100);
		await new Promise((resolve) => setTimeout(resolve, DRAIN_GRACE_MS));
		await this.slot(name).process?.stop(30_000);
		await this.startWebhook(name);
		await this.balancerCommand(`set server webhooks/${name} state ready`);
		await waitFor(`the balancer to take ${name} back`, async () => (await this.serverStatus(name)).startsWith('UP'), 60_000, 100);
	}

	/** Stops a webhook process without draining it first (SIGTERM). */
	async stopWebhook(name: string): Promise<void> {
		await this.slot(name).process?.stop(30_000);
	}

	/** Kills a webhook process mid-stream (SIGKILL), as a crash or the OOM killer would. */
	async killWebhook(name: string): Promise<void> {
		await this.slot(name).process?.kill();
	}

	/** What a webhook process logged. */
	webhookLog(name: string): string {
		return this.slot(name).process?.log ?? '';
	}

	/** Redis goes away (SIGTERM) and comes back on the same port after `downMs`; when it had exited. */
	async restartRedis(downMs: number): Promise<{ exitedAt: number }> {
		await this.redis?.stop();
		const exitedAt = Date.now();
		await new Promise((resolve) => setTimeout(resolve, downMs));
		await this.startRedis();
		return { exitedAt };
	}

	/** Everything, in reverse order; the folders are removed unless SEGWAY_E2E_KEEP=1. */
	async stop(): Promise<void> {
		await this.balancer?.stop();
		await Promise.all(this.webhookSlots.map((slot) => slot.process?.stop()));
		await Promise.all(this.workers.map((worker) => worker.stop()));
		await this.n8n.stop();
		await this.redis?.stop();
		if (this.pgStarted) await this.asPostgres(`${PG_BIN}/pg_ctl`, ['-D', join(this.dir, 'pg'), '-m', 'fast', '-w', 'stop']).catch(() => undefined);
		if (process.env.SEGWAY_E2E_KEEP !== '1') rmSync(this.dir, { recursive: true, force: true });
		await this.n8n.dispose();
	}

	/**
	 * The processes of each server, by name, for CPU accounting: a process group (n8n, Redis,
	 * HAProxy), or for Postgres its postmaster and the server processes it starts.
	 */
	processParts(): Record<string, { group: number } | { tree: number }> {
		const groups: Record<string, number | undefined> = {
			main: this.n8n.processGroup,
			...Object.fromEntries(this.workers.map((w, i) => [`worker-${i + 1}`, w.pid])),
			...Object.fromEntries(this.webhookSlots.map((slot) => [slot.name, slot.process?.pid])),
			redis: this.redis?.pid,
			haproxy: this.balancer?.pid,
		};
		const parts: Record<string, { group: number } | { tree: number }> = {};
		for (const [name, group] of Object.entries(groups)) if (group !== undefined) parts[name] = { group };
		parts.postgres = { tree: Number(readFileSync(join(this.dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]) };
		return parts;
	}

	/** What a process logged, for a failing test's message. */
	logs(): string {
		const parts = [
			['main', this.n8n.log],
			...this.workers.map((w) => [w.name, w.log]),
			...this.webhookSlots.map((slot) => [slot.name, slot.process?.log ?? '']),
			['haproxy', this.balancer?.log ?? ''],
			['redis', this.redis?.log ?? ''],
		];
		return parts.map(([name, log]) => `--- ${name}\n${log.slice(-3000)}`).join('\n');
	}

	/** HAProxy's runtime API (`echo "show stat" | socat stdio <path>`). */
	get adminSocket(): string {
		return join(this.dir, 'haproxy.sock');
	}

	/** One command on HAProxy's runtime API; its answer. */
	balancerCommand(command: string): Promise<string> {
		return new Promise((resolve, reject) => {
			let answer = '';
			const socket = createConnection(this.adminSocket, () => socket.end(`${command}\n`));
			socket.on('data', (d: Buffer) => (answer += d.toString()));
			socket.on('end', () => resolve(answer));
			socket.on('error', reject);
		});
	}

	private async statRow(name: string): Promise<Record<string, string>> {
		const [header, ...rows] = (await this.balancerCommand('show stat')).trim().split('\n');
		const columns = header.replace(/^# /, '').split(',');
		const row = rows.map((r) => r.split(',')).find((cells) => cells[0] === 'webhooks' && cells[1] === name);
		if (row === undefined) throw new Error(`HAProxy shows no server ${name}`);
		return Object.fromEntries(columns.map((c, i) => [c, row[i]]));
	}

	private async currentSessions(name: string): Promise<number> {
		return Number((await this.statRow(name)).scur);
	}

	/** UP, DOWN, DRAIN, MAINT, with what HAProxy adds (e.g. "UP 1/2" while rising). */
	async serverStatus(name: string): Promise<string> {
		return (await this.statRow(name)).status;
	}

	private slot(name: string): WebhookSlot {
		const slot = this.webhookSlots.find((s) => s.name === name);
		if (slot === undefined) throw new Error(`no webhook process ${name}; there are ${this.webhookNames.join(', ')}`);
		return slot;
	}

	/** Postgres refuses to run as root: as root, its commands run as the `postgres` user. */
	private asPostgres(command: string, args: string[]) {
		return userInfo().uid === 0 ? exec('runuser', ['-u', 'postgres', '--', command, ...args]) : exec(command, args);
	}

	private async startPostgres(): Promise<void> {
		const data = join(this.dir, 'pg');
		const socket = join(this.dir, 'pg-socket');
		for (const folder of [data, socket]) {
			mkdirSync(folder, { recursive: true, mode: 0o700 });
			if (userInfo().uid === 0) {
				const { stdout } = await exec('id', ['-u', 'postgres']);
				const { stdout: gid } = await exec('id', ['-g', 'postgres']);
				chownSync(folder, Number(stdout.trim()), Number(gid.trim()));
			}
		}
		await this.asPostgres(`${PG_BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
		// Durability settings of a test database: nothing here must survive a power cut.
		const options = `-p ${this.pgPort} -k ${socket} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`;
		await this.asPostgres(`${PG_BIN}/pg_ctl`, ['-D', data, '-o', options, '-l', join(data, 'server.log'), '-w', 'start']);
		this.pgStarted = true;
		await exec('createdb', ['-h', '127.0.0.1', '-p', String(this.pgPort), '-U', 'postgres', 'n8n']);
	}

	private async startRedis(): Promise<void> {
		// Append-only file, synced every second and on shutdown: queued runs survive a restart.
		const folder = join(this.dir, 'redis');
		mkdirSync(folder, { recursive: true });
		const redis = new ServiceProcess('redis', 'redis-server', ['--port', String(this.redisPort), '--bind', '127.0.0.1', '--dir', folder, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'], {});
		this.redis = redis;
		await waitFor('redis', () => {
			redis.assertRunning();
			return /Ready to accept connections/.test(redis.log);
		}, 30_000, 100);
	}

	private async startBalancer(): Promise<void> {
		const config = join(this.dir, 'haproxy.cfg');
		writeFileSync(config, haproxyConfig(this.balancerPort, this.webhookSlots, this.adminSocket));
		const balancer = new ServiceProcess('haproxy', 'haproxy', ['-f', config, '-db'], {});
		this.balancer = balancer;
		balancer.onLine((line) => {
			if (/ is (DOWN|UP)\b/.test(line)) this.balancerEvents.push({ at: Date.now(), line: line.replace(/^\[WARNING\]\s+\(\d+\) : /, '') });
		});
		await waitFor('the balancer to see the webhook processes', async () => {
			balancer.assertRunning();
			// An unsigned push is refused with 401 by the trigger, 404 by n8n without it: either way a
			// webhook process answered through the balancer (503 while none is up yet).
			const res = await fetch(`${this.pushBaseUrl}/healthz`).catch(() => undefined);
			return res?.status === 200;
		}, 60_000, 250);
	}
}

/**
 * Every push of one vehicle to the same webhook process: the form body is buffered and hashed on
 * its `iotCode` (consistent hashing: a server that goes down moves only its own vehicles, and
 * they come back when it returns). A connection that fails, or a process that dies before it
 * answers, is retried once on another server; a server that fails two readiness checks (0.5 s
 * apart) gets no new pushes until it passes two. The admin socket lets a deploy drain a server
 * (no new pushes, its vehicles go to the others) before stopping its process.
 */
export function haproxyConfig(port: number, servers: ReadonlyArray<{ name: string; port: number }>, adminSocket: string): string {
	return [
		'global',
		'  maxconn 4096',
		`  stats socket ${adminSocket} mode 600 level admin`,
		'defaults',
		'  mode http',
		'  timeout connect 2s',
		'  timeout client 30s',
		'  timeout server 30s',
		'  retries 1',
		'  option redispatch 1',
		'  retry-on conn-failure empty-response',
		'frontend pushes',
		`  bind 127.0.0.1:${port}`,
		'  default_backend webhooks',
		'backend webhooks',
		'  option http-buffer-request',
		'  balance url_param iotCode check_post',
		'  hash-type consistent',
		'  option httpchk GET /healthz/readiness',
		// Which process answered, for the fault tests' accounting.
		'  http-response set-header X-Webhook-Process %[srv_name]',
		'  http-check expect status 200',
		'  default-server inter 500ms fall 2 rise 2',
		...servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} check`),
		'',
	].join('\n');
}
