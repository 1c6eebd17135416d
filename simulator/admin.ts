/**
 * The admin interface under `/_admin/`, JSON in and out: what a person at the console or a test
 * in another process does to the simulated world. It mirrors the programmatic API.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import { PUSH_EVENTS, type PushEvent } from '../api/catalog/pushes';
import { FAILURE_KINDS, toFailureKind, toTokenFailureKind } from './faults';
import { readBody, sendJson } from './http';
import type { PushOverrides } from './pushes';
import type { AdminVehiclePatch, RuntimeOptions, Simulator } from './simulator';

class AdminError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

export const ADMIN_ENDPOINTS = [
	'GET    /_admin                          this list',
	'GET    /_admin/vehicles                 all vehicles',
	'GET    /_admin/vehicles/:iotCode        one vehicle',
	'PATCH  /_admin/vehicles/:iotCode        change state: powerPercent, charging, online, silent, active, upgrading, firmware, riding, speed, locked, gpsFix, latitude/longitude/altitude, alert {code, alertStatus}, fault {code, faultStatus}, route, ...',
	'PATCH  /_admin/vehicles/:iotCode        {"silent": true} its IoT module is cut off: no push of any kind (retries included), queries and commands answer 15301, and unlike online: false nothing tells so; {"silent": false} it is heard again: a status push at once, then its usual rhythm',
	'PATCH  /_admin/vehicles/:iotCode        {"route": {"waypoints": [[lon, lat], [lon, lat, kph], ...], "speedKph"?, "loop"?: true | "end"?: "park"|"lock"}} a rider follows it from the first waypoint; {"route": null} leaves it',
	'POST   /_admin/vehicles/:iotCode/park   the rider gets off (so lock works)',
	'POST   /_admin/vehicles/:iotCode/push   {event, overrides?, send?: false → only sign}',
	'POST   /_admin/vehicles/:iotCode/fail   {count, kind} fail its next requests',
	'GET    /_admin/config                   runtime options',
	'PATCH  /_admin/config                   {"pushEnabled": false} stops every push to every receiver (scheduled, event, manual, retries waiting), true resumes them (what fell due meanwhile goes at once, once)',
	'PATCH  /_admin/config                   change latencyMs, jitterMs, failureRate, failureKinds, timeScale, autoParkSeconds, pushTo, pushEnabled, pushSchedule, refuseTokens, tokenRejection, tokenExpiresIn, retryAfterSeconds, redirectTo, stringCodes, ...',
	'POST   /_admin/faults/reset             drop forced failures, restart the seeded sequence',
	'GET    /_admin/requests?limit=N         recorded requests (newest last)',
	'DELETE /_admin/requests                 clear them',
	'GET    /_admin/stats                    counters',
	'POST   /_admin/stats/reset              zero the counters',
	'GET    /_admin/pushes?limit=N           sent pushes and their attempts',
	'DELETE /_admin/pushes                   clear them',
	'GET    /_admin/clients                  clients and live token counts',
	'POST   /_admin/tokens/revoke            kill every issued token',
	'POST   /_admin/tokens/advance           {seconds} let every issued token age',
	'POST   /_admin/tokens/fail              {count, kind} fail the next token requests (hang, drop, http500/502/503, redirect)',
	'POST   /_admin/clock/advance            {seconds} let simulated time jump ahead',
];

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
	const text = await readBody(req);
	if (text.trim() === '') return {};
	try {
		const value: unknown = JSON.parse(text);
		if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
	} catch {
		// answered below
	}
	throw new AdminError(400, 'body must be a JSON object');
}

function limited<T>(items: T[], query: URLSearchParams): T[] {
	const limit = Number(query.get('limit'));
	return Number.isInteger(limit) && limit > 0 ? items.slice(-limit) : items;
}

export async function handleAdmin(
	sim: Simulator,
	req: IncomingMessage,
	res: ServerResponse,
	path: string,
	rawQuery: string,
): Promise<void> {
	try {
		const result = await route(sim, req, path.replace(/\/+$/, ''), new URLSearchParams(rawQuery));
		sendJson(res, 200, result);
	} catch (error) {
		if (error instanceof AdminError) return sendJson(res, error.status, { error: error.message });
		if (error instanceof RangeError || error instanceof TypeError) return sendJson(res, 400, { error: error.message });
		throw error;
	}
}

async function route(sim: Simulator, req: IncomingMessage, path: string, query: URLSearchParams): Promise<unknown> {
	const method = req.method ?? 'GET';
	const key = `${method} ${path}`;
	switch (key) {
		case 'GET /_admin':
			return { endpoints: ADMIN_ENDPOINTS, failureKinds: FAILURE_KINDS, pushEvents: PUSH_EVENTS };
		case 'GET /_admin/vehicles':
			return sim.fleet.list();
		case 'GET /_admin/config':
			return sim.options;
		case 'PATCH /_admin/config':
			sim.configure((await readJson(req)) as RuntimeOptions);
			return sim.options;
		case 'POST /_admin/faults/reset':
			sim.resetFaults();
			return { ok: true };
		case 'GET /_admin/requests':
			return limited(sim.requests, query);
		case 'DELETE /_admin/requests':
			sim.clearRequests();
			return { ok: true };
		case 'GET /_admin/stats':
			return sim.stats;
		case 'POST /_admin/stats/reset':
			sim.resetStats();
			return sim.stats;
		case 'GET /_admin/pushes':
			return limited(sim.pushes, query);
		case 'DELETE /_admin/pushes':
			sim.clearPushes();
			return { ok: true };
		case 'GET /_admin/clients':
			return sim.tokenCounts();
		case 'POST /_admin/tokens/revoke':
			sim.revokeTokens();
			return { ok: true };
		case 'POST /_admin/tokens/fail': {
			const body = await readJson(req);
			const count = Number(body.count ?? 1);
			if (!Number.isInteger(count) || count < 0) throw new AdminError(400, 'count must be a whole number');
			sim.failNextToken(count, toTokenFailureKind(body.kind ?? 'http503'));
			return { ok: true };
		}
		case 'POST /_admin/tokens/advance': {
			const seconds = Number((await readJson(req)).seconds);
			sim.advanceTokenTime(seconds);
			return { ok: true, advancedSeconds: seconds };
		}
		case 'POST /_admin/clock/advance': {
			const seconds = Number((await readJson(req)).seconds);
			sim.advanceTime(seconds);
			return { ok: true, advancedSeconds: seconds };
		}
	}
	const match = /^\/_admin\/vehicles\/([^/]+)(?:\/(park|push|fail))?$/.exec(path);
	if (!match) throw new AdminError(404, `no admin endpoint ${key}; GET /_admin lists them`);
	const iotCode = decodeURIComponent(match[1]);
	const vehicle = sim.fleet.get(iotCode);
	if (!vehicle) throw new AdminError(404, `unknown vehicle ${iotCode}`);
	switch (`${method} ${match[2] ?? ''}`) {
		case 'GET ':
			return vehicle;
		case 'PATCH ':
			return sim.fleet.update(iotCode, (await readJson(req)) as AdminVehiclePatch);
		case 'POST park':
			return sim.fleet.park(iotCode);
		case 'POST push': {
			const body = await readJson(req);
			const event = body.event as PushEvent;
			if (!PUSH_EVENTS.includes(event)) throw new AdminError(400, `event must be one of ${PUSH_EVENTS.join(', ')}`);
			const overrides = body.overrides as PushOverrides | undefined;
			if (body.send === false) return sim.signPush(event, iotCode, overrides);
			return sim.sendPush(event, iotCode, overrides);
		}
		case 'POST fail': {
			const body = await readJson(req);
			const count = Number(body.count ?? 1);
			if (!Number.isInteger(count) || count < 0) throw new AdminError(400, 'count must be a whole number');
			sim.failNext(iotCode, count, toFailureKind(body.kind ?? '15302'));
			return { ok: true, iotCode, pending: sim.pendingFailures(iotCode) };
		}
	}
	throw new AdminError(405, `${method} not allowed on ${path}`);
}
