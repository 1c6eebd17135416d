/**
 * Answers sent straight on the HTTP response. n8n 2.41 answers an `onReceived` webhook that
 * returns workflow data with its `responseData` (the first item), not with a body of our
 * choosing, so the trigger writes Segway's expected body itself and tells n8n it did
 * (`noWebhookResponse`). The bodies are fixed strings: nothing about the secret or the
 * expected signature ever reaches the sender.
 */
import type { IWebhookResponseData } from 'n8n-workflow';

/** The part of Node's / Express's response the trigger uses. */
export interface PlainResponse {
	headersSent: boolean;
	writeHead(status: number, headers: Record<string, string | number>): unknown;
	end(body: string): unknown;
}

export const SUCCESS_BODY = '{"code":0,"message":"success"}';
export const INVALID_SIGNATURE_BODY = '{"code":401,"message":"invalid signature"}';

export function errorBody(status: number, message: string): string {
	return JSON.stringify({ code: status, message });
}

/** Sends `body` as JSON with `status` and tells n8n the response is taken care of. */
export function answer(
	res: PlainResponse,
	status: number,
	body: string,
	workflowData?: IWebhookResponseData['workflowData'],
): IWebhookResponseData {
	if (!res.headersSent) {
		res.writeHead(status, {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Length': Buffer.byteLength(body),
		});
		res.end(body);
	}
	return workflowData === undefined ? { noWebhookResponse: true } : { noWebhookResponse: true, workflowData };
}
