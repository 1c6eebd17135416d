/**
 * The credential's client secret, which verifies every push. Each getCredentials() costs n8n a
 * database read, a decryption and an expression-sandbox round trip (README: Performance), so the
 * secret is read at most once a minute per trigger node.
 *
 * A push that fails verification against the cached secret may be signed with a rotated one, so
 * it prompts a fresh read, but at most once every REREAD_AFTER_FAILURE_MS: otherwise every junk
 * push with a wrong signature would cost n8n a credential read. The interval is shorter than
 * Segway's 5 s resend delay, so a push signed with a new secret is at the latest taken on its
 * resend, whoever caused the last read.
 */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../../api/transport/credentials';
import type { NodeMemory } from './memory';
import { answer, errorBody, INVALID_SIGNATURE_BODY, type PlainResponse } from './respond';

/** How long a cached secret is trusted without a failed signature prompting a fresh read. */
export const SECRET_CACHE_MS = 60_000;
export const REREAD_AFTER_FAILURE_MS = 4_000;

export async function readClientSecret(context: Pick<IWebhookFunctions, 'getCredentials'>): Promise<string> {
	const credentials = await context.getCredentials(CREDENTIAL_TYPE);
	const secret = credentials.clientSecret;
	return typeof secret === 'string' ? secret : '';
}

export type Verdict = 'valid' | 'invalid' | 'no-secret';

/**
 * Whether the push is signed with the credential's secret: against the cached secret first, then
 * against a fresh read when the cache is old or (at most every REREAD_AFTER_FAILURE_MS) when the
 * cached one fails. `verifies` checks a candidate secret; each secret is tried once.
 */
export async function checkSignature(context: IWebhookFunctions, memory: NodeMemory, verifies: (secret: string) => boolean, now: number): Promise<Verdict> {
	const cached = memory.secret;
	if (cached !== undefined && now - cached.readAt < SECRET_CACHE_MS) {
		if (verifies(cached.value)) return 'valid';
		if (memory.secretRereadAt !== undefined && now - memory.secretRereadAt < REREAD_AFTER_FAILURE_MS) return 'invalid';
		memory.secretRereadAt = now;
	}
	const value = await readClientSecret(context);
	memory.secret = value === '' ? undefined : { value, readAt: now };
	if (value === '') return 'no-secret';
	if (cached !== undefined && value === cached.value && now - cached.readAt < SECRET_CACHE_MS) return 'invalid';
	return verifies(value) ? 'valid' : 'invalid';
}

/**
 * Checks the sender (a push, or a stream probe) and answers the refusal itself: 500 when the
 * credential cannot be read or has no secret, 401 for a wrong signature. Undefined when verified.
 */
export async function refuseUnverified(context: IWebhookFunctions, res: PlainResponse, memory: NodeMemory, verifies: (secret: string) => boolean, now: number): Promise<IWebhookResponseData | undefined> {
	const node = context.getNode();
	let verdict: Verdict;
	try {
		verdict = await checkSignature(context, memory, verifies, now);
	} catch (error) {
		context.logger.warn(`Segway Fleet Trigger "${node.name}": cannot read its credential: ${(error as Error).message}`);
		return answer(res, 500, errorBody(500, 'the trigger has no usable Segway Fleet API credential'));
	}
	if (verdict === 'no-secret') {
		context.logger.warn(`Segway Fleet Trigger "${node.name}": the credential has no client secret; every push is refused`);
		return answer(res, 500, errorBody(500, 'the Segway Fleet API credential has no client secret'));
	}
	return verdict === 'invalid' ? answer(res, 401, INVALID_SIGNATURE_BODY) : undefined;
}
