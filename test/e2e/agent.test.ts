/**
 * Segway Fleet as an AI agent's tool in real n8n 2.41.1: the example workflow
 * examples/chat-with-your-fleet.json (AI Agent, OpenAI Chat Model, Simple Memory, four Segway Fleet
 * tools), run by the n8n CLI with its Chat Trigger swapped for a Manual Trigger and a node giving
 * the chat message. The model is a scripted OpenAI-compatible server on loopback
 * (harness/openai-script.ts): it calls a Segway tool first, then answers with text built from
 * the tool result n8n passed back, so the answer proves the vehicle's data went from the
 * simulator through n8n to the model and back. A query and a command, each checked at the
 * simulator; and the tool schema n8n gives the model, kept in docs/agent-tool-schema.json for the
 * README (SEGWAY_WRITE_DOCS=1 rewrites it, otherwise it must match).
 *
 * n8n line 2 only (scripts/e2e.sh): the example imports on line 1 too (trigger.test.ts).
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

import { IOT_CODE_DESCRIPTION } from '../../api/catalog/fields';
import {
	DEMO_CREDENTIAL,
	N8N,
	N8nInstance,
	ROOT,
	outputOf,
	readExamples,
	simulatorCredential,
	type ExampleWorkflow,
	type WorkflowNode,
} from '../../harness/n8n';
import { startOpenAiScript, toolResult, userText, type ChatRequest, type ChatTool, type OpenAiScript, type ScriptedReply } from '../../harness/openai-script';
import { startSimulator, DEMO_CLIENT, type Simulator } from '../../simulator/index';

const EXAMPLE = 'chat-with-your-fleet.json';
const SCHEMA_DOC = join(ROOT, 'docs/agent-tool-schema.json');
const OPENAI_CREDENTIAL = { id: 'e2eOpenAiScript1', name: 'OpenAI (scripted, loopback)' };
const AGENT = 'AI Agent';
/** Set on the queried vehicle: values no default of the simulator has, so the answer must carry them. */
const POWER_PERCENT = 63;

interface Turn {
	prompt: string;
	tool: string;
	iotCode: string;
	/** The final answer, from the tool result n8n sent back (its items' JSON). */
	answer(result: Array<Record<string, unknown>>): string;
}

/** The example with its Chat Trigger replaced by a Manual Trigger and the message a chat would send. */
function runnableCopy(example: ExampleWorkflow, id: string, chatInput: string): ExampleWorkflow {
	const trigger = example.nodes.find((n) => n.type === '@n8n/n8n-nodes-langchain.chatTrigger');
	if (!trigger) throw new Error(`${EXAMPLE} has no Chat Trigger`);
	const message: WorkflowNode = {
		id: trigger.id,
		name: trigger.name,
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		position: trigger.position,
		parameters: { mode: 'raw', jsonOutput: JSON.stringify({ sessionId: `e2e-${id}`, chatInput }), options: {} },
	};
	const start: WorkflowNode = { id: 'e2e00000-0000-4000-8000-000000000001', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [-220, 0], parameters: {} };
	return {
		...example,
		id,
		name: `${example.name} (e2e: ${id})`,
		nodes: [
			start,
			...example.nodes.map((n) => {
				if (n === trigger) return message;
				if (n.type === '@n8n/n8n-nodes-langchain.lmChatOpenAi') return { ...n, credentials: { openAiApi: OPENAI_CREDENTIAL } };
				return n;
			}),
		],
		connections: { ...example.connections, Start: { main: [[{ node: trigger.name, type: 'main', index: 0 }]] } },
	};
}

describe(`Segway Fleet as an AI agent's tool in n8n ${N8N.version}`, () => {
	let sim: Simulator;
	let model: OpenAiScript;
	let n8n: N8nInstance;
	let queried: string;
	let locked: string;
	const turns: Turn[] = [];

	/** The script: the first turn of a prompt calls its tool, the turn after the tool result answers. */
	const reply = (request: ChatRequest): ScriptedReply => {
		const ask = userText(request);
		const turn = turns.find((t) => ask.includes(t.prompt));
		if (!turn) throw new Error(`no scripted turn for the message ${JSON.stringify(ask)}`);
		const result = toolResult(request);
		if (result === undefined) return { toolCall: { name: turn.tool, arguments: { iotCode: turn.iotCode } } };
		const items = JSON.parse(result) as unknown;
		if (!Array.isArray(items)) throw new Error(`the tool result is not a list of items: ${result}`);
		return { text: turn.answer(items as Array<Record<string, unknown>>) };
	};

	const requestsFor = (prompt: string) => model.requests.filter((r) => userText(r).includes(prompt));

	beforeAll(async () => {
		sim = await startSimulator({ vehicles: 10, autoParkSeconds: Infinity });
		[queried, locked] = sim.iotCodes.slice(5, 7);
		await sim.fleet.update(queried, { online: true, locked: true, riding: false, speed: 0, powerPercent: POWER_PERCENT });
		await sim.fleet.update(locked, { online: true, locked: false, riding: false, speed: 0 });
		turns.push(
			{
				prompt: `How is scooter ${queried} doing?`,
				tool: 'Get_vehicle_status',
				iotCode: queried,
				answer: ([s]) => `Scooter ${String(s.iotCode)} is ${s.online ? 'online' : 'offline'} and ${s.locked ? 'locked' : 'unlocked'}, battery ${String(s.powerPercent)} %.`,
			},
			{
				prompt: `Please lock scooter ${locked}.`,
				tool: 'Lock_vehicle',
				iotCode: locked,
				answer: ([r]) => `Locked scooter ${String(r.iotCode)}: success ${String(r.success)}, operation ${String(r.opId)}.`,
			},
		);
		model = await startOpenAiScript(reply);

		n8n = await N8nInstance.create();
		// Community nodes have been usable as tools without a setting since n8n 1.85 (the flag
		// N8N_COMMUNITY_PACKAGES_ALLOW_TOOL_USAGE was removed): kept out of n8n's environment so
		// that this run shows it is not needed.
		n8n.settings = { N8N_COMMUNITY_PACKAGES_ALLOW_TOOL_USAGE: undefined };
		await n8n.importCredentials([
			simulatorCredential(sim.url, DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret),
			{ ...OPENAI_CREDENTIAL, type: 'openAiApi', data: { apiKey: 'sk-e2e-scripted', url: model.url } },
		]);
		const example = readExamples().find((e) => e.file === EXAMPLE)?.workflow;
		if (!example) throw new Error(`examples/${EXAMPLE} is missing`);
		await n8n.importWorkflows([runnableCopy(example, 'e2eAgentStatus', turns[0].prompt), runnableCopy(example, 'e2eAgentLock', turns[1].prompt)]);
	}, 240_000);

	afterAll(async () => {
		await n8n?.dispose();
		await model?.close();
		await sim?.close();
	});

	const runAgent = async (workflowId: string) => {
		const { code, run, output } = await n8n.execute(workflowId);
		if (code !== 0 || model.scriptErrors.length > 0 || model.unanswered.length > 0) {
			console.log(`${output.slice(-6000)}\nscript errors: ${model.scriptErrors.join('\n')}\nunanswered: ${model.unanswered.join(', ')}`);
		}
		expect({ code, error: run?.data.resultData.error?.message, scriptErrors: model.scriptErrors, unanswered: model.unanswered }).toEqual({
			code: 0,
			error: undefined,
			scriptErrors: [],
			unanswered: [],
		});
		const [answer] = outputOf(run, AGENT);
		return String(answer?.output);
	};

	it('answers a question about a vehicle with the status the simulator gave the tool', async () => {
		const prompt = turns[0].prompt;
		sim.clearRequests();
		const answer = await runAgent('e2eAgentStatus');

		const statusQueries = sim.requests.filter((r) => r.kind === 'api');
		expect(statusQueries.map((r) => [r.operation, r.iotCode, r.status, r.code])).toEqual([['query.status', queried, 200, 0]]);
		// Two turns: the tool call, then the answer from the tool result.
		const [first, second] = requestsFor(prompt);
		expect(requestsFor(prompt)).toHaveLength(2);
		expect(toolResult(first)).toBeUndefined();
		const result = JSON.parse(toolResult(second) as string) as Array<Record<string, unknown>>;
		expect(result).toEqual([expect.objectContaining({ iotCode: queried, powerPercent: POWER_PERCENT, online: true, locked: true })]);
		expect(answer).toBe(`Scooter ${queried} is online and locked, battery ${POWER_PERCENT} %.`);
	});

	it('locks a vehicle when asked: the simulator got the lock and the vehicle is locked', async () => {
		const prompt = turns[1].prompt;
		expect(sim.fleet.get(locked)?.locked).toBe(false);
		sim.clearRequests();
		const answer = await runAgent('e2eAgentLock');

		const commands = sim.requests.filter((r) => r.kind === 'api');
		expect(commands.map((r) => [r.method, r.operation, r.iotCode, r.status, r.code])).toEqual([['POST', 'control.lock', locked, 200, 0]]);
		expect(sim.fleet.get(locked)?.locked).toBe(true);
		const [lockResult] = JSON.parse(toolResult(requestsFor(prompt)[1]) as string) as Array<Record<string, unknown>>;
		expect(lockResult).toMatchObject({ iotCode: locked, success: true, code: 0 });
		expect(typeof lockResult.opId).toBe('string');
		expect(answer).toBe(`Locked scooter ${locked}: success true, operation ${String(lockResult.opId)}.`);
		// The other vehicle was not touched by this run.
		expect(sim.fleet.get(queried)?.locked).toBe(true);
	});

	describe('what n8n tells the model', () => {
		const toolsSent = () => {
			const first = requestsFor(turns[0].prompt)[0];
			if (!first) throw new Error('the status run sent the model nothing');
			return first.tools ?? [];
		};
		const tool = (name: string) => toolsSent().find((t) => t.function.name === name);

		it('offers the four tools of the example, described from the operation catalog', () => {
			expect(toolsSent().map((t) => [t.function.name, t.function.description])).toEqual(
				expect.arrayContaining([
					['Get_vehicle_status', 'Get the current status of a vehicle in Segway Fleet'],
					['Get_battery_info', 'Get the battery info of a vehicle in Segway Fleet'],
					['Lock_vehicle', 'Lock a vehicle in Segway Fleet'],
					['Unlock_vehicle', 'Unlock a vehicle in Segway Fleet'],
				]),
			);
			expect(toolsSent()).toHaveLength(4);
		});

		it("gives every tool one required string argument, iotCode, with the catalog's IoT Code description", () => {
			for (const name of ['Get_vehicle_status', 'Get_battery_info', 'Lock_vehicle', 'Unlock_vehicle']) {
				const parameters = tool(name)?.function.parameters as { properties?: Record<string, { type?: string; description?: string }>; required?: string[] } | undefined;
				expect({ name, properties: parameters?.properties, required: parameters?.required }).toEqual({
					name,
					properties: { iotCode: { type: 'string', description: IOT_CODE_DESCRIPTION } },
					required: ['iotCode'],
				});
			}
		});

		it(`matches docs/agent-tool-schema.json (SEGWAY_WRITE_DOCS=1 rewrites it)`, () => {
			const captured: ChatTool[] = [...toolsSent()].sort((a, b) => a.function.name.localeCompare(b.function.name));
			if (process.env.SEGWAY_WRITE_DOCS === '1') writeFileSync(SCHEMA_DOC, `${JSON.stringify(captured, null, '\t')}\n`);
			expect(captured).toEqual(JSON.parse(readFileSync(SCHEMA_DOC, 'utf8')));
		});
	});

	it('used the Segway credential of the example', () => {
		const example = readExamples().find((e) => e.file === EXAMPLE)!.workflow;
		for (const node of example.nodes.filter((n) => n.type.endsWith('.segwayFleetTool'))) expect(node.credentials?.segwayFleetApi).toEqual(DEMO_CREDENTIAL);
	});
});
