/**
 * Whose quiet clock runs out first, found in O(1) per push. A node has no timers, so vehicles are
 * judged when pushes arrive; the vehicles whose clocks run out first must then be at hand without
 * a scan. Clocks with the same limit run out in the order their vehicles were last heard, so one
 * queue per limit (a linked list; a vehicle heard again moves to its end) has the first to run out
 * at its front. There are as many queues as distinct limits (two: locked, unlocked). Not a Map's
 * insertion order: V8 leaves a deleted entry's slot in place until it rehashes, so walking from
 * the front of a Map whose vehicles keep moving to its end steps over every one of them
 * (measured: 35 µs a push at 100,000 vehicles, against 1 µs).
 *
 * A clock that started before the newest one of its queue (a vehicle taken over from a process
 * that is gone) would break that order: such clocks wait in a list of their own, soonest first.
 *
 * This process may not have heard the stream for a while (it was down, or the whole stream
 * stopped): a vehicle's silence is then not its own. So a queue's clocks count from when this
 * process last began hearing pushes without a gap as long as the queue's limit.
 */
import type { QuietClock } from '../shared/rules/rule';

/** A vehicle in its queue, and when its clock started. */
interface Link {
	readonly iotCode: string;
	readonly since: number;
	prev: Link | undefined;
	next: Link | undefined;
}

class Queue {
	private readonly links = new Map<string, Link>();
	/** Oldest clock first. */
	private first: Link | undefined;
	private last: Link | undefined;
	private newest = 0;
	/** Clocks that started before `newest` when they came: soonest to run out first once sorted. */
	private late: Array<[string, number]> = [];
	private lateSorted = true;
	/** Vehicles in `late` and their clock there (entries of a vehicle watched anew since are stale). */
	private readonly lateSince = new Map<string, number>();

	constructor(
		readonly limitMs: number,
		/** When this process last began hearing pushes without a gap of `limitMs`. */
		public hearingSince: number,
	) {}

	add(iotCode: string, since: number): void {
		if (since >= this.newest) {
			const link: Link = { iotCode, since, prev: this.last, next: undefined };
			if (this.last === undefined) this.first = link;
			else this.last.next = link;
			this.last = link;
			this.links.set(iotCode, link);
			this.newest = since;
			return;
		}
		this.late.push([iotCode, since]);
		this.lateSince.set(iotCode, since);
		this.lateSorted = false;
	}

	delete(iotCode: string): void {
		const link = this.links.get(iotCode);
		if (link !== undefined) this.unlink(link);
		this.lateSince.delete(iotCode);
	}

	private unlink(link: Link): void {
		if (link.prev === undefined) this.first = link.next;
		else link.prev.next = link.next;
		if (link.next === undefined) this.last = link.prev;
		else link.next.prev = link.prev;
		this.links.delete(link.iotCode);
	}

	private runsOutAt(since: number): number {
		return Math.max(since, this.hearingSince) + this.limitMs;
	}

	/** Takes out up to `max` vehicles whose clock has run out at `now`. */
	takeDue(now: number, max: number, into: string[]): void {
		while (this.first !== undefined && into.length < max && this.runsOutAt(this.first.since) <= now) {
			into.push(this.first.iotCode);
			this.unlink(this.first);
		}
		if (this.late.length === 0) return;
		if (!this.lateSorted) {
			this.late = this.late.filter(([iotCode, since]) => this.lateSince.get(iotCode) === since).sort((a, b) => a[1] - b[1]);
			this.lateSorted = true;
		}
		let taken = 0;
		for (const [iotCode, since] of this.late) {
			if (this.lateSince.get(iotCode) !== since) {
				taken += 1;
				continue;
			}
			if (into.length >= max || this.runsOutAt(since) > now) break;
			this.lateSince.delete(iotCode);
			into.push(iotCode);
			taken += 1;
		}
		if (taken > 0) this.late = this.late.slice(taken);
	}

	get size(): number {
		return this.links.size + this.lateSince.size;
	}
}

/** Shorter gaps between pushes are not remembered: no limit is shorter (the parameters' minimum). */
const MIN_GAP_MS = 30_000;
/** Gaps remembered at most; the oldest (longest) go first. */
const MAX_GAPS = 64;

export class QuietWatch {
	private readonly queues = new Map<number, Queue>();
	/** When this process received its first and its last verified push of any vehicle. */
	private firstPushAt = 0;
	private lastHeardAt = 0;
	/**
	 * Gaps in the stream as [ended at, length], each longer than every later one: for any limit,
	 * the last gap at least that long is then found at once, for a queue made later (a limit first
	 * used after a restart, or a vehicle that unlocked).
	 */
	private readonly gaps: Array<[number, number]> = [];

	/** Every verified push of any vehicle: a gap as long as a queue's limit restarts its clocks' count. */
	heardStream(now: number): void {
		if (this.lastHeardAt === 0) {
			this.firstPushAt = now;
		} else if (now - this.lastHeardAt >= MIN_GAP_MS) {
			const gap = now - this.lastHeardAt;
			while (this.gaps.length > 0 && this.gaps[this.gaps.length - 1][1] <= gap) this.gaps.pop();
			this.gaps.push([now, gap]);
			if (this.gaps.length > MAX_GAPS) this.gaps.shift();
			for (const queue of this.queues.values()) if (gap >= queue.limitMs) queue.hearingSince = now;
		}
		this.lastHeardAt = Math.max(this.lastHeardAt, now);
	}

	get lastPushAt(): number {
		return this.lastHeardAt;
	}

	/** Since when this process has heard pushes without a gap of `limitMs`. */
	private hearingSince(limitMs: number): number {
		for (let i = this.gaps.length - 1; i >= 0; i--) if (this.gaps[i][1] >= limitMs) return this.gaps[i][0];
		return this.firstPushAt;
	}

	/** The vehicle's clock from now on; undefined stops watching it. */
	watch(iotCode: string, clock: QuietClock | undefined): void {
		this.forget(iotCode);
		if (clock === undefined) return;
		let queue = this.queues.get(clock.limitMs);
		if (queue === undefined) {
			queue = new Queue(clock.limitMs, this.hearingSince(clock.limitMs));
			this.queues.set(clock.limitMs, queue);
		}
		queue.add(iotCode, clock.since);
	}

	forget(iotCode: string): void {
		for (const queue of this.queues.values()) queue.delete(iotCode);
	}

	/** Takes out up to `max` vehicles whose clocks have run out (their watch ends; the caller may watch them again). */
	overdue(now: number, max: number): string[] {
		const due: string[] = [];
		for (const queue of this.queues.values()) {
			queue.takeDue(now, max, due);
			if (due.length >= max) break;
		}
		return due;
	}

	clear(): void {
		this.queues.clear();
	}

	/** Vehicles watched. */
	get size(): number {
		let size = 0;
		for (const queue of this.queues.values()) size += queue.size;
		return size;
	}
}
