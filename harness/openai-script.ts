/**
 * A scripted stand-in for OpenAI's Chat Completions API on loopback, so that n8n's AI Agent can be
 * tested end to end without a model and without the network: the test decides every answer from
 * what n8n sent (a tool call, or a text built from the tool result n8n passed back), and every
 * request is kept as sent, tool schemas included, to show what n8n gives a model.
 *
 * Answers `POST /v1/chat/completions` as one JSON answer or, when asked with `stream: true`, as
 * server-sent events (n8n streams agents started by a streaming Chat Trigger), and
 * `GET /v1/models` (the OpenAI Chat Model node lists models from it). Anything else gets 404 and
 * is listed in `unanswered`, so that a test can say which API n8n wanted instead.
 * Node's `http` only: the package has no dependency for this.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';

export type MessageContent = string | null | undefined | Array<{ type: string; text?: string }>;

export interface ChatMessage {
	role: string;
	content?: MessageContent;
	tool_calls?: ToolCall[];
	tool_call_id?: string;
}

export interface ToolCall {
	id: string;
	type: 'function';
	function: { name: string; arguments: string };
}

/** A tool as n8n declares it to the model: name, description and a JSON schema of its arguments. */
export interface ChatTool {
	type: 'function';
	function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface ChatRequest {
	model: string;
	messages: ChatMessage[];
	tools?: ChatTool[];
	stream?: boolean;
	stream_options?: { include_usage?: boolean };
	[key: string]: unknown;
}

export type ScriptedReply = { text: string } | { toolCall: { name: string; arguments: Record<string, unknown> } };

export interface OpenAiScript {
	/** The base URL as OpenAI clients take it, ending in `/v1`. */
	url: string;
	/** Every chat request in arrival order, as parsed from the wire. */
	requests: ChatRequest[];
	/** Requests this server has no answer for (method and path). */
	unanswered: string[];
	/** Errors the script threw; each also answered n8n with HTTP 400. */
	scriptErrors: string[];
	close(): Promise<void>;
}

/** The text of a message, whether sent as a string or as content parts. */
export function messageText(content: MessageContent): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) return content.map((part) => part.text ?? '').join('');
	return '';
}

/** The last user message of a request. */
export function userText(request: ChatRequest): string {
	const users = request.messages.filter((m) => m.role === 'user');
	return messageText(users[users.length - 1]?.content);
}

/** The result of the tool the model called last, if n8n sent one back since the last user message. */
export function toolResult(request: ChatRequest): string | undefined {
	const lastUser = request.messages.map((m) => m.role).lastIndexOf('user');
	const tools = request.messages.slice(lastUser + 1).filter((m) => m.role === 'tool');
	return tools.length > 0 ? messageText(tools[tools.length - 1].content) : undefined;
}

/**
 * Starts the server. `reply` is called for every chat request; what it throws is answered with
 * HTTP 400 (which OpenAI clients do not retry), so a wrong turn fails the run at once.
 */
export async function startOpenAiScript(reply: (request: ChatRequest) => ScriptedReply): Promise<OpenAiScript> {
	const requests: ChatRequest[] = [];
	const unanswered: string[] = [];
	const scriptErrors: string[] = [];
	let calls = 0;

	const answer = (res: ServerResponse, status: number, body: unknown) => {
		res.writeHead(status, { 'content-type': 'application/json' });
		res.end(JSON.stringify(body));
	};

	const server = createServer((req: IncomingMessage, res: ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const path = new URL(req.url ?? '/', 'http://localhost').pathname;
			if (req.method === 'GET' && path === '/v1/models') {
				answer(res, 200, { object: 'list', data: [{ id: 'scripted-model', object: 'model', created: 0, owned_by: 'e2e' }] });
				return;
			}
			if (req.method !== 'POST' || path !== '/v1/chat/completions') {
				unanswered.push(`${req.method} ${path}`);
				answer(res, 404, { error: { message: `the scripted server does not answer ${req.method} ${path}`, type: 'invalid_request_error' } });
				return;
			}
			let request: ChatRequest;
			let scripted: ScriptedReply;
			try {
				request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
				requests.push(request);
				scripted = reply(request);
			} catch (error) {
				const message = error instanceof Error ? error.message : String(error);
				scriptErrors.push(message);
				answer(res, 400, { error: { message: `script: ${message}`, type: 'invalid_request_error' } });
				return;
			}
			calls += 1;
			const id = `chatcmpl-scripted-${calls}`;
			const toolCall: ToolCall | undefined =
				'toolCall' in scripted
					? { id: `call_scripted_${calls}`, type: 'function', function: { name: scripted.toolCall.name, arguments: JSON.stringify(scripted.toolCall.arguments) } }
					: undefined;
			const text = 'text' in scripted ? scripted.text : null;
			const finish = toolCall ? 'tool_calls' : 'stop';
			const usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
			const created = Math.floor(Date.now() / 1000);
			if (request.stream) {
				res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
				const send = (delta: Record<string, unknown>, finishReason: string | null) =>
					res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`);
				if (toolCall) {
					send({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: toolCall.id, type: 'function', function: { name: toolCall.function.name, arguments: '' } }] }, null);
					send({ tool_calls: [{ index: 0, function: { arguments: toolCall.function.arguments } }] }, null);
				} else {
					send({ role: 'assistant', content: '' }, null);
					// In two pieces, as a model streams: a client that kept only the last piece would lose text.
					const half = Math.ceil((text ?? '').length / 2);
					send({ content: (text ?? '').slice(0, half) }, null);
					send({ content: (text ?? '').slice(half) }, null);
				}
				send({}, finish);
				if (request.stream_options?.include_usage) {
					res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, choices: [], usage })}\n\n`);
				}
				res.end('data: [DONE]\n\n');
				return;
			}
			answer(res, 200, {
				id,
				object: 'chat.completion',
				created,
				model: request.model,
				choices: [{ index: 0, message: { role: 'assistant', content: text, ...(toolCall ? { tool_calls: [toolCall] } : {}) }, finish_reason: finish, logprobs: null }],
				usage,
			});
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/v1`,
		requests,
		unanswered,
		scriptErrors,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
