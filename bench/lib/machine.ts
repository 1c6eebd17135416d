/** The machine a benchmark runs on: load average, and waiting for other work to calm down. */
import { cpus, loadavg } from 'os';

export interface MachineInfo {
	cpus: number;
	cpuModel: string;
	loadavg: [number, number, number];
}

export function machineInfo(): MachineInfo {
	const [one, five, fifteen] = loadavg();
	return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadavg: [one, five, fifteen] };
}

export function formatLoad(load: readonly number[]): string {
	return load.map((v) => v.toFixed(2)).join(' / ');
}

/**
 * Waits until the 1-minute load average is at most `max` (other jobs on a shared machine distort
 * timings), or `timeoutMs` passed. Returns the load seen last and whether it was low enough.
 */
export async function waitForLowLoad(
	max: number,
	timeoutMs: number,
	onWait?: (load: number) => void,
): Promise<{ load: number; ok: boolean }> {
	const until = Date.now() + timeoutMs;
	let load = loadavg()[0];
	while (load > max && Date.now() < until) {
		onWait?.(load);
		await new Promise((r) => setTimeout(r, 5000));
		load = loadavg()[0];
	}
	return { load, ok: load <= max };
}
