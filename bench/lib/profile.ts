/**
 * CPU profiles of another Node process through its inspector (the process runs with
 * `--inspect=127.0.0.1:<port>`), so one phase of a benchmark can be profiled on its own, and a
 * summary of where the time went: by package (the `node_modules/<name>` a frame's file sits in),
 * by function, and the inclusive time of frames matching a pattern (e.g. one package's code).
 */
import { WebSocket } from 'undici';

interface CallFrame {
	functionName: string;
	url: string;
	lineNumber: number;
	columnNumber: number;
}

interface ProfileNode {
	id: number;
	callFrame: CallFrame;
	children?: number[];
}

export interface CpuProfile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples: number[];
	timeDeltas: number[];
}

export class InspectorSession {
	private nextId = 1;
	private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

	private constructor(private readonly socket: WebSocket) {
		socket.addEventListener('message', (event) => {
			const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
			if (message.id === undefined) return;
			const waiter = this.pending.get(message.id);
			if (!waiter) return;
			this.pending.delete(message.id);
			if (message.error) waiter.reject(new Error(message.error.message));
			else waiter.resolve(message.result);
		});
	}

	/** Connects to the first target of the inspector listening on `port`. */
	static async connect(port: number, host = '127.0.0.1'): Promise<InspectorSession> {
		const targets = (await (await fetch(`http://${host}:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
		if (targets.length === 0) throw new Error(`no inspector target on ${host}:${port}`);
		const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
		await new Promise<void>((resolve, reject) => {
			socket.addEventListener('open', () => resolve(), { once: true });
			socket.addEventListener('error', () => reject(new Error('inspector connection failed')), { once: true });
		});
		return new InspectorSession(socket);
	}

	send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
		const id = this.nextId++;
		return new Promise<T>((resolve, reject) => {
			this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
			this.socket.send(JSON.stringify({ id, method, params }));
		});
	}

	async startProfiling(samplingIntervalUs = 500): Promise<void> {
		await this.send('Profiler.enable');
		await this.send('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
		await this.send('Profiler.start');
	}

	async stopProfiling(): Promise<CpuProfile> {
		const { profile } = await this.send<{ profile: CpuProfile }>('Profiler.stop');
		return profile;
	}

	close(): void {
		this.socket.close();
	}
}

export interface ProfileSummary {
	/** Sampled wall time, ms. */
	totalMs: number;
	/** Time in `(idle)`: the event loop waiting, ms. */
	idleMs: number;
	/** totalMs - idleMs. */
	busyMs: number;
	/** Self time by group (package, `node:` internals, `(garbage collector)`, …), ms, descending. */
	byGroup: Array<{ group: string; ms: number }>;
	/** Self time by function, ms, descending. */
	byFunction: Array<{ fn: string; ms: number }>;
	/** Inclusive time of samples with a frame whose file matches each pattern, ms. */
	inclusive: Record<string, number>;
	/** Inclusive time by function name for frames matching the first pattern, ms, descending. */
	inclusiveFunctions: Array<{ fn: string; ms: number }>;
}

/** The group a frame's file belongs to: the last `node_modules/<name>` in its path, etc. */
export function groupOf(frame: CallFrame): string {
	const url = frame.url;
	if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
	if (url.startsWith('node:')) return 'node: internals';
	const parts = url.split('node_modules/');
	if (parts.length < 2) return url.replace(/^file:\/\//, '');
	const rest = parts[parts.length - 1].split('/');
	return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

function describe(frame: CallFrame): string {
	const file = frame.url.split('node_modules/').pop()?.replace(/^file:\/\//, '') ?? '';
	return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

/** The profile's nodes by id, each node's parent, and every sample with its time in ms. */
function indexProfile(profile: CpuProfile): {
	byId: Map<number, ProfileNode>;
	parent: Map<number, number>;
	samples: Array<{ id: number; ms: number }>;
} {
	const byId = new Map<number, ProfileNode>();
	const parent = new Map<number, number>();
	for (const node of profile.nodes) {
		byId.set(node.id, node);
		for (const child of node.children ?? []) parent.set(child, node.id);
	}
	const samples = profile.samples.map((id, i) => ({ id, ms: (profile.timeDeltas[i + 1] ?? 0) / 1000 }));
	return { byId, parent, samples };
}

export function summarizeProfile(profile: CpuProfile, inclusivePatterns: Record<string, RegExp> = {}): ProfileSummary {
	const { byId, parent, samples } = indexProfile(profile);
	const self = new Map<number, number>();
	for (const { id, ms } of samples) self.set(id, (self.get(id) ?? 0) + ms);
	let totalMs = 0;
	let idleMs = 0;
	const groups = new Map<string, number>();
	const functions = new Map<string, number>();
	const inclusive: Record<string, number> = Object.fromEntries(Object.keys(inclusivePatterns).map((k) => [k, 0]));
	const firstPattern = Object.values(inclusivePatterns)[0];
	const inclusiveFns = new Map<string, number>();
	for (const [id, ms] of self) {
		const node = byId.get(id);
		if (!node) continue;
		totalMs += ms;
		if (node.callFrame.functionName === '(idle)') idleMs += ms;
		const group = groupOf(node.callFrame);
		groups.set(group, (groups.get(group) ?? 0) + ms);
		const fn = describe(node.callFrame);
		functions.set(fn, (functions.get(fn) ?? 0) + ms);
		// Inclusive: walk the stack once per distinct node (its self time stands for its samples).
		const matched = new Set<string>();
		const fnsOnStack = new Set<string>();
		for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
			const frame = byId.get(at)?.callFrame;
			if (!frame) break;
			for (const [name, pattern] of Object.entries(inclusivePatterns)) if (pattern.test(frame.url)) matched.add(name);
			if (firstPattern && firstPattern.test(frame.url)) fnsOnStack.add(describe(frame));
		}
		for (const name of matched) inclusive[name] += ms;
		for (const f of fnsOnStack) inclusiveFns.set(f, (inclusiveFns.get(f) ?? 0) + ms);
	}
	const sorted = <K extends string>(m: Map<string, number>, key: K) =>
		[...m.entries()].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ [key]: name, ms }) as { [P in K]: string } & { ms: number });
	return {
		totalMs,
		idleMs,
		busyMs: totalMs - idleMs,
		byGroup: sorted(groups, 'group'),
		byFunction: sorted(functions, 'fn'),
		inclusive,
		inclusiveFunctions: sorted(inclusiveFns, 'fn'),
	};
}

/**
 * Where time spent in frames matching `pattern` comes from: for each sample inside such a frame,
 * the first `depth` frames above the outermost matching one (the callers into that code), with
 * the time summed per distinct caller chain, descending.
 */
export function entryPoints(profile: CpuProfile, pattern: RegExp, depth = 3): Array<{ callers: string; ms: number }> {
	const { byId, parent, samples } = indexProfile(profile);
	const totals = new Map<string, number>();
	for (const { id, ms } of samples) {
		let inside = false;
		let chain: string[] = [];
		for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
			const frame = byId.get(at)?.callFrame;
			if (!frame) break;
			if (pattern.test(frame.url)) {
				inside = true;
				chain = [];
			} else if (inside && frame.url !== '' && chain.length < depth) {
				chain.push(describe(frame));
			}
		}
		if (!inside) continue;
		const key = chain.length > 0 ? chain.join(' ← ') : '(no JS caller: background work)';
		totals.set(key, (totals.get(key) ?? 0) + ms);
	}
	return [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([callers, ms]) => ({ callers, ms }));
}
