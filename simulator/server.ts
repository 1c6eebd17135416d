/**
 * The HTTP side: the token endpoint, the API operations and the admin interface on one
 * `node:http` server (`node:https` with `tls`: what a real gateway is). Errors are HTTP 200 bodies with a code, as the reference's gateway does;
 * only the injected gateway failures use HTTP status codes.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'http';
import { createServer as createTlsServer } from 'https';
import { setTimeout as sleep } from 'timers/promises';
import { CODE_TOKEN_INVALID } from '../api/catalog/codes';
import type { OperationSpec } from '../api/catalog/operations';
import { CODE_PARAMETER_ERROR, operationKey } from './endpointCodes';
import { GATEWAY_FAILURES, type FailureKind, type FaultConfig, type TokenFailureKind } from './faults';
import { readBody, sendJson } from './http';
import {
	applyOperation,
	firstRefusal,
	reply,
	ROUTES,
	type ApiReply,
	type Params,
} from './routes';
import type { RecordedRequest } from './recorder';
import type { SimulatorCore } from './simulator';
import { bearerToken } from './tokens';
import { parameterProblem } from './validation';

/** Answers `/_admin/...` requests; the simulator hands in the one bound to itself. */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse, path: string, query: string) => Promise<void>;

function splitUrl(url: string): { path: string; query: string } {
	const mark = url.indexOf('?');
	return mark < 0 ? { path: url, query: '' } : { path: url.slice(0, mark), query: url.slice(mark + 1) };
}

/** A certificate and its key, PEM: the simulator then answers HTTPS only. */
export interface TlsIdentity {
	cert: string;
	key: string;
}

export function createSimulatorServer(core: SimulatorCore, admin: AdminHandler, tls?: TlsIdentity): Server {
	const listener: RequestListener = (req, res) => {
		handle(core, admin, req, res).catch((error: unknown) => {
			if (!res.headersSent) sendJson(res, 500, { error: 'simulator error', message: String(error) });
			else res.destroy();
		});
	};
	// https.Server has every http.Server method the simulator uses (listen, close, closeAllConnections).
	const server = tls ? (createTlsServer({ cert: tls.cert, key: tls.key }, listener) as unknown as Server) : createServer(listener);
	// A TLS connection counts once its handshake is done: the cost a reused connection saves.
	server.on(tls ? 'secureConnection' : 'connection', () => core.recorder.connected());
	server.keepAliveTimeout = 30000;
	return server;
}

async function handle(core: SimulatorCore, admin: AdminHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
	const { path, query } = splitUrl(req.url ?? '/');
	if (path.startsWith('/_admin')) return admin(req, res, path, query);
	if (path === '/oauth/token') return handleToken(core, req, res, query);
	const spec = ROUTES.get(`${req.method} ${path}`);
	if (!spec) {
		await readBody(req);
		return sendJson(res, 404, { error: 'Not Found', path, method: req.method });
	}
	return handleOperation(core, spec, req, res, path, query);
}

async function handleToken(core: SimulatorCore, req: IncomingMessage, res: ServerResponse, query: string) {
	const rawBody = await readBody(req);
	const form = new URLSearchParams(rawBody);
	const entry = core.recorder.record({
		kind: 'token',
		method: req.method ?? '',
		path: '/oauth/token',
		query,
		headers: req.headers,
		authorization: req.headers.authorization,
		rawBody,
		body: Object.fromEntries(form),
		time: Date.now(),
	});
	if (req.method !== 'POST') {
		entry.status = 405;
		return sendJson(res, 405, { error: 'method_not_allowed', error_description: 'Request method not supported' });
	}
	const delay = core.faults.delayMs();
	if (delay > 0) await sleep(delay);
	const failure = core.faults.drawToken();
	if (failure !== undefined) {
		entry.failure = failure;
		return failHttp(res, failure, entry, core.faults.config);
	}
	const result = core.tokens.issue(form);
	entry.status = result.ok ? 200 : result.status;
	return sendJson(res, entry.status, result.ok ? result.token : result.body);
}

/** Parameters as received: the query string's fields, or the JSON body's (15004 when it is not an object). */
function receivedParams(spec: OperationSpec, query: string, rawBody: string): { params?: Params; body?: unknown } {
	if (spec.method === 'GET') return { params: Object.fromEntries(new URLSearchParams(query)) };
	try {
		const body: unknown = JSON.parse(rawBody);
		const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
		return { body, params: isObject ? (body as Params) : undefined };
	} catch {
		return {};
	}
}

async function handleOperation(
	core: SimulatorCore,
	spec: OperationSpec,
	req: IncomingMessage,
	res: ServerResponse,
	path: string,
	query: string,
): Promise<void> {
	core.recorder.enter();
	// `close` comes once the answer is flushed or the socket is gone, whichever way it ends.
	res.once('close', () => core.recorder.leave());
	const rawBody = spec.method === 'POST' ? await readBody(req) : (req.resume(), '');
	const { params, body } = receivedParams(spec, query, rawBody);
	const entry = core.recorder.record({
		kind: 'api',
		method: spec.method,
		path,
		query,
		headers: req.headers,
		authorization: req.headers.authorization,
		rawBody,
		body,
		operation: operationKey(spec),
		iotCode: typeof params?.iotCode === 'string' ? params.iotCode : undefined,
		time: Date.now(),
	});
	if (core.barrier !== undefined) await core.barrier.arrive();
	const delay = core.faults.delayMs();
	if (delay > 0) await sleep(delay);
	const answer = answerOperation(core, spec, req, params, entry);
	if (answer.unauthorized) {
		entry.status = 401;
		return sendJson(res, 401, { error: 'invalid_token', error_description: 'Invalid access token' });
	}
	if (answer.failure) return failHttp(res, answer.failure, entry, core.faults.config);
	entry.status = 200;
	entry.code = answer.reply.code;
	sendJson(res, 200, core.faults.config.stringCodes ? { ...answer.reply, code: String(answer.reply.code) } : answer.reply);
}

function answerOperation(
	core: SimulatorCore,
	spec: OperationSpec,
	req: IncomingMessage,
	params: Params | undefined,
	entry: RecordedRequest,
):
	| { reply: ApiReply; failure?: undefined; unauthorized?: undefined }
	| { failure: FailureKind | 'reset-after'; reply?: undefined; unauthorized?: undefined }
	| { unauthorized: true; reply?: undefined; failure?: undefined } {
	const token = bearerToken(req.headers.authorization);
	if (!token || !core.tokens.verify(token)) {
		return core.tokens.rejection === 'http401' ? { unauthorized: true } : { reply: reply(spec, CODE_TOKEN_INVALID) };
	}
	if (!params || parameterProblem(spec, params)) return { reply: reply(spec, CODE_PARAMETER_ERROR) };
	const iotCode = String(params.iotCode).trim();
	entry.iotCode = iotCode;
	const failure = core.faults.draw(iotCode);
	if (failure !== undefined) entry.failure = failure;
	if (failure === '15990') return { reply: reply(spec, 15990) };
	if (failure !== undefined && GATEWAY_FAILURES.has(failure)) return { failure };
	const vehicle = core.fleet.get(iotCode);
	if (!vehicle) return { reply: reply(spec, 15102) };
	const refused = firstRefusal('state', vehicle, spec, params);
	if (refused !== undefined) return { reply: reply(spec, refused) };
	if (failure === '15302' || failure === '15303') return { reply: reply(spec, Number(failure)) };
	const deviceRefused = firstRefusal('device', vehicle, spec, params);
	if (deviceRefused !== undefined) return { reply: reply(spec, deviceRefused) };
	const { data, effects } = applyOperation(spec, vehicle, params, core.fleet);
	if (effects?.lockChanged) core.pushes.statusChanged(iotCode);
	if (effects?.intervalsChanged) core.pushes.intervalsChanged(vehicle);
	// Carried out, but the answer says otherwise or never comes.
	if (failure === '15302-acted') return { reply: reply(spec, 15302) };
	if (failure === 'reset-after') return { failure };
	return { reply: reply(spec, 0, data ?? null) };
}

const STATUS_TEXT: Record<number, string> = {
	429: 'Too Many Requests',
	500: 'Internal Server Error',
	502: 'Bad Gateway',
	503: 'Service Unavailable',
};

/** Gateway-level failures: what a proxy in front of the API answers, a cut connection, or none. */
function failHttp(res: ServerResponse, kind: FailureKind | TokenFailureKind, entry: RecordedRequest, config: FaultConfig): void {
	switch (kind) {
		case 'drop':
		case 'reset-after':
			entry.status = 0;
			res.socket?.destroy();
			res.destroy();
			return;
		case 'hang':
			// Never answered: the client gives up (its timeout) or the simulator closes.
			entry.status = 0;
			return;
		case 'redirect': {
			entry.status = 307;
			const location = `${config.redirectTo.replace(/\/+$/, '')}${entry.path}${entry.query ? `?${entry.query}` : ''}`;
			res.writeHead(307, { location, 'content-length': 0 });
			res.end();
			return;
		}
		default: {
			const status = Number(kind.slice(4));
			entry.status = status;
			if (status === 429) res.setHeader('retry-after', String(config.retryAfterSeconds));
			sendJson(res, status, { timestamp: Date.now(), status, error: STATUS_TEXT[status] ?? 'Error', path: entry.path });
		}
	}
}
