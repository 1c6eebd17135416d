/**
 * The scripted OpenAI stand-in answers as OpenAI's Chat Completions API does, plain and streamed,
 * so that the agent e2e test does not depend on which of the two n8n uses.
 */
import { startOpenAiScript, toolResult, type OpenAiScript } from '../../harness/openai-script';

let script: OpenAiScript;
beforeAll(async () => {
	script = await startOpenAiScript((request) => {
		const result = toolResult(request);
		if (result === undefined) return { toolCall: { name: 'Get_vehicle_status', arguments: { iotCode: '861477038719116' } } };
		if (result === 'boom') throw new Error('unexpected turn');
		return { text: `it said ${result}` };
	});
});
afterAll(() => script.close());

const chat = (body: Record<string, unknown>) =>
	fetch(`${script.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', ...body }) });
const ask = [{ role: 'user', content: 'status?' }];
const withResult = (result: string) => [...ask, { role: 'assistant', content: null, tool_calls: [] }, { role: 'tool', tool_call_id: 'c', content: result }];

/** The JSON objects of an SSE body, up to `[DONE]`. */
async function events(response: Response): Promise<Array<Record<string, unknown>>> {
	const lines = (await response.text()).split('\n').filter((l) => l.startsWith('data: '));
	expect(lines[lines.length - 1]).toBe('data: [DONE]');
	return lines.slice(0, -1).map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
}
type Chunk = { choices: Array<{ delta: { content?: string; tool_calls?: Array<{ function: { name?: string; arguments?: string } }> }; finish_reason: string | null }> };

test('a plain answer: a tool call first, then text from the tool result, and the request kept', async () => {
	const call = (await (await chat({ messages: ask, tools: [{ type: 'function', function: { name: 'Get_vehicle_status' } }] })).json()) as {
		choices: Array<{ message: { tool_calls: Array<{ function: { name: string; arguments: string } }> }; finish_reason: string }>;
	};
	expect(call.choices[0].finish_reason).toBe('tool_calls');
	expect(call.choices[0].message.tool_calls[0].function).toEqual({ name: 'Get_vehicle_status', arguments: '{"iotCode":"861477038719116"}' });
	const text = (await (await chat({ messages: withResult('[{"powerPercent":63}]') })).json()) as { choices: Array<{ message: { content: string }; finish_reason: string }> };
	expect(text.choices[0]).toMatchObject({ message: { content: 'it said [{"powerPercent":63}]' }, finish_reason: 'stop' });
	expect(script.requests[0].tools?.[0].function.name).toBe('Get_vehicle_status');
});

test('a streamed answer: the same turns as server-sent events, usage last when asked for', async () => {
	const call = (await events(await chat({ messages: ask, stream: true }))) as unknown as Chunk[];
	const fn = call.flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []).map((t) => t.function));
	expect(fn.map((f) => f.name ?? '').join('')).toBe('Get_vehicle_status');
	expect(fn.map((f) => f.arguments ?? '').join('')).toBe('{"iotCode":"861477038719116"}');
	expect(call[call.length - 1].choices[0].finish_reason).toBe('tool_calls');

	const text = await events(await chat({ messages: withResult('ok'), stream: true, stream_options: { include_usage: true } }));
	const chunks = text as unknown as Chunk[];
	expect(chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('')).toBe('it said ok');
	expect(text[text.length - 1]).toMatchObject({ choices: [], usage: { total_tokens: 20 } });
});

test('models are listed; a script error is a 400; another API is a 404, noted', async () => {
	expect(((await (await fetch(`${script.url}/models`)).json()) as { data: unknown[] }).data).toHaveLength(1);
	expect((await chat({ messages: withResult('boom') })).status).toBe(400);
	expect(script.scriptErrors).toEqual(['unexpected turn']);
	expect((await fetch(`${script.url}/responses`, { method: 'POST', body: '{}' })).status).toBe(404);
	expect(script.unanswered).toEqual(['POST /v1/responses']);
});
