/**
 * A real n8n for end-to-end tests: a fresh user folder with the package installed from its
 * `npm pack` tarball (as users get it), the n8n CLI (import, execute, publish) and `n8n start` on
 * free ports, on the Node that scripts/n8n-cache.sh keeps in .cache for that n8n line:
 * 2.41.1 on Node 24 (the default), or 1.123.81 on Node 22 with SEGWAY_N8N_LINE=1.
 */
import { execFile } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

import { lastJsonBlock } from './cli-output';
import LINES_FILE from './n8n-lines.json';
import { ServiceProcess } from './process';
import { waitFor } from './wait';

export const ROOT = resolve(__dirname, '..');
const CACHE = process.env.SEGWAY_N8N_CACHE_DIR ?? process.env.SEGWAY_N8N_CACHE ?? join(ROOT, '.cache');

/**
 * The n8n lines the package is tested with (n8n-lines.json, also read by scripts/n8n-cache.sh);
 * where one needs another path, this file says so.
 */
export const N8N_LINES: Readonly<Record<'1' | '2', { version: string; node: number; nodeDir: string; n8nDir: string }>> = LINES_FILE;
type Line = keyof typeof N8N_LINES;
const line = (process.env.SEGWAY_N8N_LINE ?? '2') as Line;
if (!(line in N8N_LINES)) throw new Error(`SEGWAY_N8N_LINE must be 1 or 2, got ${line}`);

/** The n8n this process tests: `N8N.version` for suite titles. */
export const N8N = { line, ...N8N_LINES[line] };
const NODE_BIN = join(CACHE, N8N.nodeDir, 'node_modules/node/bin');
export const N8N_BIN = join(CACHE, N8N.n8nDir, 'node_modules/.bin/n8n');

export const PACKAGE = 'n8n-nodes-segway-fleet';
export const ACTION_TYPE = `${PACKAGE}.segwayFleet`;
export const TRIGGER_TYPE = `${PACKAGE}.segwayFleetTrigger`;

/**
 * A port nobody listens on, chosen below the kernel's ephemeral range. A port from listen(0) lies
 * inside that range, and between the check and n8n's own listen an outgoing connection of any
 * process on the machine may take it (CI saw "n8n's port … is already in use"); below the range
 * only a listener can, and the ports this process handed out are never handed out again.
 */
export async function freePort(): Promise<number> {
	const [low] = ephemeralRange();
	const top = Math.min(low, 32768);
	for (let attempt = 0; attempt < 200; attempt++) {
		const port = PORT_FLOOR + Math.floor(Math.random() * (top - PORT_FLOOR));
		if (handedOut.has(port)) continue;
		handedOut.add(port);
		if (await canListen(port)) return port;
	}
	throw new Error(`no free port between ${PORT_FLOOR} and ${top}`);
}

/** Above the well-known and registered services a test machine runs (5432, 6379, 5678, 8080…). */
const PORT_FLOOR = 10000;
const handedOut = new Set<number>();

function ephemeralRange(): [number, number] {
	try {
		const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
		if (low > PORT_FLOOR + 1000 && high >= low) return [low, high];
	} catch {
		// Not Linux: the IANA range, which macOS uses.
	}
	return [49152, 65535];
}

/** Without a host, as n8n listens: on :: where the machine has IPv6, which also takes IPv4. */
function canListen(port: number): Promise<boolean> {
	return new Promise((done) => {
		const server = createServer();
		server.once('error', () => done(false));
		server.listen(port, () => server.close(() => done(true)));
	});
}

export interface CliResult {
	code: number;
	/** The signal that ended the process, if one did (code is then 1). */
	signal?: string;
	stdout: string;
	stderr: string;
}

export interface CredentialImport {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

/** What `n8n execute --rawOutput` prints: the run's data. */
export interface RunResult {
	finished?: boolean;
	data: {
		resultData: {
			runData: Record<string, Array<{ executionStatus?: string; data?: { main: Array<Array<{ json: Record<string, unknown> }> | null> } }>>;
			error?: { message?: string };
			lastNodeExecuted?: string;
		};
	};
}

function isRunResult(value: unknown): value is RunResult {
	const resultData = (value as Partial<RunResult> | undefined)?.data?.resultData;
	return typeof resultData === 'object' && resultData !== null && typeof resultData.runData === 'object';
}


export class N8nInstance {
	readonly userFolder: string;
	readonly url: string;
	/** Settings every n8n command of this instance gets (a cluster's database and queue). */
	settings: NodeJS.ProcessEnv = {};
	private server: ServiceProcess | undefined;
	private ownerSetUp = false;

	private constructor(
		readonly port: number,
		readonly brokerPort: number,
	) {
		this.userFolder = mkdtempSync(join(tmpdir(), 'segway-e2e-n8n-'));
		this.url = `http://localhost:${port}`;
	}

	/** A new user folder with the packed package installed; nothing runs yet. */
	static async create(port?: number): Promise<N8nInstance> {
		if (!existsSync(N8N_BIN) || !existsSync(join(NODE_BIN, 'node'))) {
			throw new Error(`n8n ${N8N.version} is not installed in ${CACHE}: run the tests with npm run test:e2e (it runs scripts/n8n-cache.sh ${N8N.line})`);
		}
		const instance = new N8nInstance(port ?? (await freePort()), await freePort());
		await run('bash', [join(ROOT, 'scripts/install-into-n8n.sh'), instance.userFolder], { cwd: ROOT }).then((r) => {
			if (r.code !== 0) throw new Error(`installing the package failed:\n${r.stderr}`);
		});
		return instance;
	}

	get env(): NodeJS.ProcessEnv {
		// Jest's own variables (NODE_ENV=test, JEST_WORKER_ID) stay out of n8n.
		const { NODE_ENV: _nodeEnv, JEST_WORKER_ID: _worker, NODE_OPTIONS: _options, ...inherited } = process.env;
		return {
			...inherited,
			PATH: `${NODE_BIN}:${process.env.PATH ?? ''}`,
			N8N_USER_FOLDER: this.userFolder,
			N8N_PORT: String(this.port),
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_LOG_LEVEL: 'info',
			...this.settings,
		};
	}

	/** `extraEnv` adds to or overrides `env` for this command only (e.g. NODE_OPTIONS for a profile). */
	cli(args: string[], timeoutMs = 120000, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
		return run(N8N_BIN, args, { env: { ...this.env, ...extraEnv }, cwd: this.userFolder, timeoutMs });
	}

	private async cliOk(args: string[]): Promise<CliResult> {
		const result = await this.cli(args);
		if (result.code !== 0) throw new Error(`n8n ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
		return result;
	}

	private writeJson(name: string, value: unknown): string {
		const file = join(this.userFolder, name);
		writeFileSync(file, JSON.stringify(value, null, 2));
		return file;
	}

	async importCredentials(credentials: CredentialImport[]): Promise<void> {
		await this.cliOk(['import:credentials', `--input=${this.writeJson('e2e-credentials.json', credentials)}`]);
	}

	async importWorkflows(workflows: Array<{ id?: string }>): Promise<void> {
		// n8n 1.x silently never saves static data of a workflow whose ID is longer than 16 characters.
		const long = workflows.filter((w) => (w.id ?? '').length > 16).map((w) => w.id);
		if (long.length > 0) throw new Error(`workflow IDs over 16 characters (n8n's own length): ${long.join(', ')}`);
		await this.cliOk(['import:workflow', `--input=${this.writeJson('e2e-workflows.json', workflows)}`]);
	}

	/** Every file of a folder, as `n8n import:workflow --separate` takes them. */
	async importWorkflowFolder(folder: string): Promise<CliResult> {
		return this.cliOk(['import:workflow', '--separate', `--input=${folder}`]);
	}

	/** Makes the workflow active from the next start: 2.x publishes it, 1.x has no publishing and activates it. */
	async publish(workflowId: string): Promise<void> {
		await this.cliOk(N8N.line === '2' ? ['publish:workflow', `--id=${workflowId}`] : ['update:workflow', `--id=${workflowId}`, '--active=true']);
	}

	/** `n8n execute --id --rawOutput`: the run data, also when the run failed (exit code 1). */
	async execute(workflowId: string): Promise<{ code: number; run: RunResult | undefined; output: string }> {
		const result = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput']);
		const run = lastJsonBlock(result.stdout, isRunResult);
		// n8n 2.41.1 on Node 24 often dies by SIGSEGV as it exits on a loaded machine, after printing
		// the whole run (shared n8n notes): then the printed run says how it went.
		const diedAfterRun = result.signal !== undefined && run?.finished === true;
		const code = diedAfterRun ? (run.data.resultData.error === undefined ? 0 : 1) : result.code;
		const output = `${result.stdout}\n${result.stderr}${result.signal ? `\n(n8n execute ended by ${result.signal})` : ''}`;
		return { code, run, output };
	}

	/**
	 * `n8n start` in its own process group; resolves once the readiness check and the REST API answer 200.
	 * `extraEnv` adds to or overrides `env` for this server only (benchmarks: settings, NODE_OPTIONS).
	 */
	async start(extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
		const server = this.spawn('start', extraEnv);
		this.server = server;
		await waitFor(
			'n8n readiness',
			async () => {
				server.assertRunning();
				const res = await fetch(`${this.url}/healthz/readiness`).catch(() => undefined);
				if (res?.status !== 200) return undefined;
				// 1.x answers readiness once its database is up, before its REST routes exist.
				const settings = await fetch(`${this.url}/rest/settings`).catch(() => undefined);
				return settings?.status === 200 ? true : undefined;
			},
			90000,
			250,
		);
	}

	/** Another n8n process on this user folder (`worker`, `webhook`), with `env` on top of this instance's. */
	spawn(command: 'start' | 'worker' | 'webhook', env: NodeJS.ProcessEnv = {}, name = `n8n ${command}`): ServiceProcess {
		return new ServiceProcess(name, N8N_BIN, [command], { env: { ...this.env, ...env }, cwd: this.userFolder });
	}

	get log(): string {
		return this.server?.log ?? '';
	}

	/** The process group of `n8n start` (its task runners included), while it runs. */
	get processGroup(): number | undefined {
		return this.server?.pid;
	}

	async stop(): Promise<void> {
		await this.server?.stop();
	}

	async dispose(): Promise<void> {
		await this.stop();
		if (process.env.SEGWAY_E2E_KEEP !== '1') rmSync(this.userFolder, { recursive: true, force: true });
	}

	/** Owner account (the first time) + login through n8n's internal REST API (what the editor uses). */
	async login(): Promise<RestClient> {
		const owner = { email: 'e2e-owner@example.com', firstName: 'E2E', lastName: 'Owner', password: 'E2e-Passw0rd!' };
		if (!this.ownerSetUp) {
			const setup = await fetch(`${this.url}/rest/owner/setup`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(owner),
			});
			if (setup.status !== 200) throw new Error(`owner setup answered ${setup.status}: ${await setup.text()}`);
			this.ownerSetUp = true;
		}
		const login = await fetch(`${this.url}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: owner.email, password: owner.password }),
		});
		if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
		const cookie = (login.headers.getSetCookie?.() ?? [login.headers.get('set-cookie') ?? ''])
			.map((c) => c.split(';')[0])
			.join('; ');
		return new RestClient(this.url, cookie);
	}
}

export class RestClient {
	constructor(
		readonly url: string,
		private readonly cookie: string,
	) {}

	async get<T = unknown>(path: string): Promise<T> {
		const res = await fetch(`${this.url}${path}`, { headers: { cookie: this.cookie } });
		if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
		return (await res.json()) as T;
	}

	post<T = unknown>(path: string, body: unknown): Promise<T> {
		return this.send<T>('POST', path, body);
	}

	/** What the editor's Save sends for a credential or a workflow. */
	patch<T = unknown>(path: string, body: unknown): Promise<T> {
		return this.send<T>('PATCH', path, body);
	}

	private async send<T>(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<T> {
		const res = await fetch(`${this.url}${path}`, {
			method,
			headers: { cookie: this.cookie, 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
		if (res.status !== 200) throw new Error(`${method} ${path} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
		return (await res.json()) as T;
	}
}

function run(
	command: string,
	args: string[],
	options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
	return new Promise((resolveRun) => {
		execFile(
			command,
			args,
			{ env: options.env ?? process.env, cwd: options.cwd, timeout: options.timeoutMs ?? 120000, maxBuffer: 64 * 1024 * 1024 },
			(error, stdout, stderr) => {
				const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
				resolveRun({ code, signal: error?.signal ?? undefined, stdout: String(stdout), stderr: String(stderr) });
			},
		);
	});
}

/** The example workflows shipped in examples/. */
export function readExamples(): Array<{ file: string; workflow: ExampleWorkflow }> {
	const folder = join(ROOT, 'examples');
	return require('fs')
		.readdirSync(folder)
		.filter((f: string) => f.endsWith('.json'))
		.sort()
		.map((file: string) => ({ file, workflow: JSON.parse(readFileSync(join(folder, file), 'utf8')) as ExampleWorkflow }));
}

export interface WorkflowNode {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	webhookId?: string;
	onError?: string;
}

export interface ExampleWorkflow {
	id: string;
	name: string;
	nodes: WorkflowNode[];
	connections: Record<string, { main: Array<Array<{ node: string; type: string; index: number }>> }>;
}

/** The credential id and name the examples reference; tests and the demo import it under them. */
export const DEMO_CREDENTIAL = { id: 'segwayFleetDemo1', name: 'Segway Fleet (simulator)' };

export function simulatorCredential(baseUrl: string, clientId: string, clientSecret: string): CredentialImport {
	return { ...DEMO_CREDENTIAL, type: 'segwayFleetApi', data: { clientId, clientSecret, region: 'custom', baseUrl } };
}

/** Items of a node's first output in a run. */
export function outputOf(run: RunResult | undefined, nodeName: string, output = 0): Array<Record<string, unknown>> {
	const runs = run?.data.resultData.runData[nodeName];
	if (!runs || runs.length === 0) throw new Error(`node "${nodeName}" did not run`);
	return (runs[0].data?.main[output] ?? []).map((item) => item.json);
}
