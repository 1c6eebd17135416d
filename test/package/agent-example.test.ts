/**
 * The AI agent example (examples/chat-with-your-fleet.json) keeps its two promises without n8n:
 * the model is told what an IoT code is in the catalog's words, and it gets no tool that acts on
 * a vehicle beyond lock and unlock. test/e2e/agent.test.ts runs it in n8n.
 */
import { IOT_CODE_DESCRIPTION } from '../../api/catalog/fields';
import { readExamples } from '../../harness/n8n';

const example = readExamples().find((e) => e.file === 'chat-with-your-fleet.json')?.workflow;
const tools = example?.nodes.filter((n) => n.type === 'n8n-nodes-segway-fleet.segwayFleetTool') ?? [];

test('offers exactly status, battery info, lock and unlock', () => {
	expect(tools.map((n) => `${String(n.parameters.resource)}.${String(n.parameters.operation)}`).sort()).toEqual(
		['control.lock', 'control.unlock', 'query.batteryInfo', 'query.status'],
	);
});

test("every tool's IoT Code is filled by the model, described with the catalog's text", () => {
	for (const node of tools) {
		expect({ node: node.name, iotCode: node.parameters.iotCode }).toEqual({
			node: node.name,
			iotCode: `={{ $fromAI('iotCode', \`${IOT_CODE_DESCRIPTION}\`, 'string') }}`,
		});
	}
});

test('its sticky note names what is left out and why', () => {
	const note = String(example?.nodes.find((n) => n.type === 'n8n-nodes-base.stickyNote')?.parameters.content);
	for (const words of ['Power On or Off', 'Enter Transport Mode', 'every setting', 'in the street']) expect(note).toContain(words);
});
