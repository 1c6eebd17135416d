/**
 * A busy machine on demand, and what one process spent of the CPU: a test that must hold on a
 * busy laptop makes the machine busy itself, and reports what n8n spent meanwhile.
 */
import { spawn, type ChildProcess } from 'child_process';
import { readFileSync } from 'fs';
import { cpus } from 'os';

/** One busy loop per core (or `count`), until `stop()` or this process exits. */
export function startCpuHogs(count = cpus().length): { stop: () => void } {
	const hogs: ChildProcess[] = [];
	for (let i = 0; i < count; i++) hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
	const stop = () => {
		for (const hog of hogs) hog.kill('SIGKILL');
	};
	process.once('exit', stop);
	return { stop };
}

/** Clock ticks per second of /proc/<pid>/stat on Linux (USER_HZ, 100 on every common kernel). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) the process has used so far; NaN when it cannot be read. */
export function cpuSeconds(pid: number): number {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The fields after the command name, which may itself hold spaces and parentheses.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
	} catch {
		return NaN;
	}
}
