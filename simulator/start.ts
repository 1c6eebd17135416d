/** Assembles the parts into one running simulator: `startSimulator(options)`. */
import { handleAdmin } from './admin';
import { SimClock } from './clock';
import { FaultInjector, toFailureKind } from './faults';
import { Fleet } from './fleet';
import { DEFAULT_PUSH_OPTIONS, PushService } from './pushes';
import { seededRandom, toSeed } from './random';
import { Recorder } from './recorder';
import { createSimulatorServer } from './server';
import { Simulator, type SimulatorCore, type SimulatorOptions } from './simulator';
import { DEMO_CLIENT, TokenStore } from './tokens';

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
	const seed = toSeed(options.seed);
	const random = seededRandom(seed);
	const clock = new SimClock(options.timeScale ?? 1);
	const clients = options.clients && options.clients.length > 0 ? options.clients : [DEMO_CLIENT];
	const recordLimit = options.recordLimit ?? 10000;
	const fleet = new Fleet(options.vehicles ?? 10, random, clock, { autoParkSeconds: options.autoParkSeconds ?? 60 });
	const tokens = new TokenStore(clients, options.tokenTtlSeconds ?? 43199, options.tokenOverlapSeconds ?? 300);
	if (options.tokenRejection) tokens.rejection = options.tokenRejection;
	if (options.refuseTokens) tokens.refuseAll = true;
	if (options.tokenExpiresIn !== undefined && options.tokenExpiresIn !== null) tokens.reportedExpiresIn = options.tokenExpiresIn;
	const faults = new FaultInjector(
		{
			latencyMs: options.latencyMs,
			jitterMs: options.jitterMs,
			failureRate: options.failureRate,
			failureKinds: options.failureKinds?.map(toFailureKind),
			retryAfterSeconds: options.retryAfterSeconds,
			redirectTo: options.redirectTo,
			stringCodes: options.stringCodes,
		},
		seed,
	);
	// Pushes are signed for the first client: the fleet belongs to that platform.
	const pushes = new PushService(
		fleet,
		clock,
		clients[0],
		seededRandom(seed ^ 0x9e3779b9),
		{
			...DEFAULT_PUSH_OPTIONS,
			pushTo: options.pushTo,
			alsoPushTo: options.alsoPushTo ?? [],
			pushEnabled: options.pushEnabled ?? true,
			pushSchedule: options.pushSchedule ?? true,
			timeoutMs: options.pushTimeoutMs ?? DEFAULT_PUSH_OPTIONS.timeoutMs,
			alertRatePerHour: options.alertRatePerHour ?? 0,
			faultRatePerHour: options.faultRatePerHour ?? 0,
		},
		recordLimit,
	);
	// A vehicle the fleet locks by itself (a route's end) pushes status and location at once, as a lock command does.
	fleet.onLocked = (iotCode) => pushes.statusChanged(iotCode);
	for (const [iotCode, route] of Object.entries(options.routes ?? {})) {
		const vehicle = fleet.get(iotCode);
		if (!vehicle) throw new RangeError(`routes: the fleet has no vehicle ${iotCode} (seed and --vehicles decide its IMEIs)`);
		try {
			fleet.setRoute(vehicle, route);
		} catch (error) {
			throw new RangeError(`routes: ${iotCode}: ${error instanceof Error ? error.message : String(error)}`);
		}
	}
	const core: SimulatorCore = { clock, fleet, tokens, faults, recorder: new Recorder(recordLimit), pushes };
	// The admin interface acts on the simulator the server belongs to, made right after it.
	let simulator: Simulator | undefined;
	const server = createSimulatorServer(core, (req, res, path, query) => handleAdmin(simulator!, req, res, path, query), options.tls);
	simulator = new Simulator(core, server, seed, options.tls ? 'https' : 'http');
	await simulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
	return simulator;
}
