/**
 * Sends one catalog request for one vehicle: authenticated through n8n, with the shared access
 * token, replacing a token the API rejects, and retrying transient failures with backoff.
 */
import {
	NodeApiError,
	sleep,
	type ICredentialDataDecryptedObject,
	type IExecuteFunctions,
	type JsonObject,
} from 'n8n-workflow';

import { CODE_TOKEN_INVALID } from '../catalog/codes';
import { resolveBaseUrl } from '../catalog/regions';
import type { ApiRequest } from '../requests';
import { CREDENTIAL_TYPE, type SegwayCredentials } from './credentials';
import { isTransientCode, isTransientTransportError, segwayCodeError, type SegwayEnvelope } from './errors';
import { getAccessToken, TokenRequestError } from './tokens';

export interface RetryPolicy {
	retries: number;
	delayMs: number;
}

/** What every request of one execution shares: credentials are read and resolved once. */
export interface SegwaySession {
	credentials: SegwayCredentials & ICredentialDataDecryptedObject;
	credentialRef: { id: string; name: string };
	baseUrl: string;
	retry: RetryPolicy;
}

export async function openSession(ctx: IExecuteFunctions, retry: RetryPolicy): Promise<SegwaySession> {
	const credentials = (await ctx.getCredentials(CREDENTIAL_TYPE)) as SegwayCredentials &
		ICredentialDataDecryptedObject;
	const ref = ctx.getNode().credentials?.[CREDENTIAL_TYPE];
	return {
		credentials,
		credentialRef: { id: ref?.id ?? '', name: ref?.name ?? CREDENTIAL_TYPE },
		baseUrl: resolveBaseUrl(credentials),
		retry,
	};
}

async function currentToken(ctx: IExecuteFunctions, session: SegwaySession, rejected?: string): Promise<string> {
	try {
		return await getAccessToken(ctx.helpers, session.credentials, rejected);
	} catch (error) {
		const unreachable = error instanceof TokenRequestError && error.reason === 'unreachable';
		throw new NodeApiError(ctx.getNode(), error as JsonObject, {
			message: (error as Error).message,
			description: unreachable
				? `Nothing answered at ${session.baseUrl}: check the Region (or Base URL) of the Segway Fleet API credential and the network.`
				: 'Check the Client ID, Client Secret and Region of the Segway Fleet API credential.',
		});
	}
}

/**
 * One round trip. The token goes in through the credential's own `authenticate`, so n8n's
 * refresh on HTTP 401 applies; the API's other way of rejecting a token, code 15101 in a
 * 200 answer, is handled here, once.
 */
async function sendOnce(ctx: IExecuteFunctions, session: SegwaySession, request: ApiRequest): Promise<SegwayEnvelope> {
	const send = async (accessToken: string) =>
		(await ctx.helpers.httpRequestWithAuthentication.call(
			ctx,
			CREDENTIAL_TYPE,
			{
				method: request.method,
				url: `${session.baseUrl}${request.path}`,
				qs: request.qs,
				body: request.body,
				json: true,
			},
			{
				credentialsDecrypted: {
					...session.credentialRef,
					type: CREDENTIAL_TYPE,
					data: { ...session.credentials, accessToken },
				},
			},
		)) as SegwayEnvelope;

	const token = await currentToken(ctx, session);
	const envelope = await send(token);
	if (envelope?.code !== CODE_TOKEN_INVALID) return envelope;
	return await send(await currentToken(ctx, session, token));
}

/** Sends with retries; resolves to the successful envelope or throws a NodeApiError. */
export async function sendSegwayRequest(
	ctx: IExecuteFunctions,
	session: SegwaySession,
	request: ApiRequest,
	itemIndex: number,
): Promise<SegwayEnvelope> {
	const { iotCode } = request;
	const { retries, delayMs } = session.retry;
	for (let attempt = 0; ; attempt++) {
		let envelope: SegwayEnvelope;
		try {
			envelope = await sendOnce(ctx, session, request);
		} catch (error) {
			if (attempt < retries && isTransientTransportError(error)) {
				await sleep(delayMs * 2 ** attempt);
				continue;
			}
			// Hands back the same object when n8n has already wrapped the error.
			const wrapped = new NodeApiError(ctx.getNode(), error as JsonObject, { itemIndex });
			wrapped.context.iotCode = iotCode;
			throw wrapped;
		}
		if (typeof envelope?.code !== 'number') {
			throw new NodeApiError(ctx.getNode(), { response: envelope } as unknown as JsonObject, {
				message: 'Segway answered without a status code',
				itemIndex,
			});
		}
		if (envelope.code === 0) return envelope;
		if (attempt < retries && isTransientCode(envelope.code)) {
			await sleep(delayMs * 2 ** attempt);
			continue;
		}
		throw segwayCodeError(ctx.getNode(), envelope, iotCode, itemIndex);
	}
}
