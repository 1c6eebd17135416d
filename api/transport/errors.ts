/**
 * How failures become errors a user can act on, and which of them are worth a retry.
 */
import { NodeApiError, type INode, type JsonObject } from 'n8n-workflow';

import { describeStatusCode } from '../catalog/codes';

/** A Segway answer with a non-zero `code` (HTTP 200 with an error in the body). */
export interface SegwayEnvelope {
	code: number;
	msg?: string;
	data?: unknown;
	t?: number;
	opId?: string;
	resId?: string;
}

export function segwayCodeError(node: INode, envelope: SegwayEnvelope, iotCode: string, itemIndex: number): NodeApiError {
	const { meaning, hint } = describeStatusCode(envelope.code);
	const error = new NodeApiError(node, { ...envelope } as unknown as JsonObject, {
		message: `Segway error ${envelope.code}: ${meaning} (vehicle ${iotCode})`,
		description: hint,
		itemIndex,
	});
	error.context.segwayCode = envelope.code;
	error.context.iotCode = iotCode;
	return error;
}

export function isTransientCode(code: number): boolean {
	return describeStatusCode(code).transient === true;
}

const DROPPED_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_SOCKET']);

interface TransportErrorShape {
	httpCode?: string | null;
	code?: string;
	message?: string;
	cause?: TransportErrorShape;
	response?: { status?: number };
}

/** HTTP 5xx and dropped connections: the gateway, not the request, failed. */
export function isTransientTransportError(error: unknown): boolean {
	for (let e = error as TransportErrorShape | undefined, depth = 0; e && depth < 4; e = e.cause, depth++) {
		const status = Number(e.response?.status ?? e.httpCode);
		if (status >= 500 && status <= 599) return true;
		if (e.code && DROPPED_CONNECTION_CODES.has(e.code)) return true;
		if (typeof e.message === 'string' && /socket hang up/i.test(e.message)) return true;
	}
	return false;
}
