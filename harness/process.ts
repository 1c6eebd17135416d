/**
 * A server process the harness starts (n8n, Redis, HAProxy): its own process group, so that a
 * stop reaches its children too; its output kept (the last LOG_CHARS) for error messages; a stop
 * that escalates to SIGKILL when the process does not go in time.
 */
import { spawn, type ChildProcess } from 'child_process';

const LOG_CHARS = 256 * 1024;

/** Every server still running, killed when this process exits without having stopped them. */
const running = new Set<ServiceProcess>();
let exitHookInstalled = false;
function killOnExit(service: ServiceProcess): void {
	running.add(service);
	void service.exited.then(() => running.delete(service));
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	process.once('exit', () => {
		for (const left of running) left.signal('SIGKILL');
	});
}

export class ServiceProcess {
	private readonly child: ChildProcess;
	private output = '';
	private partialLine = '';
	private readonly lineListeners: Array<(line: string) => void> = [];
	readonly exited: Promise<number | null>;

	constructor(
		readonly name: string,
		command: string,
		args: string[],
		options: { env?: NodeJS.ProcessEnv; cwd?: string },
	) {
		this.child = spawn(command, args, { env: options.env, cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
		const keep = (d: Buffer) => {
			const text = d.toString();
			this.output += text;
			if (this.output.length > 2 * LOG_CHARS) this.output = this.output.slice(-LOG_CHARS);
			if (this.lineListeners.length > 0) this.toLines(text);
		};
		this.child.stdout?.on('data', keep);
		this.child.stderr?.on('data', keep);
		this.exited = new Promise((resolve) => {
			this.child.once('exit', (code) => resolve(code));
			this.child.once('error', (error) => {
				this.output += `\n${String(error)}`;
				resolve(null);
			});
		});
		killOnExit(this);
	}

	/** Calls `listener` with each whole line the process prints from now on, as it arrives. */
	onLine(listener: (line: string) => void): void {
		this.lineListeners.push(listener);
	}

	private toLines(text: string): void {
		const lines = (this.partialLine + text).split('\n');
		this.partialLine = lines.pop() ?? '';
		for (const line of lines) for (const listener of this.lineListeners) listener(line);
	}

	get log(): string {
		return this.output.slice(-LOG_CHARS);
	}

	get running(): boolean {
		return this.child.exitCode === null && this.child.signalCode === null;
	}

	get pid(): number | undefined {
		return this.child.pid;
	}

	/** Throws with the end of the output if the process is gone: for readiness probes. */
	assertRunning(): void {
		if (!this.running) throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.log.slice(-4000)}`);
	}

	/** Sends `signal` to the process group. */
	signal(signal: NodeJS.Signals): void {
		if (this.child.pid === undefined || !this.running) return;
		try {
			process.kill(-this.child.pid, signal);
		} catch {
			// already gone
		}
	}

	/** `signal` (SIGTERM; SIGINT for a script that stops on Ctrl-C), then SIGKILL after `graceMs`; resolves once the process has exited. */
	async stop(graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
		if (!this.running) return;
		this.signal(signal);
		const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
		await this.exited;
		clearTimeout(timer);
	}

	/** SIGKILL: the process dies at once, mid-request, as in a crash. */
	async kill(): Promise<void> {
		this.signal('SIGKILL');
		await this.exited;
	}
}
