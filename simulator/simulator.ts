/**
 * A running simulator as tests, benchmarks and the admin interface use it: a typed handle
 * on the fleet, the request log, the counters, fault injection and pushes (start.ts builds it).
 */
import type { AddressInfo } from 'net';
import type { Server } from 'http';
import type { PushEvent } from '../api/catalog/pushes';
import { InFlightBarrier, type BarrierOutcome } from './barrier';
import type { SimClock } from './clock';
import { toFailureKind, toTokenFailureKind, type FailureKind, type FaultConfig, type FaultInjector, type TokenFailureKind } from './faults';
import type { Fleet, Vehicle, VehiclePatch } from './fleet';
import type { RouteSpec } from './riding';
import type { PushOverrides, PushRecord, PushService, SignedPush } from './pushes';
import type { Recorder, RecordedRequest, Stats } from './recorder';
import type { TlsIdentity } from './server';
import type { Client, TokenRejection, TokenStore } from './tokens';

export interface SimulatorOptions {
	host?: string;
	/** Serve HTTPS with this certificate (benchmarks over a real network shape); plain HTTP without. */
	tls?: TlsIdentity;
	/** 0 picks a free port. */
	port?: number;
	vehicles?: number;
	seed?: number | string;
	clients?: Client[];
	tokenTtlSeconds?: number;
	/** How long a token stays valid after a newer one was issued to its client (reference: 300). */
	tokenOverlapSeconds?: number;
	/** Refuse a bad token with code 15101 in HTTP 200 (the reference), or with HTTP 401 (a gateway). */
	tokenRejection?: TokenRejection;
	/** Refuse every bearer token (15101, or HTTP 401 with `tokenRejection: 'http401'`) until turned off. */
	refuseTokens?: boolean;
	/** `expires_in` answered on the wire (e.g. 0.001) while tokens really live `tokenTtlSeconds`; null: the real life. */
	tokenExpiresIn?: number | null;
	latencyMs?: number;
	jitterMs?: number;
	failureRate?: number;
	failureKinds?: (FailureKind | number)[];
	/** `Retry-After` of injected `http429` answers, in seconds. */
	retryAfterSeconds?: number;
	/** Origin that injected `redirect` answers point to. */
	redirectTo?: string;
	/** Answer `code` as a string ("0"), as a loose gateway might. */
	stringCodes?: boolean;
	/** Simulated seconds per real second, for rides, batteries and push intervals. */
	timeScale?: number;
	/** Simulated seconds a ride lasts after unlock; 0 = the rider parks at once; Infinity = never. */
	autoParkSeconds?: number;
	/** Receiver base URL; pushes go to `<pushTo>/v2/vehicle/{status,location,alert,fault}`. */
	pushTo?: string;
	/** More receiver base URLs that get a copy of every push. */
	alsoPushTo?: string[];
	pushEnabled?: boolean;
	/**
	 * Pushes on the vehicles' own schedule (status, location, random alerts and faults). Off:
	 * only the pushes asked for (sendPush, admin events, lock changes by command).
	 */
	pushSchedule?: boolean;
	/** Real ms to wait for the receiver's answer. */
	pushTimeoutMs?: number;
	alertRatePerHour?: number;
	faultRatePerHour?: number;
	/** Requests and pushes kept for inspection (each; oldest dropped first). */
	recordLimit?: number;
	/** Routes by IMEI, ridden from the start: those vehicles start unlocked and riding (see riding.ts). */
	routes?: Record<string, RouteSpec>;
}

/** Pending connections the listening socket holds (Linux caps it at net.core.somaxconn, 4096 by default). */
const LISTEN_BACKLOG = 4096;

/** What can be changed while running. */
export type RuntimeOptions = Pick<
	SimulatorOptions,
	| 'latencyMs'
	| 'jitterMs'
	| 'failureRate'
	| 'failureKinds'
	| 'retryAfterSeconds'
	| 'redirectTo'
	| 'stringCodes'
	| 'timeScale'
	| 'autoParkSeconds'
	| 'pushTo'
	| 'pushEnabled'
	| 'pushSchedule'
	| 'pushTimeoutMs'
	| 'alertRatePerHour'
	| 'faultRatePerHour'
	| 'tokenTtlSeconds'
	| 'tokenOverlapSeconds'
	| 'tokenRejection'
	| 'refuseTokens'
	| 'tokenExpiresIn'
>;

/** An admin change of a vehicle, plus events to push. */
export interface AdminVehiclePatch extends VehiclePatch {
	/** Push an alert (alertStatus 0 appearing by default, 1 disappeared). */
	alert?: { code: number; alertStatus?: 0 | 1 };
	/** Push a fault (faultStatus 0 appearing by default, 1 disappeared). */
	fault?: { code: number; faultStatus?: 0 | 1 };
}

/** The parts, as the server and the admin interface use them. */
export interface SimulatorCore {
	clock: SimClock;
	fleet: Fleet;
	tokens: TokenStore;
	faults: FaultInjector;
	recorder: Recorder;
	pushes: PushService;
	/** Set while a test holds API requests until enough are in flight. */
	barrier?: InFlightBarrier;
}

export class SimulatorFleet {
	constructor(private readonly core: () => SimulatorCore) {}

	iotCodes(): string[] {
		return this.core().fleet.iotCodes();
	}

	/** Snapshots, advanced to the current simulated time. */
	list(): Vehicle[] {
		return this.core().fleet.list();
	}

	get(iotCode: string): Vehicle | undefined {
		const vehicle = this.core().fleet.get(iotCode);
		return vehicle && structuredClone(vehicle);
	}

	/**
	 * Changes a vehicle as the world would (battery, network, a rider parking, someone moving
	 * it...). Pushes follow like on the real fleet: moving a locked vehicle raises the
	 * illegal-moving alert, and `alert`/`fault` are pushed. `silent: true` cuts its IoT module
	 * off (no pushes, API 15301); `silent: false` brings it back with a status push at once.
	 * Resolves once those pushes are done.
	 */
	async update(iotCode: string, patch: AdminVehiclePatch): Promise<Vehicle> {
		const { fleet, pushes } = this.core();
		const before = fleet.get(iotCode);
		if (!before) throw new RangeError(`unknown vehicle ${iotCode}`);
		// What a status push reports: when one of these changes, the vehicle pushes its status now.
		const reported = (v: Vehicle) => `${v.locked}|${v.online}|${v.charging}|${Math.round(v.battery)}`;
		const wasReported = reported(before);
		const wasSilent = before.silent;
		const result = fleet.update(iotCode, patch)!;
		// The state the patch made: read again after the pushes, a charging battery would already
		// have moved on by the milliseconds they took.
		const patched = structuredClone(result.vehicle);
		const sending: Promise<PushRecord>[] = [];
		if (reported(result.vehicle) !== wasReported) pushes.statusChanged(iotCode);
		// A silent vehicle that is heard again reports its status at once (made before the patch's alert or fault).
		const reconnecting = wasSilent && !result.vehicle.silent ? pushes.reconnected(iotCode) : undefined;
		if (reconnecting) sending.push(reconnecting);
		if (result.movedWhileLocked) sending.push(pushes.send('alert', iotCode, { code: 1, alertStatus: 0 }, 'event'));
		if (patch.alert) {
			const { code, alertStatus = 0 } = patch.alert;
			sending.push(pushes.send('alert', iotCode, { code, alertStatus }, 'event'));
		}
		if (patch.fault) {
			const { code, faultStatus = 0 } = patch.fault;
			sending.push(pushes.send('fault', iotCode, { code, faultStatus }, 'event'));
		}
		await Promise.all(sending);
		return patched;
	}

	/** The rider gets off, so that the vehicle can be locked. */
	park(iotCode: string): Promise<Vehicle> {
		return this.update(iotCode, { riding: false });
	}

	/**
	 * A rider gets on at the route's first waypoint and follows it (unlocking the vehicle, so its
	 * status is pushed at once); null: the rider leaves the route and rides on as without one.
	 */
	setRoute(iotCode: string, route: RouteSpec | null): Promise<Vehicle> {
		return this.update(iotCode, { route });
	}
}

export class Simulator {
	readonly fleet: SimulatorFleet;
	private address: AddressInfo | undefined;
	private closed = false;

	constructor(
		private readonly core: SimulatorCore,
		private readonly server: Server,
		private readonly seed: number,
		private readonly scheme: 'http' | 'https' = 'http',
	) {
		this.fleet = new SimulatorFleet(() => this.core);
	}

	/** Starts answering on `host:port` (port 0: a free one) and the push schedule. */
	async listen(port: number, host: string): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			// Node's default backlog (511) is below a gateway's: a burst of 1,000 new connections
			// (n8n opens one per request) then overflows it, and over a real round trip late
			// handshake ACKs are answered with resets. The kernel caps it at net.core.somaxconn.
			this.server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
				this.server.off('error', reject);
				resolve();
			});
		});
		this.address = this.server.address() as AddressInfo;
		this.core.pushes.restart();
	}

	get host(): string {
		return this.listening.address;
	}

	get port(): number {
		return this.listening.port;
	}

	get url(): string {
		const { address, family, port } = this.listening;
		return `${this.scheme}://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
	}

	private get listening(): AddressInfo {
		if (this.address === undefined) throw new Error('the simulator is not listening yet');
		return this.address;
	}

	get clients(): Client[] {
		return this.core.tokens.clients;
	}

	get iotCodes(): string[] {
		return this.core.fleet.iotCodes();
	}

	/** The recorded token and API requests, oldest first (a copy). */
	get requests(): RecordedRequest[] {
		return this.core.recorder.requests.toArray();
	}

	get pushes(): PushRecord[] {
		return this.core.pushes.records.toArray();
	}

	get stats(): Stats {
		return { ...this.core.recorder.stats };
	}

	get options(): Required<Omit<RuntimeOptions, 'pushTo'>> & { pushTo: string | undefined } {
		const { faults, clock, fleet, pushes, tokens } = this.core;
		return {
			...faults.config,
			timeScale: clock.timeScale,
			autoParkSeconds: fleet.options.autoParkSeconds,
			pushTo: pushes.options.pushTo,
			pushEnabled: pushes.options.pushEnabled,
			pushSchedule: pushes.options.pushSchedule,
			pushTimeoutMs: pushes.options.timeoutMs,
			alertRatePerHour: pushes.options.alertRatePerHour,
			faultRatePerHour: pushes.options.faultRatePerHour,
			tokenTtlSeconds: tokens.ttlSeconds,
			tokenOverlapSeconds: tokens.overlapSeconds,
			tokenRejection: tokens.rejection,
			refuseTokens: tokens.refuseAll,
			tokenExpiresIn: tokens.reportedExpiresIn ?? null,
		};
	}

	resetStats(): void {
		this.core.recorder.resetStats();
	}

	clearRequests(): void {
		this.core.recorder.requests.clear();
	}

	clearPushes(): void {
		this.core.pushes.records.clear();
	}

	configure(partial: RuntimeOptions): void {
		const { faults, clock, fleet, pushes, tokens } = this.core;
		const faultPart: Partial<FaultConfig> = {};
		if (partial.latencyMs !== undefined) faultPart.latencyMs = partial.latencyMs;
		if (partial.jitterMs !== undefined) faultPart.jitterMs = partial.jitterMs;
		if (partial.failureRate !== undefined) faultPart.failureRate = partial.failureRate;
		if (partial.failureKinds !== undefined) faultPart.failureKinds = partial.failureKinds.map(toFailureKind);
		if (partial.retryAfterSeconds !== undefined) faultPart.retryAfterSeconds = partial.retryAfterSeconds;
		if (partial.redirectTo !== undefined) faultPart.redirectTo = partial.redirectTo;
		if (partial.stringCodes !== undefined) faultPart.stringCodes = partial.stringCodes;
		faults.configure(faultPart);
		if (partial.timeScale !== undefined) clock.setTimeScale(partial.timeScale);
		if (partial.autoParkSeconds !== undefined) fleet.options.autoParkSeconds = partial.autoParkSeconds;
		if (partial.tokenTtlSeconds !== undefined) tokens.ttlSeconds = partial.tokenTtlSeconds;
		if (partial.tokenOverlapSeconds !== undefined) tokens.overlapSeconds = partial.tokenOverlapSeconds;
		if (partial.tokenRejection !== undefined) tokens.rejection = partial.tokenRejection;
		if (partial.refuseTokens !== undefined) tokens.refuseAll = partial.refuseTokens;
		if (partial.tokenExpiresIn !== undefined) tokens.reportedExpiresIn = validExpiresIn(partial.tokenExpiresIn);
		const pushPart: Partial<typeof pushes.options> = {};
		if ('pushTo' in partial) pushPart.pushTo = partial.pushTo;
		if (partial.pushEnabled !== undefined) pushPart.pushEnabled = partial.pushEnabled;
		if (partial.pushSchedule !== undefined) pushPart.pushSchedule = partial.pushSchedule;
		if (partial.pushTimeoutMs !== undefined) pushPart.timeoutMs = partial.pushTimeoutMs;
		if (partial.alertRatePerHour !== undefined) pushPart.alertRatePerHour = partial.alertRatePerHour;
		if (partial.faultRatePerHour !== undefined) pushPart.faultRatePerHour = partial.faultRatePerHour;
		pushes.configure(pushPart);
	}

	/** The vehicle's next `count` API requests fail with `kind` (see FAILURE_KINDS in faults.ts). */
	failNext(iotCode: string, count: number, kind: FailureKind | number = '15302'): void {
		this.core.faults.failNext(iotCode, count, toFailureKind(kind));
	}

	/** The next `count` token requests fail with `kind` (hang, drop, http500/502/503, redirect). */
	failNextToken(count: number, kind: TokenFailureKind): void {
		this.core.faults.failNextToken(count, toTokenFailureKind(kind));
	}

	/** How many forced failures are still queued for the vehicle. */
	pendingFailures(iotCode: string): number {
		return this.core.faults.pendingFor(iotCode);
	}

	/** Drops forced failures and restarts the seeded failure sequence. */
	resetFaults(): void {
		this.core.faults.clearForced();
		this.core.faults.reseed(this.seed);
	}

	sendPush(event: PushEvent, iotCode: string, overrides?: PushOverrides): Promise<PushRecord> {
		return this.core.pushes.send(event, iotCode, overrides, 'manual');
	}

	/** A signed push body for the vehicle, not sent (e.g. to post it yourself). */
	signPush(event: PushEvent, iotCode: string, overrides?: PushOverrides): SignedPush {
		return this.core.pushes.sign(event, iotCode, overrides);
	}

	/** Lets simulated time jump ahead, e.g. an hour of riding without waiting for it. */
	advanceTime(seconds: number): void {
		this.core.clock.advance(seconds);
	}

	/** Every issued token dies at once, as after a gateway restart. */
	revokeTokens(): void {
		this.core.tokens.revokeAll();
	}

	/** Lets every issued token age by `seconds` at once, without waiting (expiry, overlap). */
	advanceTokenTime(seconds: number): void {
		this.core.tokens.advance(seconds);
	}

	/**
	 * Holds the next API requests until `count` of them are in flight together, then lets them
	 * all go; resolves with whether the count was reached before `timeoutMs`.
	 */
	holdUntilInFlight(count: number, timeoutMs = 10_000): Promise<BarrierOutcome> {
		const barrier = new InFlightBarrier(count, timeoutMs);
		this.core.barrier = barrier;
		return barrier.outcome.finally(() => {
			if (this.core.barrier === barrier) this.core.barrier = undefined;
		});
	}

	tokenCounts(): { clientId: string; liveTokens: number }[] {
		return this.core.tokens.counts();
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.core.pushes.close();
		await new Promise<void>((resolve) => {
			this.server.close(() => resolve());
			this.server.closeAllConnections();
		});
	}
}

/** null goes back to the real life; anything else must be a number a JSON answer can carry. */
function validExpiresIn(value: number | null): number | undefined {
	if (value === null) return undefined;
	if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`tokenExpiresIn must be a finite number or null, got ${JSON.stringify(value)}`);
	return value;
}
