/**
 * The zone examples keep their promises without n8n: each one's trigger, with the parameters
 * exactly as the file has them, runs for its rule at its example zone and for nothing else, and
 * its Slack message renders from that item with every field it names there (no "undefined", no
 * "Invalid DateTime"). The demo's zones workflow carries the demo city's document unchanged.
 * test/e2e/trigger.test.ts imports them into n8n; test/e2e/editor.test.ts lays them out in the
 * editor and watches the demo's zones workflow run.
 */
import { readFileSync } from 'fs';
import { join } from 'path';

import { DateTime } from 'luxon';

import { readExamples, ROOT, TRIGGER_TYPE, type ExampleWorkflow, type WorkflowNode } from '../../harness/n8n';
import { TriggerHarness } from '../../harness/webhook';
import { locationPush, nowSeconds, postForm, rewindStatusClock, SECRET, signed, statusPush, IOT } from '../trigger/pushes';

const examples = new Map(readExamples().map((e) => [e.file, e.workflow]));
const example = (file: string): ExampleWorkflow => {
	const workflow = examples.get(file);
	if (!workflow) throw new Error(`examples/${file} is missing`);
	return workflow;
};
const triggerOf = (workflow: ExampleWorkflow): WorkflowNode => workflow.nodes.find((n) => n.type === TRIGGER_TYPE)!;
const nodeNamed = (workflow: ExampleWorkflow, name: string): WorkflowNode => workflow.nodes.find((n) => n.name === name)!;

let harness: TriggerHarness | undefined;
afterEach(async () => {
	rewindStatusClock();
	await harness?.stop();
	harness = undefined;
});

async function start(workflow: ExampleWorkflow): Promise<TriggerHarness> {
	harness = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters: triggerOf(workflow).parameters as never });
	await harness.start();
	return harness;
}

let second = -80;
beforeEach(() => (second = -80));
const fix = (h: TriggerHarness, longitude: number, latitude: number) =>
	postForm(h.urlFor('location'), signed(locationPush({ longitude: String(longitude), latitude: String(latitude), gpsUtcTime: nowSeconds((second += 5)) })));
const status = (h: TriggerHarness, locked: boolean, speed = 0) => postForm(h.urlFor('status'), signed(statusPush({ locked: String(locked), speed: String(speed) })));

type Item = Record<string, unknown> & { zone: { rule: string; name: string | null } };
const runs = (h: TriggerHarness) => h.executions.map((run) => run.items.map((item) => item.json as Item));

/**
 * A message as n8n renders it: each `{{ … }}` evaluated as JavaScript with `$json`, `$('Node')`,
 * `$now` and `DateTime` (Luxon, which n8n's expressions expose under that name).
 */
function render(text: string, json: unknown, nodes: Record<string, unknown>): string {
	expect(text.startsWith('=')).toBe(true);
	const $ = (name: string) => {
		if (!(name in nodes)) throw new Error(`the message names node "${name}", which the test does not give`);
		return { item: { json: nodes[name] } };
	};
	return text.slice(1).replace(/\{\{([\s\S]+?)\}\}/g, (_, expression: string) => {
		const value: unknown = new Function('$json', '$', '$now', 'DateTime', `return (${expression});`)(json, $, DateTime.now(), DateTime);
		return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
	});
}

const BROKEN = /undefined|\bnull\b|NaN|Invalid DateTime|\[object Object\]/;

/** What Segway Fleet's commands output on success (README: Output). */
const commandOk = { iotCode: IOT, success: true, code: 0, msg: 'success', opId: 'op-1' };

describe('examples/zone-no-ride-to-sound-and-slow.json', () => {
	const workflow = example('zone-no-ride-to-sound-and-slow.json');

	it('runs only on zone breaks: no push kind selected, the ride-through rule on', () => {
		expect(triggerOf(workflow).parameters).toMatchObject({ events: [], zoneRules: ['rideThrough'] });
	});

	it('plays the "driving out of geofence" sound, then sets low speed mode, then tells the crew', () => {
		const sound = nodeNamed(workflow, 'Play the Geofence Sound');
		const slow = nodeNamed(workflow, 'Low Speed Mode');
		expect(sound.parameters).toMatchObject({ resource: 'control', operation: 'sound', controlType: 1 });
		expect(slow.parameters).toMatchObject({ resource: 'setting', operation: 'speedMode', speedMode: 1 });
		expect(workflow.connections['Segway Fleet Trigger'].main[0][0].node).toBe(sound.name);
		expect(workflow.connections[sound.name].main[0][0].node).toBe(slow.name);
		expect(workflow.connections[slow.name].main[0][0].node).toBe('Tell the Crew');
	});

	it('fires once for an unlocked scooter in its no-ride zone, and its message names the vehicle, the zone and the map link', async () => {
		const h = await start(workflow);
		await status(h, false, 15);
		await fix(h, 114.11, 22.63);
		await fix(h, 114.1155, 22.6365);
		await fix(h, 114.1156, 22.6366);
		expect(runs(h).map((items) => items.map((i) => `${i.zone.rule}:${String(i.zone.name)}`))).toEqual([['rideThrough:Lakeside Park']]);

		const item = runs(h)[0][0];
		const slack = String(nodeNamed(workflow, 'Tell the Crew').parameters.text);
		const sent = render(slack, commandOk, { 'Segway Fleet Trigger': item, 'Play the Geofence Sound': commandOk });
		expect(sent).not.toMatch(BROKEN);
		for (const words of [IOT, 'Lakeside Park', 'Geofence sound: played', 'Low speed mode: set', (item.lastLocation as { mapUrl: string }).mapUrl]) expect(sent).toContain(words);
		// A command that failed (continue on error) is said so, with its error.
		const failed = { error: 'The vehicle is offline (15301)', details: {} };
		expect(render(slack, failed, { 'Segway Fleet Trigger': item, 'Play the Geofence Sound': failed })).toContain('Low speed mode: failed (The vehicle is offline (15301))');
	});
});

describe('examples/zone-no-parking-to-slack.json', () => {
	const workflow = example('zone-no-parking-to-slack.json');

	it('runs only on zone breaks: no push kind selected, the parking rule on', () => {
		expect(triggerOf(workflow).parameters).toMatchObject({ events: [], zoneRules: ['parking'] });
	});

	it('fires once when a scooter is locked in its no-parking zone; the message says since when, with the map link', async () => {
		const h = await start(workflow);
		await status(h, false, 12);
		await fix(h, 114.1381, 22.6235);
		await fix(h, 114.142, 22.6235);
		expect(runs(h)).toEqual([]);
		await status(h, true);
		expect(runs(h).map((items) => items.map((i) => `${i.zone.rule}:${String(i.zone.name)}`))).toEqual([['parking:Station Square']]);

		const item = runs(h)[0][0];
		const sent = render(String(nodeNamed(workflow, 'Ask the Crew to Move It').parameters.text), item, {});
		expect(sent).not.toMatch(BROKEN);
		for (const words of [IOT, 'Station Square', (item.lastLocation as { mapUrl: string }).mapUrl]) expect(sent).toContain(words);
		// The test's status push is stamped a minute back: locked a minute ago.
		expect(sent).toMatch(/locked at \d\d:\d\d, standing there for 1 min\./);
	});
});

describe('examples/zone-left-service-area-to-slack.json', () => {
	const workflow = example('zone-left-service-area-to-slack.json');

	it('runs only on zone breaks: no push kind selected, the outside rule on', () => {
		expect(triggerOf(workflow).parameters).toMatchObject({ events: [], zoneRules: ['outside'] });
	});

	it('fires once when a scooter is outside its service area, and again only after it was back', async () => {
		const h = await start(workflow);
		await fix(h, 114.125, 22.634);
		await fix(h, 114.16, 22.634);
		await fix(h, 114.161, 22.634);
		expect(runs(h).map((items) => items.map((i) => i.zone.rule))).toEqual([['outside']]);

		const item = runs(h)[0][0];
		const sent = render(String(nodeNamed(workflow, 'Tell the Crew').parameters.text), item, {});
		expect(sent).not.toMatch(BROKEN);
		for (const words of [IOT, 'left the service area', (item.lastLocation as { mapUrl: string }).mapUrl]) expect(sent).toContain(words);

		await fix(h, 114.125, 22.634);
		await fix(h, 114.16, 22.634);
		expect(runs(h)).toHaveLength(2);
	});
});

describe('examples/demo-zones.json', () => {
	const workflow = example('demo-zones.json');

	it("carries the demo city's zones unchanged, with every zone rule on and no push kind selected", () => {
		const city = readFileSync(join(ROOT, 'examples/zones/demo-city.json'), 'utf8');
		const { parameters } = triggerOf(workflow);
		expect(parameters.zones).toBe(city.replace(/\n$/, ''));
		expect(parameters).toMatchObject({ events: [], zoneRules: ['entered', 'left', 'outside', 'rideThrough', 'parking', 'speed'] });
	});
});

test('every zone example says where the zones come from, and that Events is empty on purpose', () => {
	for (const file of ['zone-no-ride-to-sound-and-slow.json', 'zone-no-parking-to-slack.json', 'zone-left-service-area-to-slack.json']) {
		const note = String(example(file).nodes.find((n) => n.type === 'n8n-nodes-base.stickyNote')?.parameters.content);
		for (const words of ['geofencing_zones.json', 'paste the whole file', '**Events** is empty on purpose']) expect({ file, has: note.includes(words), words }).toEqual({ file, has: true, words });
		// Zones are text in the node, never a URL that n8n would not fetch.
		expect(String(triggerOf(example(file)).parameters.zones)).not.toMatch(/https?:/);
	}
});
