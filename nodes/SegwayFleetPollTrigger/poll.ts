/**
 * One poll: every listed vehicle's status is queried (bounded concurrency, the shared token,
 * deadlines and safe retries: the action node's transport), then put through the status filter
 * both triggers share, against what the trigger remembers. Vehicles that do not answer are reported as
 * the user chose, never dropped in silence.
 */
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type INodeExecutionData,
	type IPollFunctions,
} from 'n8n-workflow';

import { findOperation } from '../../api/catalog/operations';
import { normalizeRemainingRange } from '../../api/normalize';
import { buildRequest } from '../../api/requests';
import { AdaptiveGate } from '../../api/transport/gate';
import { openSession, sendSegwayRequest } from '../../api/transport/send';
import { segwayTimeMs } from '../../api/catalog/pushes';
import { parseNumber } from '../../api/values';
import { forEachWithConcurrency } from '../shared/concurrency';
import { withChanges } from '../shared/memory/codec';
import { NodeParameters } from '../shared/parameters';
import { decideStatus, readStatusSettings, type StatusSettings } from '../shared/rules/statusFilter';
import { readRunOptions } from '../shared/runOptions';
import { pollTriggerProperties } from './description';
import { PollMemory } from './pollMemory';
import { parseVehicleList } from './vehicleList';

const STATUS = findOperation('query', 'status');
const UNANSWERED_CHOICES = ['fail', 'everyPoll', 'onChange'] as const;
/** n8n 1.x sets a poll no budget; this one keeps a poll from overlapping the next by much. */
const DEFAULT_POLL_BUDGET_MS = 5 * 60_000;

type Answer = { iotCode: string; status: IDataObject } | { iotCode: string; error: NodeApiError | NodeOperationError };

export async function pollFleet(ctx: IPollFunctions): Promise<INodeExecutionData[][] | null> {
	const node = ctx.getNode();
	const list = parseVehicleList(ctx.getNodeParameter('iotCodes'));
	if ('problem' in list) {
		throw new NodeOperationError(node, list.problem, { description: 'Fix IoT Codes in the Segway Fleet Poll Trigger; nothing was sent to Segway.' });
	}
	const vehicles = list.codes;
	const read = new NodeParameters(ctx, pollTriggerProperties, 'Fix the parameter in the Segway Fleet Poll Trigger; no vehicle is queried until then.');
	const filter = readStatusSettings(read);
	const unanswered = read.oneOf('unanswered', UNANSWERED_CHOICES);
	const { concurrency, policy } = readRunOptions(ctx);

	const answers = await queryStatuses(ctx, vehicles, concurrency, policy);
	const polledAt = new Date().toISOString();
	const now = Date.now();
	const manual = ctx.getMode() === 'manual';
	const stored = ctx.getWorkflowStaticData('node');
	// Decisions change the memory's own copy; only a scheduled poll writes it back. A test poll (the
	// editor's "Fetch Test Event") must not change what the published workflow remembers.
	const memory = new PollMemory(stored);

	if (unanswered === 'fail') {
		const failed = answers.find((a): a is Extract<Answer, { error: unknown }> => 'error' in a);
		// Already a NodeApiError or NodeOperationError naming the vehicle.
		if (failed !== undefined) throw failed.error;
	}

	const items: INodeExecutionData[] = [];
	for (const answer of answers) {
		if ('error' in answer) {
			const first = !memory.unanswered.has(answer.iotCode);
			memory.unanswered.add(answer.iotCode);
			if (unanswered === 'everyPoll' || first || manual) items.push({ json: unansweredItem(answer, polledAt) });
			continue;
		}
		if (memory.unanswered.delete(answer.iotCode) && unanswered === 'onChange') {
			items.push({ json: { event: 'answering', iotCode: answer.iotCode, polledAt } });
		}
		const item = decideVehicle(filter, memory, answer, now);
		if (item !== undefined) items.push({ json: { ...item, polledAt } });
	}
	if (!manual) memory.save(stored, vehicles);

	if (manual && items.length === 0) {
		// Nothing fires now: show what a status looks like, so the next node can be built.
		const sample = answers.find((a): a is Extract<Answer, { status: IDataObject }> => 'status' in a);
		if (sample !== undefined) items.push({ json: { event: 'status', ...sample.status, polledAt, sample: true } });
	}
	return items.length > 0 ? [items] : null;
}

async function queryStatuses(
	ctx: IPollFunctions,
	vehicles: readonly string[],
	concurrency: number,
	policy: ReturnType<typeof readRunOptions>['policy'],
): Promise<Answer[]> {
	if (STATUS === undefined) throw new Error('the catalog has no status query');
	const gate = new AdaptiveGate(concurrency);
	const session = await openSession(ctx, policy, gate);
	const answers: Answer[] = new Array(vehicles.length);
	// n8n 2.x gives a poll a time budget; a vehicle whose turn comes after it is reported, not queried.
	const budgetEnds = Date.now() + (ctx.getPollBudgetMs?.() ?? DEFAULT_POLL_BUDGET_MS);
	await forEachWithConcurrency(vehicles.length, concurrency, async (index) => {
		const iotCode = vehicles[index];
		if (Date.now() > budgetEnds) {
			answers[index] = {
				iotCode,
				error: new NodeOperationError(ctx.getNode(), `Vehicle ${iotCode} was not queried: the poll ran out of time`, {
					description: 'Raise Max Requests in Flight, lower Item Deadline, or split the vehicles over several poll triggers.',
				}),
			};
			return;
		}
		try {
			const envelope = await sendSegwayRequest(ctx, session, buildRequest(STATUS, iotCode, {}), index);
			answers[index] = { iotCode, status: normalizeRemainingRange({ ...((envelope.data ?? {}) as IDataObject), iotCode }) };
		} catch (error) {
			answers[index] = {
				iotCode,
				error: error instanceof NodeApiError || error instanceof NodeOperationError ? error : new NodeOperationError(ctx.getNode(), error as Error),
			};
		}
	});
	if (gate.throttles > 0) {
		ctx.logger.warn(
			`Segway Fleet Poll Trigger "${ctx.getNode().name}": Segway throttled ${gate.throttles} request(s); requests in flight went down to ${gate.lowest} of ${gate.max}`,
		);
	}
	return answers;
}

/** The status filter reads a push's fields as text; a polled status is given the same way. */
function asPushFields(status: IDataObject): Record<string, string> {
	const fields: Record<string, string> = {};
	for (const [key, value] of Object.entries(status)) {
		if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = String(value);
	}
	return fields;
}

/** `filter` undefined: every status starts a run. */
function decideVehicle(filter: StatusSettings | undefined, memory: PollMemory, answer: { iotCode: string; status: IDataObject }, now: number): IDataObject | undefined {
	const record = memory.record(answer.iotCode);
	if (filter === undefined) return { event: 'status', ...answer.status };
	// The vehicle's own time of the status when it gives one (an offline vehicle's status is its last).
	const seconds = parseNumber(answer.status.statusUtcTime);
	const atMs = seconds === undefined ? now : segwayTimeMs(seconds);
	const decision = decideStatus(filter, record, { event: 'status', fields: asPushFields(answer.status), atMs });
	memory.update(answer.iotCode, withChanges(record, decision.next ?? {}, decision.urgency, now));
	if (!decision.fires) return undefined;
	return { event: 'status', ...answer.status, ...decision.details };
}

function unansweredItem(answer: { iotCode: string; error: NodeApiError | NodeOperationError }, polledAt: string): IDataObject {
	const code = answer.error.context?.segwayCode;
	return {
		event: 'unanswered',
		iotCode: answer.iotCode,
		code: typeof code === 'number' ? code : null,
		message: answer.error.message,
		description: answer.error.description ?? null,
		polledAt,
	};
}
