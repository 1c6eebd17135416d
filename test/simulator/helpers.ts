import { createServer, type IncomingHttpHeaders, type Server } from 'http';
import type { AddressInfo } from 'net';
import { request } from 'undici';
import type { Field } from '../../api/catalog/spec';
import type { OperationSpec } from '../../api/catalog/operations';
import { wireFields } from '../../api/requests';
import { DEMO_CLIENT, type Simulator } from '../../simulator';

export async function getToken(sim: Simulator, client = DEMO_CLIENT): Promise<string> {
	const res = await request(`${sim.url}/oauth/token`, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({
			client_id: client.clientId,
			client_secret: client.clientSecret,
			grant_type: 'client_credentials',
		}).toString(),
	});
	const body = (await res.body.json()) as { access_token: string };
	if (res.statusCode !== 200) throw new Error(`token request failed: ${res.statusCode} ${JSON.stringify(body)}`);
	return body.access_token;
}

export interface ApiAnswer {
	status: number;
	body: { code: number; msg: string; data: any; t: number; opId: string; resId?: string };
}

/** Calls an operation as the reference describes: GET with a query string, POST with JSON. */
export async function call(
	sim: Simulator,
	spec: OperationSpec,
	params: Record<string, unknown>,
	token: string | undefined,
	authScheme = 'bearer',
): Promise<ApiAnswer> {
	const headers: Record<string, string> = {};
	if (token !== undefined) headers.authorization = `${authScheme} ${token}`;
	let url = `${sim.url}${spec.path}`;
	let body: string | undefined;
	if (spec.method === 'GET') {
		url += `?${new URLSearchParams(params as Record<string, string>).toString()}`;
	} else {
		headers['content-type'] = 'application/json';
		body = JSON.stringify(params);
	}
	const res = await request(url, { method: spec.method, headers, body });
	return { status: res.statusCode, body: (await res.body.json()) as ApiAnswer['body'] };
}

export async function callRaw(sim: Simulator, spec: OperationSpec, rawBody: string, token: string): Promise<ApiAnswer> {
	const res = await request(`${sim.url}${spec.path}`, {
		method: 'POST',
		headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
		body: rawBody,
	});
	return { status: res.statusCode, body: (await res.body.json()) as ApiAnswer['body'] };
}

function validScalar(field: Field): unknown {
	switch (field.type) {
		case 'choice':
			return field.choices[field.choices.length - 1].value;
		case 'integer':
			return field.max;
		case 'text':
			return field.placeholder;
		case 'flag':
			return true;
		case 'object':
			return Object.fromEntries(field.fields.map((f) => [f.name, validScalar(f)]));
	}
}

/** A request that uses every field the operation accepts, each with an allowed value. */
export function validParams(spec: OperationSpec, iotCode: string): Record<string, unknown> {
	const params: Record<string, unknown> = { iotCode };
	for (const field of wireFields(spec)) {
		// A GET flag travels as text; realTimeLocation needs a GPS fix, which fleets have by default.
		params[field.name] = spec.method === 'GET' ? String(validScalar(field)) : validScalar(field);
	}
	return params;
}

/** A value of the field's type that the reference does not allow. */
export function invalidValue(field: Field): unknown {
	switch (field.type) {
		case 'choice':
			return Math.max(...field.choices.map((c) => c.value)) + 1;
		case 'integer':
			return field.max + 1;
		case 'text':
			return 'no!';
		case 'flag':
			return 'yes';
		case 'object': {
			const sub = field.fields[0];
			return { [sub.name]: invalidValue(sub) };
		}
	}
}

export interface ReceivedPush {
	path: string;
	headers: IncomingHttpHeaders;
	body: string;
}

/** A push receiver answering with the given statuses in turn (the last one repeats). */
export async function startReceiver(statuses: number[] = [200]): Promise<{
	url: string;
	received: ReceivedPush[];
	close: () => Promise<void>;
	server: Server;
}> {
	const received: ReceivedPush[] = [];
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
			const status = statuses[Math.min(received.length - 1, statuses.length - 1)];
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ code: status === 200 ? 0 : 1, message: status === 200 ? 'success' : 'no' }));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		received,
		server,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

