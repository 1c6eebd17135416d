/**
 * Runs the chosen operation for every input item: all items are validated before any request is
 * sent, then sent with bounded concurrency; output keeps input order and pairing.
 */
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { findOperation, type OperationSpec } from '../../api/catalog/operations';
import { describeValue, shownWhole } from '../../api/describe';
import { REGION_HOSTS } from '../../api/catalog/regions';
import { normalizeRemainingRange } from '../../api/normalize';
import { FieldError, buildRequest, type ApiRequest } from '../../api/requests';
import type { SegwayEnvelope } from '../../api/transport/errors';
import { AdaptiveGate } from '../../api/transport/gate';
import { openSession, sendSegwayRequest, type SegwaySession } from '../../api/transport/send';
import { forEachWithConcurrency } from '../shared/concurrency';
import { itemParameter } from './parameters';
import { readRunOptions } from '../shared/runOptions';

type ItemError = NodeApiError | NodeOperationError;

/** The value n8n's editor gives the operation when a user picks its "Custom API Call" entry. */
const CUSTOM_API_CALL = '__CUSTOM_API_CALL__';

type Prepared =
	| { spec: OperationSpec; request: ApiRequest }
	| { error: NodeOperationError; iotCode: unknown };

function prepare(ctx: IExecuteFunctions, items: INodeExecutionData[], itemIndex: number): Prepared {
	const node = ctx.getNode();
	const resource = ctx.getNodeParameter('resource', itemIndex) as string;
	const operation = ctx.getNodeParameter('operation', itemIndex) as string;
	const iotCode = itemParameter(ctx, items, 'iotCode', itemIndex, '');
	const spec = findOperation(resource, operation);
	if (operation === CUSTOM_API_CALL) {
		return {
			iotCode,
			error: new NodeOperationError(node, 'Custom API Call is made with n8n\'s HTTP Request node', {
				itemIndex,
				description:
					`Add an HTTP Request node with Authentication "Predefined Credential Type" and Credential Type "Segway Fleet API": it signs the request with this credential's access token. Use the full URL, e.g. ${REGION_HOSTS.europe}/api/v2/vehicle/query/current/status?iotCode=...`,
			}),
		};
	}
	if (!spec) {
		return {
			iotCode,
			error: new NodeOperationError(node, `Unknown operation ${describeValue(operation)} for resource ${describeValue(resource)}`, {
				itemIndex,
			}),
		};
	}
	const params: Record<string, unknown> = {};
	for (const field of spec.fields) params[field.name] = itemParameter(ctx, items, field.name, itemIndex);
	if (spec.additionalFields) params.additionalFields = ctx.getNodeParameter('additionalFields', itemIndex, {});
	try {
		return { spec, request: buildRequest(spec, iotCode, params) };
	} catch (error) {
		const invalid =
			error instanceof FieldError
				? new NodeOperationError(node, error.message, {
						itemIndex,
						description: `Allowed for "${error.field}": ${error.allowed}. Nothing was sent to Segway for this item.`,
					})
				: new NodeOperationError(node, error as Error, { itemIndex });
		return { iotCode, error: invalid };
	}
}

function successJson(spec: OperationSpec, iotCode: string, envelope: SegwayEnvelope): IDataObject {
	if (spec.method === 'GET') {
		const data = (envelope.data ?? {}) as IDataObject;
		return normalizeRemainingRange({ iotCode, ...data });
	}
	return { iotCode, success: true, code: envelope.code, msg: envelope.msg ?? '', opId: envelope.opId ?? envelope.resId ?? '' };
}

/**
 * A failed item under "continue on fail". Only the keys `error`, `message` and `details` are
 * used: n8n routes exactly such items to the error output ("continue using error output"), and
 * it would replace the whole json with the message if the item carried an `error` property.
 * `details.iotCode` is what the item gave, when it is short enough to show whole (api/describe.ts).
 */
function errorItem(itemIndex: number, iotCode: unknown, error: ItemError): INodeExecutionData {
	const details: IDataObject = { iotCode: shownWhole(iotCode) ? (iotCode as string | number) : null };
	const segwayCode = error.context?.segwayCode;
	if (typeof segwayCode === 'number') details.code = segwayCode;
	if (error.description) details.description = error.description;
	return { json: { error: error.message, details }, pairedItem: { item: itemIndex } };
}

export async function executeOperations(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const { concurrency, policy } = readRunOptions(ctx);
	const continueOnFail = ctx.continueOnFail();

	const prepared = items.map((_, itemIndex) => prepare(ctx, items, itemIndex));
	if (!continueOnFail) {
		const invalid = prepared.find((p): p is Extract<Prepared, { error: NodeOperationError }> => 'error' in p);
		if (invalid) throw invalid.error;
	}

	const output: INodeExecutionData[] = new Array(items.length);
	const gate = new AdaptiveGate(concurrency);
	let session: SegwaySession | undefined;
	if (prepared.some((p) => !('error' in p))) session = await openSession(ctx, policy, gate);
	// Without "continue on fail" the run fails with the error of the lowest failing item.
	let failure: { itemIndex: number; error: ItemError } | undefined;
	const hasFailed = () => failure !== undefined;
	const recordFailure = (itemIndex: number, error: ItemError) => {
		if (!failure || itemIndex < failure.itemIndex) failure = { itemIndex, error };
	};

	await forEachWithConcurrency(items.length, concurrency, async (itemIndex) => {
		const item = prepared[itemIndex];
		if ('error' in item) {
			output[itemIndex] = errorItem(itemIndex, item.iotCode, item.error);
			return;
		}
		// Once the run is bound to fail, send nothing more.
		if (hasFailed()) return;
		try {
			const envelope = await sendSegwayRequest(ctx, session as SegwaySession, item.request, itemIndex);
			output[itemIndex] = { json: successJson(item.spec, item.request.iotCode, envelope), pairedItem: { item: itemIndex } };
		} catch (caught) {
			const error: ItemError =
				caught instanceof NodeApiError || caught instanceof NodeOperationError
					? caught
					: new NodeOperationError(ctx.getNode(), caught as Error, { itemIndex });
			if (continueOnFail) {
				output[itemIndex] = errorItem(itemIndex, item.request.iotCode, error);
			} else {
				recordFailure(itemIndex, error);
			}
		}
	});

	if (gate.throttles > 0) {
		ctx.logger.warn(
			`Segway Fleet "${ctx.getNode().name}": Segway throttled ${gate.throttles} request(s) (15990 or HTTP 429); requests in flight went down to ${gate.lowest} of ${gate.max} and were back at ${gate.limit} at the end`,
		);
	}
	if (failure) throw failure.error;
	return [output];
}

