/**
 * The pushes Segway sends to the platform's receiver: signed form posts of status, location,
 * alerts and faults, on the reference's schedule, with its single retry after 5 s.
 * One timer drives the whole fleet; per-vehicle timers would not scale to a big fleet.
 *
 * Nothing goes out while pushes are off (`pushEnabled: false`, or no receiver): no scheduled,
 * event or manual push, to no receiver, and a retry still waiting when they stop is left out.
 * Nothing goes out for a silent vehicle (its IoT module is cut off) or an offline one either.
 */
import { setMaxListeners } from 'events';
import { setTimeout as sleep } from 'timers/promises';
import { Agent, request } from 'undici';
import { ALERT_CODES, FAULT_CODES } from '../api/catalog/codes';
import { PUSH_PATHS, type PushEvent } from '../api/catalog/pushes';
import { computeSignature, SIGNATURE_FIELD } from '../api/catalog/signature';
import type { SimClock } from './clock';
import { locationFields, reachable, statusFields, type Fleet, type Vehicle } from './fleet';
import type { Random } from './random';
import { RingBuffer } from './recorder';
import type { Client } from './tokens';

export type PushOverrides = Record<string, string | number | boolean | null | undefined>;

export interface SignedPush {
	event: PushEvent;
	iotCode: string;
	/** Every field sent, signature included, as strings (what the receiver decodes). */
	params: Record<string, string>;
	/** The form-encoded body exactly as posted. */
	body: string;
	/** Where it goes, or undefined when no receiver is configured. */
	url: string | undefined;
}

export interface PushAttempt {
	at: number;
	status?: number;
	error?: string;
}

export interface PushRecord extends SignedPush {
	seq: number;
	reason: 'schedule' | 'event' | 'manual';
	attempts: PushAttempt[];
	/** The receiver answered 200 to one of the attempts. */
	delivered: boolean;
	/** No further attempt will be made. */
	done: boolean;
	/** Not sent at all (no receiver, pushes disabled, or the vehicle is silent). */
	skipped?: boolean;
	/**
	 * Why no (further) attempt was made: pushes are off (`pushEnabled: false` or no receiver), or
	 * the vehicle is silent. Set on a skipped push, and on a failed one whose retry was left out.
	 */
	stoppedBy?: 'pushes' | 'silent';
}

export interface PushOptions {
	pushTo?: string;
	/** More receivers that get a copy of every push (a second workflow with its own trigger URL). */
	alsoPushTo: string[];
	pushEnabled: boolean;
	/** Pushes on the vehicles' own schedule; off: only pushes asked for. */
	pushSchedule: boolean;
	/** Simulated seconds before the one retry; the reference says 5. */
	retryDelaySeconds: number;
	/** Real ms to wait for the receiver's answer before counting the attempt as failed. */
	timeoutMs: number;
	/** Random alerts and faults per vehicle and simulated hour (0 = only on events). */
	alertRatePerHour: number;
	faultRatePerHour: number;
	/** Real ms between scheduler ticks. */
	tickMs: number;
}

export const DEFAULT_PUSH_OPTIONS: PushOptions = {
	alsoPushTo: [],
	pushEnabled: true,
	pushSchedule: true,
	retryDelaySeconds: 5,
	timeoutMs: 10000,
	alertRatePerHour: 0,
	faultRatePerHour: 0,
	tickMs: 100,
};

/**
 * Form encoding with %20 for spaces rather than `+`: every form decoder reads it, while a
 * receiver that only percent-decodes would turn `+` into a wrong signature.
 */
export function encodeForm(params: Readonly<Record<string, string>>): string {
	return Object.entries(params)
		.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
		.join('&');
}

/** Adds the signature over all other fields, unless `signature` was given (to test refusals). */
export function signParams(
	fields: Readonly<Record<string, string>>,
	clientSecret: string,
	signature?: string,
): Record<string, string> {
	const { [SIGNATURE_FIELD]: _ignored, ...rest } = fields;
	return { ...rest, [SIGNATURE_FIELD]: signature ?? computeSignature(rest, clientSecret) };
}

export function pushUrl(base: string, event: PushEvent): string {
	return `${base.replace(/\/+$/, '')}/${PUSH_PATHS[event]}`;
}

function asText(record: Record<string, string | number | boolean>): Record<string, string> {
	return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, String(v)]));
}

/** The unsigned fields of a push as the reference's Push section lists them. */
export function pushFields(event: PushEvent, vehicle: Vehicle, platformCode: string, nowSeconds: number): Record<string, string> {
	const head = { iotCode: vehicle.iotCode, platformCode };
	switch (event) {
		case 'status': {
			const { iotCode: _i, ...status } = statusFields(vehicle);
			return asText({ ...head, ...status });
		}
		case 'location': {
			const { iotCode: _i, ...location } = locationFields(vehicle);
			return asText({ ...head, locationStatus: vehicle.gpsFix ? 'valid' : 'invalid', ...location });
		}
		case 'alert':
			return asText({ ...head, statusUtcTime: nowSeconds, alertStatus: 0, code: 1 });
		case 'fault':
			return asText({ ...head, statusUtcTime: nowSeconds, faultStatus: 0, code: 11 });
	}
}

function applyOverrides(fields: Record<string, string>, overrides: PushOverrides | undefined): Record<string, string> {
	const out = { ...fields };
	for (const [key, value] of Object.entries(overrides ?? {})) {
		if (key === SIGNATURE_FIELD) continue;
		if (value === null || value === undefined) delete out[key];
		else out[key] = String(value);
	}
	return out;
}

interface Schedule {
	nextStatus: number;
	nextLocation: number;
}

export class PushService {
	readonly records: RingBuffer<PushRecord>;
	private readonly schedules = new Map<string, Schedule>();
	private readonly agent = new Agent({ connections: 64, keepAliveTimeout: 4000 });
	// Aborted on close. Every push under way listens on it: hundreds at once is normal, not a leak.
	private readonly aborter = unboundedAbortController();
	/**
	 * Aborted (and replaced) whenever pushes stop, and on close: the pushes waiting for their
	 * retry listen on it, and leave the retry out.
	 */
	private stopper = unboundedAbortController();
	private timer: NodeJS.Timeout | undefined;
	private lastTick: number;
	private seq = 0;

	constructor(
		private readonly fleet: Fleet,
		private readonly clock: SimClock,
		private readonly client: Client,
		private readonly random: Random,
		public options: PushOptions,
		recordLimit: number,
	) {
		this.records = new RingBuffer(recordLimit);
		this.lastTick = clock.now();
	}

	get active(): boolean {
		return this.options.pushEnabled && !!this.options.pushTo;
	}

	configure(partial: Partial<PushOptions>): void {
		const wasActive = this.active;
		this.options = { ...this.options, ...partial };
		if (wasActive && !this.active) {
			this.stopper.abort();
			this.stopper = unboundedAbortController();
		}
		this.restart();
	}

	/** Starts or stops the scheduler to match the options. */
	restart(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
		if (!this.active || !this.options.pushSchedule || this.aborter.signal.aborted) return;
		this.lastTick = this.clock.now();
		this.timer = setInterval(() => this.tick(), this.options.tickMs);
		this.timer.unref();
	}

	async close(): Promise<void> {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
		this.aborter.abort();
		this.stopper.abort();
		await this.agent.close();
	}

	/** Signs a push for a vehicle without sending it. */
	sign(event: PushEvent, iotCode: string, overrides?: PushOverrides): SignedPush {
		const vehicle = this.fleet.get(iotCode);
		if (!vehicle) throw new RangeError(`unknown vehicle ${iotCode}`);
		const fields = applyOverrides(pushFields(event, vehicle, this.client.clientId, this.fleet.nowSeconds()), overrides);
		const signature = overrides?.[SIGNATURE_FIELD];
		const params = signParams(fields, this.client.clientSecret, signature == null ? undefined : String(signature));
		return {
			event,
			iotCode,
			params,
			body: encodeForm(params),
			url: this.options.pushTo ? pushUrl(this.options.pushTo, event) : undefined,
		};
	}

	/**
	 * Sends one push now; resolves when it was delivered or its retry failed too (or was left
	 * out). A silent vehicle sends nothing: the push is recorded as skipped.
	 */
	async send(
		event: PushEvent,
		iotCode: string,
		overrides?: PushOverrides,
		reason: PushRecord['reason'] = 'manual',
	): Promise<PushRecord> {
		const signed = this.sign(event, iotCode, overrides);
		if (this.fleet.get(iotCode)?.silent) return this.skip(this.record(signed, reason), 'silent');
		this.trackActive(iotCode, event, signed.params);
		if (this.active) {
			for (const base of this.options.alsoPushTo) void this.deliver({ ...signed, url: pushUrl(base, event) }, reason);
		}
		return await this.deliver(signed, reason);
	}

	private record(signed: SignedPush, reason: PushRecord['reason']): PushRecord {
		const record: PushRecord = { ...signed, seq: ++this.seq, reason, attempts: [], delivered: false, done: false };
		this.records.push(record);
		return record;
	}

	private skip(record: PushRecord, stoppedBy: PushRecord['stoppedBy']): PushRecord {
		record.skipped = true;
		record.stoppedBy = stoppedBy;
		record.done = true;
		return record;
	}

	/**
	 * Posts a signed push, with Segway's single retry; recorded. The retry is left out when
	 * pushes stopped at any moment since the push was made, or when the vehicle is silent by then.
	 */
	private async deliver(signed: SignedPush, reason: PushRecord['reason']): Promise<PushRecord> {
		const record = this.record(signed, reason);
		if (!this.active || !signed.url) return this.skip(record, 'pushes');
		const stopped = this.stopper.signal;
		for (let attempt = 0; attempt < 2 && !record.delivered; attempt++) {
			if (attempt > 0) {
				try {
					await sleep(this.clock.realMs(this.options.retryDelaySeconds), undefined, { signal: stopped });
				} catch {
					if (!this.aborter.signal.aborted) record.stoppedBy = 'pushes';
					break;
				}
				if (this.fleet.get(signed.iotCode)?.silent) {
					record.stoppedBy = 'silent';
					break;
				}
			}
			record.attempts.push(await this.post(signed.url, signed.body));
			record.delivered = record.attempts[record.attempts.length - 1].status === 200;
		}
		record.done = true;
		return record;
	}

	/** After a change the status reports (lock, battery...) the receiver hears it at once, then on the interval. */
	statusChanged(iotCode: string): void {
		const now = this.clock.now();
		// The same object: a change found while a tick reads the vehicle is pushed by that tick, once.
		const schedule = this.schedules.get(iotCode);
		if (schedule) {
			schedule.nextStatus = now;
			schedule.nextLocation = now;
		} else {
			this.schedules.set(iotCode, { nextStatus: now, nextLocation: now });
		}
	}

	/**
	 * The vehicle is heard again (it was silent): it reports its status at once, then on its
	 * status interval from now; its location keeps its rhythm (overdue: at the next tick).
	 * Undefined when it still cannot push (offline, inactive).
	 */
	reconnected(iotCode: string): Promise<PushRecord> | undefined {
		const vehicle = this.fleet.get(iotCode);
		if (!vehicle || !reachable(vehicle) || !vehicle.active) return undefined;
		const schedule = this.schedules.get(iotCode);
		if (schedule) schedule.nextStatus = this.clock.now() + intervalsOf(vehicle).status * 1000;
		return this.send('status', iotCode, undefined, 'event');
	}

	/** A shorter interval takes effect now rather than after the old, longer wait. */
	intervalsChanged(vehicle: Vehicle): void {
		const schedule = this.schedules.get(vehicle.iotCode);
		if (!schedule) return;
		const now = this.clock.now();
		const { status, location } = intervalsOf(vehicle);
		schedule.nextStatus = Math.min(schedule.nextStatus, now + status * 1000);
		schedule.nextLocation = Math.min(schedule.nextLocation, now + location * 1000);
	}

	private tick(): void {
		const now = this.clock.now();
		const elapsedHours = Math.max(0, now - this.lastTick) / 3600000;
		this.lastTick = now;
		const randomEventsOn = this.options.alertRatePerHour > 0 || this.options.faultRatePerHour > 0;
		// A route that ends with a lock pushes at that moment, not at the vehicle's next interval.
		this.fleet.advanceRoutes();
		for (const iotCode of this.fleet.iotCodes()) {
			let schedule = this.schedules.get(iotCode);
			if (!schedule) {
				// Spread the fleet's first pushes over one locked interval instead of all at once.
				const vehicle = this.fleet.get(iotCode)!;
				const { status, location } = intervalsOf(vehicle);
				schedule = {
					nextStatus: now + this.random() * status * 1000,
					nextLocation: now + this.random() * location * 1000,
				};
				this.schedules.set(iotCode, schedule);
				continue;
			}
			if (schedule.nextStatus > now && schedule.nextLocation > now && !randomEventsOn) continue;
			const vehicle = this.fleet.get(iotCode)!;
			// Offline, silent or inactive: nothing is heard; what is due goes out once it is heard again.
			if (!reachable(vehicle) || !vehicle.active) continue;
			const { status, location } = intervalsOf(vehicle);
			if (schedule.nextStatus <= now) {
				schedule.nextStatus = now + status * 1000;
				void this.send('status', iotCode, undefined, 'schedule');
			}
			if (schedule.nextLocation <= now) {
				schedule.nextLocation = now + location * 1000;
				void this.send('location', iotCode, undefined, 'schedule');
			}
			if (randomEventsOn) this.randomEvents(vehicle, elapsedHours);
		}
	}

	private randomEvents(vehicle: Vehicle, hours: number): void {
		const { alertRatePerHour, faultRatePerHour } = this.options;
		if (alertRatePerHour > 0 && this.random() < alertRatePerHour * hours) {
			const active = vehicle.activeAlerts[0];
			const codes = Object.keys(ALERT_CODES).map(Number);
			const code = active ?? codes[Math.floor(this.random() * codes.length)];
			void this.send('alert', vehicle.iotCode, { code, alertStatus: active === undefined ? 0 : 1 }, 'event');
		}
		if (faultRatePerHour > 0 && this.random() < faultRatePerHour * hours) {
			const active = vehicle.activeFaults[0];
			const codes = Object.keys(FAULT_CODES).map(Number);
			const code = active ?? codes[Math.floor(this.random() * codes.length)];
			void this.send('fault', vehicle.iotCode, { code, faultStatus: active === undefined ? 0 : 1 }, 'event');
		}
	}

	/** Keeps the vehicle's list of appearing alerts and faults in step with what was pushed. */
	private trackActive(iotCode: string, event: PushEvent, params: Record<string, string>): void {
		if (event !== 'alert' && event !== 'fault') return;
		const vehicle = this.fleet.get(iotCode);
		if (!vehicle) return;
		const list = event === 'alert' ? vehicle.activeAlerts : vehicle.activeFaults;
		const code = Number(params.code);
		const appearing = (event === 'alert' ? params.alertStatus : params.faultStatus) === '0';
		const index = list.indexOf(code);
		if (appearing && index < 0) list.push(code);
		if (!appearing && index >= 0) list.splice(index, 1);
	}

	private async post(url: string, body: string): Promise<PushAttempt> {
		const at = Date.now();
		try {
			const response = await request(url, {
				method: 'POST',
				body,
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				dispatcher: this.agent,
				headersTimeout: this.options.timeoutMs,
				bodyTimeout: this.options.timeoutMs,
				signal: this.aborter.signal,
			});
			await response.body.dump();
			return { at, status: response.statusCode };
		} catch (error) {
			return { at, error: error instanceof Error ? error.message : String(error) };
		}
	}
}

/** The interval (simulated seconds) that applies to the vehicle's current state. */
export function intervalsOf(vehicle: Vehicle): { status: number; location: number } {
	const { locationInterval, statusInterval } = vehicle.intervals;
	if (vehicle.locked) return { status: statusInterval.lockStatus, location: locationInterval.lockStatus };
	return {
		status: vehicle.riding ? statusInterval.ridingStatus : statusInterval.nonRiding,
		location: locationInterval.unlockStatus,
	};
}

function unboundedAbortController(): AbortController {
	const controller = new AbortController();
	setMaxListeners(0, controller.signal);
	return controller;
}
