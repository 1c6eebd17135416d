/**
 * CPU time of server processes, read from /proc (Linux): what each part of an n8n setup (main,
 * worker, webhook processes, Postgres, Redis, HAProxy) spent on a phase, so that a benchmark can
 * say what one push costs in CPU and what more cores would give.
 *
 * A part is a process group (n8n, Redis, HAProxy: each started in its own by the harness), or a
 * process and its children (Postgres: every server process is a session of its own). Children
 * that ended count through their parent's cutime/cstime.
 */
import { readdirSync } from 'fs';

import { procStat } from '../../harness/cpu';

/** A process group, a process with its children, or one process alone (the benchmark itself, whose children are the servers it measures). */
export type CpuPart = { group: number } | { tree: number } | { self: number };

interface Stat {
	pid: number;
	ppid: number;
	pgrp: number;
	/** utime + stime + cutime + cstime, ms. */
	ms: number;
	/** utime + stime, ms. */
	ownMs: number;
}

function readStats(): Stat[] {
	const stats: Stat[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const stat = procStat(entry);
		if (stat === undefined) continue; // gone meanwhile
		stats.push({ pid: Number(entry), ppid: stat.ppid, pgrp: stat.pgrp, ms: stat.ownMs + stat.childrenMs, ownMs: stat.ownMs });
	}
	return stats;
}

/** CPU ms of each part so far. */
export function partsCpuMs(parts: Readonly<Record<string, CpuPart>>): Record<string, number> {
	const stats = readStats();
	return Object.fromEntries(
		Object.entries(parts).map(([name, part]) => {
			if ('self' in part) return [name, stats.find((s) => s.pid === part.self)?.ownMs ?? 0];
			const members = 'group' in part ? stats.filter((s) => s.pgrp === part.group) : stats.filter((s) => s.pid === part.tree || s.ppid === part.tree);
			return [name, members.reduce((sum, s) => sum + s.ms, 0)];
		}),
	);
}

/** CPU ms each part spent between begin() and end(). */
export class CpuMeter {
	private start: Record<string, number> = {};

	constructor(private readonly parts: Readonly<Record<string, CpuPart>>) {}

	begin(): void {
		this.start = partsCpuMs(this.parts);
	}

	end(): Record<string, number> {
		const now = partsCpuMs(this.parts);
		return Object.fromEntries(Object.entries(now).map(([name, ms]) => [name, ms - (this.start[name] ?? 0)]));
	}
}
