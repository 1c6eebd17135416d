/**
 * `npm run simulator -- [flags]`: the simulator as a standalone local server, e.g. as the
 * credential's custom base URL in a local n8n.
 */
import { readFileSync } from 'fs';
import { parseArgs } from 'util';
import type { RouteSpec } from './riding';
import { FAILURE_KINDS, type FailureKind } from './faults';
import type { SimulatorOptions } from './simulator';
import { startSimulator } from './start';
import { DEMO_CLIENT, type TokenRejection } from './tokens';

const HELP = `Segway API-Max simulator

Usage: npm run simulator -- [options]

  --host <addr>             listen address (default 127.0.0.1)
  --port <n>                port (default 8080; 0 = any free port)
  --vehicles <n>            fleet size (default 20)
  --seed <text|n>           seed for IMEIs, fleet state and injected failures (default 20081)
  --client-id <id>          client id (default ${DEMO_CLIENT.clientId}); repeat with --client-secret for more clients
  --client-secret <secret>  client secret (default ${DEMO_CLIENT.clientSecret})
  --token-ttl <s>           expires_in of issued tokens (default 43199)
  --token-overlap <s>       how long the previous token lives after a renewal (default 300)
  --token-rejection <how>   code (HTTP 200 with 15101, as the reference) or http401 (a gateway) (default code)
  --token-expires-in <s>    expires_in answered for every token (e.g. 0.001), whatever its real life (--token-ttl)
  --latency <ms>            added to every answer (default 0)
  --jitter <ms>             plus a random 0..jitter ms (default 0)
  --failure-rate <0..1>     share of API requests that fail (default 0)
  --failure-kinds <list>    comma-separated: ${FAILURE_KINDS.join(',')} (default 15302,15303)
  --time-scale <x>          simulated seconds per real second (default 1; 10 → 10 s push interval every 1 s)
  --auto-park <s>           simulated seconds a ride lasts after unlock (default 60; 0 = park at once)
  --push-to <url>           receiver base URL, e.g. http://localhost:5678/webhook/<id>; repeat it
                            to send a copy of every push to more receivers
  --no-push                 do not send pushes even with --push-to
  --no-push-schedule        send only pushes asked for (admin API), none on the vehicles' schedule
  --alert-rate <n>          random alerts per vehicle and simulated hour (default 0)
  --fault-rate <n>          random faults per vehicle and simulated hour (default 0)
  --record-limit <n>        requests and pushes kept for /_admin (default 10000)
  --routes <file.json>      routes to ride from the start, a JSON object IMEI → route:
                            {"861477038712169": {"waypoints": [[lon, lat], [lon, lat, kph], ...],
                            "speedKph": 15, "loop": true}, ...} ("end": "park" or "lock" instead of
                            "loop"); those vehicles start unlocked and riding, e.g.
                            examples/zones/demo-routes.json. PATCH /_admin/vehicles/<IMEI>
                            {"route": {...}} sets one while running
  -h, --help                this text

Admin interface: GET <url>/_admin lists its endpoints.
`;

function number(name: string, value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!Number.isFinite(n)) throw new Error(`--${name} needs a number, got "${value}"`);
	return n;
}

/** A --routes file: a JSON object IMEI → route (each route is checked when the fleet takes it). */
function readRoutes(file: string): Record<string, RouteSpec> {
	let value: unknown;
	try {
		value = JSON.parse(readFileSync(file, 'utf8'));
	} catch (error) {
		throw new Error(`--routes ${file}: ${error instanceof Error ? error.message : String(error)}`);
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new Error(`--routes ${file}: must be a JSON object IMEI → route`);
	}
	return value as Record<string, RouteSpec>;
}

function tokenRejection(value: string | undefined): TokenRejection | undefined {
	if (value === undefined || value === 'code' || value === 'http401') return value;
	throw new Error(`--token-rejection is code or http401, got "${value}"`);
}

export function parseCli(argv: string[]): { options: SimulatorOptions; help: boolean } {
	const { values } = parseArgs({
		args: argv,
		strict: true,
		options: {
			host: { type: 'string' },
			port: { type: 'string' },
			vehicles: { type: 'string' },
			seed: { type: 'string' },
			'client-id': { type: 'string', multiple: true },
			'client-secret': { type: 'string', multiple: true },
			'token-ttl': { type: 'string' },
			'token-overlap': { type: 'string' },
			'token-rejection': { type: 'string' },
			'token-expires-in': { type: 'string' },
			latency: { type: 'string' },
			jitter: { type: 'string' },
			'failure-rate': { type: 'string' },
			'failure-kinds': { type: 'string' },
			'time-scale': { type: 'string' },
			'auto-park': { type: 'string' },
			'push-to': { type: 'string', multiple: true },
			'no-push': { type: 'boolean' },
			'no-push-schedule': { type: 'boolean' },
			'alert-rate': { type: 'string' },
			'fault-rate': { type: 'string' },
			'record-limit': { type: 'string' },
			routes: { type: 'string' },
			help: { type: 'boolean', short: 'h' },
		},
	});
	const ids = values['client-id'] ?? [];
	const secrets = values['client-secret'] ?? [];
	if (ids.length !== secrets.length && !(ids.length <= 1 && secrets.length <= 1)) {
		throw new Error('give one --client-secret per --client-id');
	}
	const clients =
		ids.length === 0 && secrets.length === 0
			? undefined
			: (ids.length ? ids : [DEMO_CLIENT.clientId]).map((clientId, i) => ({
					clientId,
					clientSecret: secrets[i] ?? DEMO_CLIENT.clientSecret,
				}));
	const seed = values.seed === undefined ? undefined : /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
	const options: SimulatorOptions = {
		host: values.host ?? '127.0.0.1',
		port: number('port', values.port) ?? 8080,
		vehicles: number('vehicles', values.vehicles) ?? 20,
		seed,
		clients,
		tokenTtlSeconds: number('token-ttl', values['token-ttl']),
		tokenOverlapSeconds: number('token-overlap', values['token-overlap']),
		tokenRejection: tokenRejection(values['token-rejection']),
		tokenExpiresIn: number('token-expires-in', values['token-expires-in']),
		latencyMs: number('latency', values.latency),
		jitterMs: number('jitter', values.jitter),
		failureRate: number('failure-rate', values['failure-rate']),
		failureKinds: values['failure-kinds']?.split(',').map((k) => k.trim() as FailureKind),
		timeScale: number('time-scale', values['time-scale']),
		autoParkSeconds: number('auto-park', values['auto-park']),
		pushTo: values['push-to']?.[0],
		alsoPushTo: values['push-to']?.slice(1),
		pushEnabled: !values['no-push'],
		pushSchedule: !values['no-push-schedule'],
		alertRatePerHour: number('alert-rate', values['alert-rate']),
		faultRatePerHour: number('fault-rate', values['fault-rate']),
		recordLimit: number('record-limit', values['record-limit']),
		routes: values.routes === undefined ? undefined : readRoutes(values.routes),
	};
	return { options, help: !!values.help };
}

async function main(): Promise<void> {
	let parsed: ReturnType<typeof parseCli>;
	try {
		parsed = parseCli(process.argv.slice(2));
	} catch (error) {
		process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
		process.exit(2);
	}
	if (parsed.help) {
		process.stdout.write(HELP);
		return;
	}
	let sim: Awaited<ReturnType<typeof startSimulator>>;
	try {
		sim = await startSimulator(parsed.options);
		// A runtime option only: applied once the simulator runs.
		if (parsed.options.tokenExpiresIn !== undefined) sim.configure({ tokenExpiresIn: parsed.options.tokenExpiresIn });
	} catch (error) {
		if (!(error instanceof RangeError)) throw error;
		process.stderr.write(`${error.message}\n`);
		process.exit(2);
	}
	const codes = sim.iotCodes;
	const routed = Object.keys(parsed.options.routes ?? {});
	const lines = [
		`Segway API-Max simulator listening on ${sim.url}`,
		...sim.clients.map((c) => `  client_id ${c.clientId}  client_secret ${c.clientSecret}`),
		`  ${codes.length} vehicles, e.g. ${codes.slice(0, 5).join(', ')}`,
		`  pushes: ${pushesLine(parsed.options)}`,
		...(routed.length > 0 ? [`  on routes from the start: ${routed.join(', ')}`] : []),
		`  admin: ${sim.url}/_admin`,
		'',
		`  curl -s -X POST ${sim.url}/oauth/token -d client_id=${sim.clients[0].clientId} -d client_secret=${sim.clients[0].clientSecret} -d grant_type=client_credentials`,
		'',
	];
	process.stdout.write(lines.join('\n'));
	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) return;
		stopping = true;
		process.stdout.write(`\n${signal}: stopping\n`);
		sim.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.once('SIGINT', () => stop('SIGINT'));
	process.once('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) void main();

function pushesLine(options: { pushTo?: string; alsoPushTo?: string[]; pushEnabled?: boolean }): string {
	if (!options.pushTo) return 'off (no --push-to)';
	const targets = [options.pushTo, ...(options.alsoPushTo ?? [])].join(' and ');
	return options.pushEnabled === false ? `off until PATCH /_admin/config {"pushEnabled":true}, then to ${targets}` : `to ${targets}`;
}
