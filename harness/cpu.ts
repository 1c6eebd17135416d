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

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** One process's line of /proc/<pid>/stat: its parent, group and CPU ms (own, and its ended children's). */
export interface ProcStat {
	ppid: number;
	pgrp: number;
	/** utime + stime, ms. */
	ownMs: number;
	/** cutime + cstime, ms. */
	childrenMs: number;
}

/** The process's /proc stat; undefined when it is gone (or this is not Linux). */
export function procStat(pid: number | string): ProcStat | undefined {
	let text: string;
	try {
		text = readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch {
		return undefined;
	}
	// The command name (field 2) may hold spaces and parentheses: fields count from its end.
	const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
	const ms = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;
	return { ppid: Number(f[1]), pgrp: Number(f[2]), ownMs: ms(Number(f[11]) + Number(f[12])), childrenMs: ms(Number(f[13]) + Number(f[14])) };
}

/** CPU seconds (user + system) the process has used so far; NaN when it cannot be read. */
export function cpuSeconds(pid: number): number {
	const stat = procStat(pid);
	return stat === undefined ? NaN : stat.ownMs / 1000;
}
