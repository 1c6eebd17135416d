/**
 * The ports the e2e harness gives n8n: outside the kernel's ephemeral range, so no outgoing
 * connection on the machine can take one between the check and n8n's listen, and never twice.
 */
import { readFileSync } from 'fs';
import { createServer } from 'net';

import { freePort } from '../../harness/n8n';

const ephemeralLow = (() => {
	try {
		return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
	} catch {
		return 49152;
	}
})();

test('ports lie below the ephemeral range, are distinct, and can be listened on', async () => {
	const ports: number[] = [];
	for (let i = 0; i < 40; i++) ports.push(await freePort());
	expect(new Set(ports).size).toBe(ports.length);
	for (const port of ports) {
		expect(port).toBeGreaterThanOrEqual(10000);
		expect(port).toBeLessThan(Math.min(ephemeralLow, 32768));
	}
	const server = createServer();
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(ports[0], resolve);
	});
	await new Promise<void>((resolve) => server.close(() => resolve()));
});
