/**
 * `bash scripts/demo.sh` as a user runs it, on free ports in a new n8n user folder, and what it
 * printed, parsed: a test follows the printed steps instead of a copy of them, so the text and
 * what works cannot drift apart.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { freePort, ROOT } from './n8n';
import { ServiceProcess } from './process';
import { waitFor } from './wait';

/** A printed command and the comment printed after it (`# a. lifted-up alert`). */
export interface PrintedCommand {
	command: string;
	comment: string;
}

export interface DemoText {
	/** The whole block printed once n8n is ready. */
	text: string;
	url: string;
	simulatorUrl: string;
	/** Requests per second the demo says its simulator pushes into n8n. */
	pushRate: number;
	/** The printed steps by number: "1" … "6". */
	steps: Readonly<Record<string, string>>;
	/** Quoted names in a step's text, in order ("Segway demo: …"). */
	quoted(step: string): string[];
	/** The `curl` lines of a step, in order. */
	commands(step: string): PrintedCommand[];
}

const LAST_LINE = 'Ctrl-C stops n8n and the simulator.';

export function parseDemoText(output: string): DemoText {
	const start = output.search(/^ {2}n8n [\d.]+s after start: /m);
	const end = output.indexOf(LAST_LINE, start);
	if (start < 0 || end < 0) throw new Error(`the demo printed no steps:\n${output.slice(-3000)}`);
	const text = output.slice(start, end + LAST_LINE.length);
	const url = /after start: (http\S+)/.exec(text)?.[1];
	const simulatorUrl = /base URL (http\S+),/.exec(text)?.[1];
	const pushRate = Number(/pushes ≈ ([\d.]+) requests\/s/.exec(text)?.[1]);
	if (!url || !simulatorUrl || !Number.isFinite(pushRate)) throw new Error(`the demo's text lacks its URLs or push rate:\n${text}`);
	const steps: Record<string, string> = {};
	for (const part of text.split(/^ {2}(?=\d\. )/m).slice(1)) steps[part.slice(0, 1)] = part.slice(3);
	const stepText = (step: string) => {
		const body = steps[step];
		if (body === undefined) throw new Error(`the demo printed no step ${step}:\n${text}`);
		return body;
	};
	return {
		text,
		url,
		simulatorUrl,
		pushRate,
		steps,
		quoted: (step) => [...stepText(step).matchAll(/"([^"]+)"/g)].map((m) => m[1]),
		commands: (step) =>
			stepText(step)
				.split('\n')
				.map((line) => /^\s+(curl .+?)(?:\s{2,}#\s*(.*))?$/.exec(line))
				.filter((m): m is RegExpExecArray => m !== null)
				.map((m) => ({ command: m[1].trim(), comment: m[2] ?? '' })),
	};
}

export class DemoProcess {
	private constructor(
		readonly process: ServiceProcess,
		readonly folder: string,
		readonly printed: DemoText,
		/** When the steps were printed (seen within 250 ms), epoch ms: what "within N minutes of this text" counts from. */
		readonly printedAt: number,
	) {}

	/**
	 * Starts the demo in a new user folder (DEMO_DIR) on free ports and resolves once it printed its
	 * steps. `timeoutMs` covers a first n8n start (its database) on a loaded machine.
	 */
	static async start(timeoutMs = 600_000): Promise<DemoProcess> {
		const folder = mkdtempSync(join(tmpdir(), 'segway-demo-'));
		const env: NodeJS.ProcessEnv = {
			...process.env,
			DEMO_DIR: folder,
			N8N_PORT: String(await freePort()),
			SIM_PORT: String(await freePort()),
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		};
		delete env.NODE_ENV;
		delete env.JEST_WORKER_ID;
		const demo = new ServiceProcess('scripts/demo.sh', 'bash', [join(ROOT, 'scripts/demo.sh')], { env, cwd: ROOT });
		await waitFor(
			'the demo to print its steps',
			async () => {
				demo.assertRunning();
				return demo.log.includes(LAST_LINE) ? true : undefined;
			},
			timeoutMs,
			250,
		);
		return new DemoProcess(demo, folder, parseDemoText(demo.log), Date.now());
	}

	/** The process ids the demo wrote: `n8n`, `simulator`. */
	pids(): Record<string, number> {
		const text = readFileSync(join(this.folder, 'pids'), 'utf8');
		return Object.fromEntries(text.trim().split('\n').map((line) => [line.split('=')[0], Number(line.split('=')[1])]));
	}

	get n8nLog(): string {
		try {
			return readFileSync(join(this.folder, 'n8n.log'), 'utf8');
		} catch {
			return '';
		}
	}

	/** Ctrl-C, as a user stops it (the demo stops n8n and the simulator itself). */
	async stop(): Promise<void> {
		let pids: Record<string, number> = {};
		try {
			pids = this.pids();
		} catch {
			// not started that far
		}
		await this.process.stop(30_000, 'SIGINT');
		// What a killed demo could not stop.
		for (const pid of Object.values(pids)) {
			try {
				process.kill(-pid, 'SIGKILL');
			} catch {
				// gone, as it should be
			}
		}
		if (process.env.SEGWAY_E2E_KEEP !== '1') rmSync(this.folder, { recursive: true, force: true });
	}
}
