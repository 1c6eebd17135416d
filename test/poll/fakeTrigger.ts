/**
 * A stand-in for a published Segway Fleet Trigger's probe webhook, on loopback: n8n's URL layout
 * (`/webhook/<webhook ID>/stream`), the probe checked as the trigger checks it (readProbe, then
 * computeSignature with the client secret), and the answers of the protocol (api/catalog/probe.ts):
 * 200 with `{code: 0, lastPushAt, now}`, 401 to a bad signature, 404 from n8n for a webhook it does
 * not know. Other modes break it the ways a deployment breaks. Every request is recorded.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'http';
import { createServer as createHttpsServer } from 'https';
import type { AddressInfo, Socket } from 'net';

import { readProbe } from '../../api/catalog/probe';
import { computeSignature } from '../../api/catalog/signature';

export type TriggerMode =
	/** A published trigger: answers verified probes, 401 to the others. */
	| 'answer'
	/** n8n without the workflow published: 404 with n8n's message. */
	| 'notPublished'
	/** A proxy in front of n8n failing: 502. */
	| 'badGateway'
	/** Something that is not the trigger answers 200 (a login page, a parked domain). */
	| 'notAnAnswer'
	/** Accepts the connection and never answers. */
	| 'hang'
	/** Closes the connection without an answer. */
	| 'reset';

export interface ProbeRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: IncomingMessage['headers'];
	/** How the stand-in judged the signature (only in mode `answer`). */
	verified?: boolean;
}

export const WEBHOOK_ID = '4d1f6c0e-8b2a-4c3e-9f5d-2a7b1c9e0f31';

export class FakeTrigger {
	mode: TriggerMode = 'answer';
	/** What the trigger reports as its newest verified push, on its own clock. */
	lastPushAt: number | null = null;
	/** Added to the clock the trigger reports (`now`), to let time pass without waiting. */
	clockOffsetMs = 0;
	readonly requests: ProbeRequest[] = [];
	private readonly sockets = new Set<Socket>();

	private constructor(
		private readonly server: Server,
		private readonly secret: string,
		private readonly scheme: 'http' | 'https',
	) {}

	/** `tls`: serve HTTPS with this key and certificate. */
	static async start(secret: string, tls?: { key: string; cert: string }): Promise<FakeTrigger> {
		let trigger: FakeTrigger | undefined;
		const handler = (req: IncomingMessage, res: ServerResponse) => trigger!.handle(req, res);
		const server = tls === undefined ? createHttpServer(handler) : createHttpsServer(tls, handler);
		trigger = new FakeTrigger(server, secret, tls === undefined ? 'http' : 'https');
		server.on('connection', (socket: Socket) => {
			trigger!.sockets.add(socket);
			socket.on('close', () => trigger!.sockets.delete(socket));
		});
		server.on('secureConnection', (socket: Socket) => {
			trigger!.sockets.add(socket);
			socket.on('close', () => trigger!.sockets.delete(socket));
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		return trigger;
	}

	/** The base URL registered with Segway: what the poll trigger's Push URL holds. */
	get url(): string {
		return `${this.scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhook/${WEBHOOK_ID}`;
	}

	get now(): number {
		return Date.now() + this.clockOffsetMs;
	}

	async close(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private handle(req: IncomingMessage, res: ServerResponse): void {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const request: ProbeRequest = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers };
		this.requests.push(request);
		const json = (status: number, body: unknown) => {
			res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
			res.end(JSON.stringify(body));
		};
		const known = req.method === 'GET' && url.pathname === `/webhook/${WEBHOOK_ID}/stream`;
		if (this.mode === 'notPublished' || !known) {
			json(404, {
				code: 404,
				message: `The requested webhook "${req.method} ${url.pathname.replace(/^\/webhook\//, '')}" is not registered.`,
				hint: "The workflow must be active for a production URL to run successfully. You can activate the workflow using the toggle in the top-right of the editor. Note that unlike test URL calls, production URL calls aren't shown on the canvas (only in the executions list)",
			});
			return;
		}
		switch (this.mode) {
			case 'hang':
				return;
			case 'reset':
				req.socket.destroy();
				return;
			case 'badGateway':
				res.writeHead(502, { 'content-type': 'text/html' });
				res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
				return;
			case 'notAnAnswer':
				res.writeHead(200, { 'content-type': 'text/html' });
				res.end('<html><body>Please sign in</body></html>');
				return;
			default:
				break;
		}
		// As the trigger verifies: a signed probe within 5 minutes of its (real) clock.
		const probe = readProbe(request.query, Date.now());
		request.verified = !('refused' in probe) && computeSignature(probe.params, this.secret) === probe.signature;
		if (!request.verified) {
			json(401, { code: 401, message: 'refused: the probe signature does not match this trigger\'s client secret' });
			return;
		}
		json(200, { code: 0, lastPushAt: this.lastPushAt, now: this.now });
	}
}
