/**
 * What the push benchmarks share: a fleet's stream of signed status pushes whose batteries cross
 * 20 % at known points, a one-node-and-No-Op workflow, and counting a workflow's executions
 * through n8n's REST API once they have finished.
 */
import { computeSignature } from '../../api/catalog/signature';
import type { RestClient } from '../../harness/n8n';
import { waitFor } from '../../harness/wait';
import { DEMO_CLIENT, encodeForm } from '../../simulator';
import { seededRandom } from '../../simulator/random';
import type { LoadRequest } from './load';

export const THRESHOLD = 20;
export const SUCCESS_BODY = '{"code":0,"message":"success"}';
export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

// The fleet: 1,000 vehicles pushing status in turn; batteries drain slowly.

interface Vehicle {
	iotCode: string;
	/** Battery in %, a float; pushes report its floor. */
	power: number;
	/** Change of `power` per push of this vehicle (negative: draining). */
	perPush: number;
	charging: boolean;
	locked: boolean;
	speedMode: number;
	lockVoltage: number;
	networkSignal: number;
	odometer: number;
	totalRidingSecs: number;
	/** powerPercent of its last push; undefined before the first. */
	lastReported: number | undefined;
	/** Where it is, WGS84; riding vehicles move a few metres per location push. */
	latitude: number;
	longitude: number;
}

/**
 * Status pushes of a fleet, round robin. Most vehicles ride (draining 0.1 % per push), some are
 * parked (0.02 %) or charging; `crossers` riding vehicles start just above the threshold so that
 * each drops below it once, at a point spread over the first `pushesPerVehicle` pushes. Every
 * other vehicle stays ≥ threshold + 2 throughout. Each crossing is recorded, in push order.
 */
export class Fleet {
	readonly vehicles: Vehicle[] = [];
	readonly crossings: string[] = [];
	private next = 0;
	private nextFix = 0;
	private lastUtc = 0;

	constructor(size: number, crossers: number, pushesPerVehicle: number, seed: number, private readonly secret: string) {
		const rnd = seededRandom(seed);
		const drain = 0.1;
		const floor = THRESHOLD + drain * pushesPerVehicle + 2;
		for (let i = 0; i < size; i++) {
			const kind = i < crossers ? 'crosser' : rnd() < 0.05 ? 'charging' : rnd() < 0.12 ? 'parked' : 'riding';
			const power =
				kind === 'crosser'
					? THRESHOLD + 0.001 + drain * pushesPerVehicle * rnd()
					: kind === 'charging'
						? floor + rnd() * (90 - floor)
						: floor + rnd() * (100 - floor);
			this.vehicles.push({
				iotCode: `8612345${String(i).padStart(8, '0')}`,
				power,
				perPush: kind === 'charging' ? 0.1 : kind === 'parked' ? -0.02 : -drain,
				charging: kind === 'charging',
				locked: kind !== 'riding' && kind !== 'crosser',
				speedMode: 1 + Math.floor(rnd() * 3),
				lockVoltage: 380 + Math.floor(rnd() * 41),
				networkSignal: 12 + Math.floor(rnd() * 20),
				odometer: Math.floor(rnd() * 2_000_000),
				totalRidingSecs: Math.floor(rnd() * 500_000),
				lastReported: undefined,
				latitude: 52.4 + rnd() * 0.2,
				longitude: 13.2 + rnd() * 0.3,
			});
		}
		// Spread the crossers over the fleet's order instead of all at its start.
		for (let i = this.vehicles.length - 1; i > 0; i--) {
			const j = Math.floor(rnd() * (i + 1));
			[this.vehicles[i], this.vehicles[j]] = [this.vehicles[j], this.vehicles[i]];
		}
	}

	/** Crossing pushes n8n acknowledged: these must each start exactly one execution. */
	readonly acknowledgedCrossings = new Set<string>();

	/** The next vehicle's signed, form-encoded status push, as a request to `path`. */
	request(path: string): LoadRequest {
		const before = this.crossings.length;
		const body = this.push();
		const crossing = this.crossings.length > before ? this.crossings[before] : undefined;
		return {
			path,
			headers: FORM,
			body,
			onSettled: crossing === undefined ? undefined : (ok) => ok && this.acknowledgedCrossings.add(crossing),
		};
	}

	/** The next vehicle's signed, form-encoded status push. */
	push(): string {
		const v = this.vehicles[this.next];
		this.next = (this.next + 1) % this.vehicles.length;
		v.power = Math.min(100, Math.max(0, v.power + v.perPush));
		const percent = Math.floor(v.power);
		if (percent < THRESHOLD && (v.lastReported === undefined || v.lastReported >= THRESHOLD)) this.crossings.push(v.iotCode);
		v.lastReported = percent;
		const riding = !v.locked;
		const speed = riding ? 8 + ((v.odometer >> 3) % 17) : 0;
		if (riding) {
			v.odometer += 28;
			v.totalRidingSecs += 10;
		}
		// Seconds, as Segway sends; never going back, even across phases.
		this.lastUtc = Math.max(this.lastUtc, Math.floor(Date.now() / 1000));
		const params: Record<string, string> = {
			iotCode: v.iotCode,
			platformCode: DEMO_CLIENT.clientId,
			online: 'true',
			locked: String(v.locked),
			lockVoltage: String(v.lockVoltage),
			networkSignal: String(v.networkSignal),
			charging: String(v.charging),
			powerPercent: String(percent),
			speedMode: String(v.speedMode),
			speed: String(speed),
			odometer: String(v.odometer),
			remainingRange: String(Math.round(v.power * 0.45)),
			totalRidingSecs: String(v.totalRidingSecs),
			statusUtcTime: String(this.lastUtc),
		};
		params.signature = computeSignature(params, this.secret);
		return encodeForm(params);
	}

	/** The next vehicle's signed, form-encoded location push: a valid fix, a few metres on while riding. */
	locationPush(): string {
		const v = this.vehicles[this.nextFix];
		this.nextFix = (this.nextFix + 1) % this.vehicles.length;
		if (!v.locked) v.latitude += 0.00005;
		this.lastUtc = Math.max(this.lastUtc, Math.floor(Date.now() / 1000));
		const params: Record<string, string> = {
			iotCode: v.iotCode,
			platformCode: DEMO_CLIENT.clientId,
			locationStatus: 'valid',
			latitude: v.latitude.toFixed(6),
			longitude: v.longitude.toFixed(6),
			satelliteNumber: '9',
			hdop: '0.9',
			altitude: '41',
			gpsUtcTime: String(this.lastUtc),
		};
		params.signature = computeSignature(params, this.secret);
		return encodeForm(params);
	}
}

/** A workflow of `first` followed by a No Op. */
export function workflow(id: string, name: string, first: Record<string, unknown>): object {
	return {
		id,
		name,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{ id: `${id}-in`, position: [0, 0], ...first },
			{ id: `${id}-noop`, name: 'No Op', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [250, 0], parameters: {} },
		],
		connections: { [first.name as string]: { main: [[{ node: 'No Op', type: 'main', index: 0 }]] } },
	};
}

// Counting executions (after a phase, never during one).

export interface ExecutionList {
	data: { count: number; results: Array<{ id: string; status: string }> };
}

export async function executionCount(rest: RestClient, workflowId: string): Promise<{ count: number; unfinished: number }> {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const all = await rest.get<ExecutionList>(`/rest/executions?filter=${filter}&limit=1`);
	const open = encodeURIComponent(JSON.stringify({ workflowId, status: ['new', 'running'] }));
	const unfinished = await rest.get<ExecutionList>(`/rest/executions?filter=${open}&limit=1`);
	return { count: all.data.count, unfinished: unfinished.data.count };
}

/** Waits until the workflow's executions have all finished and their number stopped changing. */
export async function settledCount(rest: RestClient, workflowId: string): Promise<number> {
	let last = -1;
	return waitFor(
		`executions of ${workflowId} to finish`,
		async () => {
			const { count, unfinished } = await executionCount(rest, workflowId);
			const settled = unfinished === 0 && count === last;
			last = count;
			return settled ? count : undefined;
		},
		180000,
		500,
	);
}

/** iotCodes of the fleet found in each of the workflow's executions' data. */
async function iotCodesOfExecutions(rest: RestClient, workflowId: string): Promise<string[][]> {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const out: string[][] = [];
	let cursor: string | undefined;
	do {
		// At most 100 a page; n8n 2.41 pages with an opaque `cursor` (`nextCursor` of the last page).
		const page = await rest.get<ExecutionList & { data: { nextCursor?: string | null } }>(
			`/rest/executions?filter=${filter}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
		);
		for (const { id } of page.data.results) {
			const detail = await rest.get<{ data: { data: string } }>(`/rest/executions/${id}`);
			out.push([...new Set(detail.data.data.match(/8612345\d{8}/g) ?? [])]);
		}
		cursor = page.data.results.length > 0 ? (page.data.nextCursor ?? undefined) : undefined;
	} while (cursor);
	return out;
}


export interface CrossingRuns {
	/** The fleet's iotCodes found in each execution. */
	perExecution: string[][];
	/** Vehicles that ran more than once. */
	runTwice: number;
	/** Acknowledged crossings that did not run exactly once. */
	missing: number;
	/** Vehicles that ran without a crossing. */
	unexpected: number;
}

/**
 * The workflow's executions held against the fleet's crossings: an acknowledged crossing must
 * have run exactly once, and nothing else may have run. (One that was not acknowledged, under
 * overload, may or may not have run.)
 */
export async function crossingRuns(rest: RestClient, workflowId: string, fleet: Fleet): Promise<CrossingRuns> {
	const perExecution = await iotCodesOfExecutions(rest, workflowId);
	const runs = new Map<string, number>();
	for (const codes of perExecution) for (const code of codes) runs.set(code, (runs.get(code) ?? 0) + 1);
	return {
		perExecution,
		runTwice: [...runs.values()].filter((n) => n > 1).length,
		missing: [...fleet.acknowledgedCrossings].filter((code) => runs.get(code) !== 1).length,
		unexpected: [...runs.keys()].filter((code) => !fleet.crossings.includes(code)).length,
	};
}
