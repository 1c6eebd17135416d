/**
 * The credential's client secret, which verifies every push. Each getCredentials() costs n8n a
 * database read, a decryption and an expression-sandbox round trip (README: Performance), so a
 * read is trusted for SECRET_CACHE_MS; concurrent pushes share one read instead of each starting
 * its own when the copy runs out.
 *
 * A secret is rotated because it leaked: a copy read before the change must stop verifying
 * within seconds, so SECRET_CACHE_MS is short. A push signed with the old secret is refused at
 * the latest SECRET_CACHE_MS after the credential was saved, by each process on its own (queue
 * mode: every webhook process keeps its own copy, read on its own).
 *
 * A push that fails verification against the copy may be signed with a new secret, so it prompts
 * a fresh read, but at most once every REREAD_AFTER_FAILURE_MS, also when the copy is old:
 * otherwise every junk push with a wrong signature would cost n8n a credential read. Both
 * intervals are shorter than Segway's 5 s resend delay, so a push signed with a new secret is at
 * the latest taken on its resend. Reads per trigger and process: at most one per SECRET_CACHE_MS
 * while genuine pushes arrive (or while the credential cannot be read), plus one per
 * REREAD_AFTER_FAILURE_MS while wrong ones do.
 */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../../api/transport/credentials';
import type { NodeMemory } from './memory';
import { answer, errorBody, INVALID_SIGNATURE_BODY, type PlainResponse } from './respond';

/** How long a read of the secret is trusted: the longest an old secret keeps verifying. */
export const SECRET_CACHE_MS = 2_000;
export const REREAD_AFTER_FAILURE_MS = 4_000;

export async function readClientSecret(context: Pick<IWebhookFunctions, 'getCredentials'>): Promise<string> {
	const credentials = await context.getCredentials(CREDENTIAL_TYPE);
	const secret = credentials.clientSecret;
	return typeof secret === 'string' ? secret : '';
}

export type Verdict = 'valid' | 'invalid' | 'no-secret';

/**
 * Whether the push is signed with the credential's secret. A recent copy (or a read under way)
 * decides alone when it verifies; an older one is confirmed by a fresh read. A push the copy does
 * not verify, recent or not, prompts a fresh read at most every REREAD_AFTER_FAILURE_MS, so junk
 * costs no more reads once the copy is old. `verifies` checks a candidate secret; each secret is
 * tried once.
 */
export async function checkSignature(context: IWebhookFunctions, memory: NodeMemory, verifies: (secret: string) => boolean, now: number): Promise<Verdict> {
	const cached = memory.secret;
	const recent = cached !== undefined && now - cached.readAt < SECRET_CACHE_MS;
	let tried: string | undefined;
	let verified = false;
	// A recent read that failed fails this push too (refused with 500), without a read of its own.
	if (cached !== undefined && (recent || cached.failed !== true)) {
		tried = await cached.value;
		verified = tried !== '' && verifies(tried);
		if (recent && tried === '') return 'no-secret';
		if (recent && verified) return 'valid';
		if (tried !== '' && !verified) {
			if (memory.secretRereadAt !== undefined && now - memory.secretRereadAt < REREAD_AFTER_FAILURE_MS) return 'invalid';
			memory.secretRereadAt = now;
		}
	}
	const value = await startRead(context, memory, now);
	if (value === '') return 'no-secret';
	if (value === tried) return verified ? 'valid' : 'invalid';
	return verifies(value) ? 'valid' : 'invalid';
}

/**
 * A read the pushes arriving meanwhile join. A failed one (the credential deleted, the database
 * down) stands for SECRET_CACHE_MS like any other: otherwise every push, junk included, would
 * cost n8n a read while the credential is broken. A genuine push refused meanwhile comes back
 * with Segway's resend 5 s later, after the next read.
 */
function startRead(context: IWebhookFunctions, memory: NodeMemory, now: number): Promise<string> {
	const read: NonNullable<NodeMemory['secret']> = { value: readClientSecret(context), readAt: now };
	memory.secret = read;
	read.value.catch(() => (read.failed = true));
	return read.value;
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
