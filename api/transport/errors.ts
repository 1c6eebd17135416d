/**
 * How failures become errors a user can act on: the Segway code and its meaning, what happened
 * to the request (sent again, or not, and why), the vehicle, and the item.
 */
import { NodeApiError, type INode, type JsonObject } from 'n8n-workflow';

import { describeStatusCode } from '../catalog/codes';
import type { ApiRequest } from '../requests';
import type { Outcome } from './outcome';

/** A Segway answer with a non-zero `code` (HTTP 200 with an error in the body). */
export interface SegwayEnvelope {
	code: number;
	msg?: string;
	data?: unknown;
	t?: number;
	opId?: string;
	resId?: string;
}

/** Marks an error with the item and vehicle it belongs to, so n8n shows it on that item. */
function onItem<T extends NodeApiError>(error: T, request: ApiRequest, itemIndex: number): T {
	error.context.itemIndex = itemIndex;
	error.context.iotCode = request.iotCode;
	return error;
}

export function segwayCodeError(node: INode, envelope: SegwayEnvelope, request: ApiRequest, itemIndex: number, note = ''): NodeApiError {
	const { meaning, hint } = describeStatusCode(envelope.code);
	const error = new NodeApiError(node, { ...envelope } as unknown as JsonObject, {
		message: `Segway error ${envelope.code}: ${meaning} (vehicle ${request.iotCode})`,
		description: `${hint}${note}`,
		itemIndex,
	});
	error.context.segwayCode = envelope.code;
	return onItem(error, request, itemIndex);
}

/**
 * n8n's HTTP helper has usually wrapped the failure in a NodeApiError already, and constructing
 * one from it hands back that same object (ignoring new options): so it is completed in place.
 */
function wrap(node: INode, cause: unknown, itemIndex: number): NodeApiError {
	return new NodeApiError(node, cause as JsonObject, { itemIndex });
}

/** A failure of the HTTP exchange itself (no answer, a cut connection, an HTTP error status). */
export function transportError(node: INode, cause: unknown, request: ApiRequest, itemIndex: number, outcome: Outcome, note = ''): NodeApiError {
	const wrapped = wrap(node, cause, itemIndex);
	if (outcome.kind === 'unknown') {
		wrapped.message = `No answer from Segway for vehicle ${request.iotCode}: ${outcome.reason}`;
	}
	if (note !== '') wrapped.description = `${wrapped.description ? `${wrapped.description} ` : ''}${note.trim()}`;
	return onItem(wrapped, request, itemIndex);
}

/** Why a request that failed was not sent again, said on the error. */
export function notRepeatedNote(request: ApiRequest, outcome: Outcome, attempts: number, deadlineReached: boolean): string {
	const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
	if (outcome.kind === 'unknown' && !request.repeatable) {
		return ` The vehicle may have carried the command out, so it was not sent again${tries}: check its state (Get Status) before repeating it.`;
	}
	if (deadlineReached) return ` Given up${tries}: the item's deadline was reached.`;
	return tries === '' ? '' : ` Given up${tries}.`;
}

export function redirectError(node: INode, cause: unknown, request: ApiRequest, itemIndex: number, status: number, location: unknown): NodeApiError {
	const error = wrap(node, cause, itemIndex);
	error.message = `Segway answered with a redirect (HTTP ${status}${typeof location === 'string' ? ` to ${location}` : ''}); it is not followed`;
	error.description =
		'The access token is sent to no other origin. Check the Region or Base URL of the Segway Fleet API credential: a proxy in front of the API should answer itself, not redirect.';
	return onItem(error, request, itemIndex);
}
