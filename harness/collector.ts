/**
 * Where end-to-end workflows hand their items to the test: an HTTP server on loopback keeping
 * every JSON body it is sent, and the n8n HTTP Request node that sends them.
 */
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';

export class Collector<T = Record<string, unknown>> {
	readonly received: T[] = [];

	private constructor(private readonly server: Server) {}

	static async start<T = Record<string, unknown>>(): Promise<Collector<T>> {
		let collector: Collector<T> | undefined;
		const server = createServer((req, res) => {
			let body = '';
			req.on('data', (chunk: Buffer) => (body += chunk.toString()));
			req.on('end', () => {
				collector?.received.push(JSON.parse(body) as T);
				res.setHeader('content-type', 'application/json');
				res.end('{}');
			});
		});
		collector = new Collector<T>(server);
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		return collector;
	}

	get url(): string {
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/collect`;
	}

	async close(): Promise<void> {
		await new Promise((resolve) => this.server.close(resolve));
	}
}

/** An HTTP Request node (4.2, known to both n8n lines) posting `jsonBody` for every item it gets. */
export function forwardNode(id: string, url: string, jsonBody = '={{ JSON.stringify($json) }}', position: [number, number] = [250, 0]) {
	return {
		id,
		name: 'Forward',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position,
		parameters: { method: 'POST', url, sendBody: true, specifyBody: 'json', jsonBody, options: {} },
	};
}
