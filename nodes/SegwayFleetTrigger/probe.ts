/**
 * The stream probe's answer (api/catalog/probe.ts): when this trigger last received a verified
 * push, in any of its processes. The poll trigger asks it to notice a stream that stopped. A
 * probe is refused like a push (401) unless it is signed with the credential's secret and
 * recent, so the URL tells a stranger nothing; it costs what a refused push costs.
 */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { readProbe, type ProbeAnswer } from '../../api/catalog/probe';
import { nodeMemory } from './memory';
import { answer, INVALID_SIGNATURE_BODY, type PlainResponse } from './respond';
import { refuseUnverified } from './secret';
import { isSignatureValid, isWellFormedSignature } from './verify';

export async function answerProbe(context: IWebhookFunctions, res: PlainResponse): Promise<IWebhookResponseData> {
	const now = Date.now();
	const read = readProbe(context.getQueryData() as Record<string, unknown>, now);
	if ('refused' in read || !isWellFormedSignature(read.signature)) return answer(res, 401, INVALID_SIGNATURE_BODY);
	const { params, signature } = read;
	const memory = nodeMemory(context.getWorkflow().id, context.getNode().name, context.getMode(), () => context.getWorkflowStaticData('node'));
	const refused = await refuseUnverified(context, res, memory, (secret) => isSignatureValid(params, signature, secret), now);
	if (refused !== undefined) return refused;
	const body: ProbeAnswer = { code: 0, lastPushAt: memory.lastPushKnown(context.getWorkflowStaticData('node')) ?? null, now };
	return answer(res, 200, JSON.stringify(body));
}
