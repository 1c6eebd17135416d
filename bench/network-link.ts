/**
 * What the bench network's link itself costs and adds (bench/lib/network.ts): TCP connects across
 * it at the given round-trip time, and the userspace link's CPU per 10,000 packets while four
 * TCP downloads cross it. Linux, as root.
 *
 *   npm run bench:network-link [-- --rtt 50 --download-mib 64]
 */
import { execFile } from 'child_process';
import { readFileSync } from 'fs';
import { createServer, type Socket } from 'net';
import { parseArgs, promisify } from 'util';

import { cpuSeconds } from '../harness/cpu';
import { createBenchNetwork, networkAvailable } from './lib/network';
import { summarize } from './lib/stats';

const { values: args } = parseArgs({ options: { rtt: { type: 'string', default: '50' }, 'download-mib': { type: 'string', default: '64' } } });

async function measureLink(rttMs: number, downloadMib: number): Promise<void> {
	const network = await createBenchNetwork({ rttMs, jitterMs: 0, lossPercent: 0 });
	const bulkBytes = downloadMib * 1024 * 1024;
	// A client's last FIN may still be in the link when the network is torn down: such a socket
	// would stay open here, and keep the bench alive, unless closed by hand.
	const sockets = new Set<Socket>();
	const server = createServer((socket) => {
		sockets.add(socket.once('close', () => sockets.delete(socket)));
		socket.once('data', (data) => (data.toString() === 'bulk' ? socket.end(Buffer.alloc(bulkBytes)) : socket.write(data)));
	});
	await new Promise<void>((resolve) => server.listen(0, network.hostAddress, () => resolve()));
	const port = (server.address() as { port: number }).port;
	// Not execFileSync: the server answering the script lives in this process's event loop.
	const inside = async (script: string) => {
		const [command, args] = network.inside(process.execPath, ['-e', script]);
		return JSON.parse((await promisify(execFile)(command, args, { encoding: 'utf8' })).stdout) as number[];
	};
	try {
		const connects = await inside(`const net = require('net'); const ms = [];
			(function once() { const start = performance.now(); const socket = net.connect(${port}, '${network.hostAddress}', () => {
				ms.push(performance.now() - start); socket.destroy(); if (ms.length < 20) once(); else console.log(JSON.stringify(ms)); }); })();`);
		const connect = summarize(connects);
		console.log(`link: ${network.link}; TCP connect over rtt ${rttMs} ms, 20 in a row: min ${connect.min.toFixed(2)}, median ${connect.p50.toFixed(2)}, max ${connect.max.toFixed(2)} ms`);
		if (network.linkPid === undefined) return;
		const counters = `/sys/class/net/${network.hostDevice}/statistics/`;
		const packets = () => Number(readFileSync(counters + 'rx_packets', 'utf8')) + Number(readFileSync(counters + 'tx_packets', 'utf8'));
		const [packetsBefore, cpuBefore, start] = [packets(), cpuSeconds(network.linkPid), Date.now()];
		await inside(`const net = require('net'); let left = 4;
			for (let i = 0; i < 4; i++) { const socket = net.connect(${port}, '${network.hostAddress}', () => socket.write('bulk'));
				socket.on('data', () => undefined); socket.on('end', () => { if (--left === 0) console.log('[]'); }); }`);
		const [count, cpu, seconds] = [packets() - packetsBefore, cpuSeconds(network.linkPid) - cpuBefore, (Date.now() - start) / 1000];
		console.log(
			`link CPU: ${((cpu / count) * 10_000).toFixed(3)} s per 10,000 packets (${count} packets in ${seconds.toFixed(1)} s, ` +
				`${Math.round(count / seconds)} packets/s, ${cpu.toFixed(2)} CPU s; 4 TCP downloads of ${bulkBytes / 1024 / 1024} MiB)`,
		);
	} finally {
		server.close();
		for (const socket of sockets) socket.destroy();
		await network.close();
	}
}

const available = networkAvailable();
if (!available.ok) {
	console.error(`bench:network-link needs ${available.why}`);
	process.exitCode = 1;
} else {
	measureLink(Number(args.rtt), Number(args['download-mib'])).catch((error: unknown) => {
		console.error(error);
		process.exitCode = 1;
	});
}
