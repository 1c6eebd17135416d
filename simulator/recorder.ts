/**
 * What the tests and benchmarks look at afterwards: every token and API request, and counters.
 * A ring buffer keeps memory flat however long a benchmark runs.
 */
import type { IncomingHttpHeaders } from 'http';

export interface RecordedRequest {
	/** Sequence number over the whole run, so that gaps show what the ring dropped. */
	seq: number;
	kind: 'token' | 'api';
	method: string;
	path: string;
	/** The raw query string without `?`, '' when none. */
	query: string;
	headers: IncomingHttpHeaders;
	authorization: string | undefined;
	rawBody: string;
	/** The parsed JSON body (API POST), or the form fields (token); undefined when unparsable or empty. */
	body: unknown;
	/** Resource and operation from the catalog, e.g. `control.unlock`. */
	operation?: string;
	iotCode?: string;
	/** Epoch ms when the request arrived. */
	time: number;
	/** Filled in when answered: HTTP status, Segway code (API), or the injected failure. */
	status?: number;
	code?: number;
	failure?: string;
}

export interface Stats {
	tokenRequests: number;
	apiRequests: number;
	/** API requests (not token or admin ones) being handled at the same moment. */
	inFlight: number;
	maxInFlight: number;
	/** Connections the server accepted (TLS ones once the handshake is done): how much was reused. */
	connections: number;
}

export class RingBuffer<T> {
	private items: T[] = [];
	private start = 0;

	constructor(public limit: number) {
		if (!(limit >= 1)) throw new RangeError(`recordLimit must be >= 1, got ${limit}`);
	}

	push(item: T): void {
		if (this.items.length < this.limit) {
			this.items.push(item);
			return;
		}
		this.items[this.start] = item;
		this.start = (this.start + 1) % this.limit;
	}

	toArray(): T[] {
		return [...this.items.slice(this.start), ...this.items.slice(0, this.start)];
	}

	get length(): number {
		return this.items.length;
	}

	clear(): void {
		this.items = [];
		this.start = 0;
	}
}

export class Recorder {
	readonly requests: RingBuffer<RecordedRequest>;
	private seq = 0;
	stats: Stats = { tokenRequests: 0, apiRequests: 0, inFlight: 0, maxInFlight: 0, connections: 0 };

	constructor(limit: number) {
		this.requests = new RingBuffer(limit);
	}

	record(entry: Omit<RecordedRequest, 'seq'>): RecordedRequest {
		const recorded: RecordedRequest = { seq: ++this.seq, ...entry };
		this.requests.push(recorded);
		if (entry.kind === 'token') this.stats.tokenRequests++;
		else this.stats.apiRequests++;
		return recorded;
	}

	enter(): void {
		this.stats.inFlight++;
		if (this.stats.inFlight > this.stats.maxInFlight) this.stats.maxInFlight = this.stats.inFlight;
	}

	connected(): void {
		this.stats.connections++;
	}

	leave(): void {
		this.stats.inFlight--;
	}

	/** Zeroes the counters; requests still being handled stay counted in `inFlight`. */
	resetStats(): void {
		const { inFlight } = this.stats;
		this.stats = { tokenRequests: 0, apiRequests: 0, inFlight, maxInFlight: inFlight, connections: 0 };
	}
}
