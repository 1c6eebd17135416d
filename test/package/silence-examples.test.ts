/**
 * The silence examples keep their promises without n8n:
 * - examples/silent-vehicle-to-slack.json: its trigger, with the parameters exactly as the file has
 *   them, reports a scooter that went silent once and again when it is heard; the IF sends each to
 *   its message, and each message renders from that item with the vehicle, when it was last heard,
 *   its battery and lock state and the map link (also when no status or location is known yet).
 * - examples/push-stream-stopped-to-slack.json: its poll trigger, with the file's parameters (Push URL
 *   pointed at a running Segway Fleet Trigger), gives one streamStopped and one streamResumed item;
 *   the Slack message and the e-mail render from each, for every reason, with what to check.
 * Messages are rendered as n8n would: no "undefined", "null", "NaN" or "Invalid DateTime".
 * test/e2e/trigger.test.ts imports both into n8n on both lines; test/e2e/editor.test.ts lays them
 * out in the editor; test/e2e/silence.test.ts runs the same two triggers in n8n.
 */
import { DateTime } from 'luxon';
import type { INodeParameters } from 'n8n-workflow';

import type { StoredCredential } from '../../harness/engine';
import { PACKAGE, readExamples, TRIGGER_TYPE, type ExampleWorkflow, type WorkflowNode } from '../../harness/n8n';
import { PollHarness } from '../../harness/poll';
import { TriggerHarness } from '../../harness/webhook';
import { readPushUrl } from '../../nodes/SegwayFleetPollTrigger/streamWatch';
import { locationPush, nowSeconds, postForm, rewindStatusClock, SECRET, signed, statusPush } from '../trigger/pushes';

const POLL_TRIGGER_TYPE = `${PACKAGE}.segwayFleetPollTrigger`;
const A = '861123456700011';
const B = '861123456700012';
const C = '861123456700013';
const MINUTE = 60_000;

const examples = new Map(readExamples().map((e) => [e.file, e.workflow]));
const example = (file: string): ExampleWorkflow => {
	const workflow = examples.get(file);
	if (!workflow) throw new Error(`examples/${file} is missing`);
	return workflow;
};
const nodeNamed = (workflow: ExampleWorkflow, name: string): WorkflowNode => {
	const node = workflow.nodes.find((n) => n.name === name);
	if (!node) throw new Error(`${workflow.name} has no node "${name}"`);
	return node;
};
const nodeOfType = (workflow: ExampleWorkflow, type: string): WorkflowNode => workflow.nodes.find((n) => n.type === type)!;
/** The nodes each output of a node leads to. */
const outputsOf = (workflow: ExampleWorkflow, name: string) => workflow.connections[name].main.map((targets) => targets.map((t) => t.node));

/**
 * Text as n8n renders it: each `{{ … }}` evaluated as JavaScript with `$json` and `DateTime`
 * (Luxon, which n8n's expressions expose under that name).
 */
function render(text: unknown, json: unknown): string {
	expect(typeof text).toBe('string');
	expect((text as string).startsWith('=')).toBe(true);
	return (text as string).slice(1).replace(/\{\{([\s\S]+?)\}\}/g, (_, expression: string) => {
		const value: unknown = new Function('$json', 'DateTime', `return (${expression});`)(json, DateTime);
		return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
	});
}

const BROKEN = /undefined|\bnull\b|NaN|Invalid DateTime|\[object Object\]/;
const at = (iso: string) => DateTime.fromISO(iso).toFormat('dd LLL HH:mm');

let clockOffset = 0;
/** Moves the clock the nodes and the pushes read forward, as time passing would. */
function advance(ms: number): void {
	clockOffset += ms;
	if (jest.isMockFunction(Date.now)) return;
	const real = Date.now.bind(Date);
	jest.spyOn(Date, 'now').mockImplementation(() => real() + clockOffset);
}

const started: TriggerHarness[] = [];
async function startTrigger(parameters: INodeParameters): Promise<TriggerHarness> {
	const h = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters });
	await h.start();
	started.push(h);
	return h;
}

afterEach(async () => {
	jest.restoreAllMocks();
	rewindStatusClock();
	clockOffset = 0;
	for (const h of started.splice(0)) await h.stop();
});

const status = (h: TriggerHarness, iotCode: string, fields: Record<string, string>) => postForm(h.urlFor('status'), signed(statusPush({ iotCode, ...fields })));
const fix = (h: TriggerHarness, iotCode: string, latitude: string, longitude: string) =>
	postForm(h.urlFor('location'), signed(locationPush({ iotCode, latitude, longitude, gpsUtcTime: nowSeconds() })));
const silences = (h: TriggerHarness) => h.executions.flatMap((run) => run.items.map((item) => item.json)).filter((json) => json.event === 'silence');

describe('examples/silent-vehicle-to-slack.json', () => {
	const workflow = example('silent-vehicle-to-slack.json');
	const trigger = nodeOfType(workflow, TRIGGER_TYPE);
	const wentSilent = nodeNamed(workflow, 'Tell the Crew It Went Silent');
	const back = nodeNamed(workflow, 'Tell the Crew It Is Back');
	/** Where the IF sends an item: its condition, `$json.silence` equals the right value. */
	const routed = (item: Record<string, unknown>) => {
		const [condition] = (nodeNamed(workflow, 'Went Silent?').parameters.conditions as { conditions: Array<{ leftValue: string; rightValue: string; operator: { operation: string } }> }).conditions;
		expect(condition.operator.operation).toBe('equals');
		return outputsOf(workflow, 'Went Silent?')[render(condition.leftValue, item) === condition.rightValue ? 0 : 1];
	};

	it('runs only on silences: no push kind selected, both reports on, the default limits', () => {
		expect(trigger.parameters).toEqual({ events: [], silentVehicles: 'wentSilentAndBack', silentAfterLocked: 45, silentAfterUnlocked: 5 });
		expect(outputsOf(workflow, trigger.name)).toEqual([['Went Silent?']]);
		expect(outputsOf(workflow, 'Went Silent?')).toEqual([[wentSilent.name], [back.name]]);
		for (const node of [wentSilent, back]) expect(node.parameters).toMatchObject({ select: 'channel', channelId: { __rl: true, mode: 'name', value: '#fleet-ops' } });
	});

	it('a locked scooter silent for 45 min: one message with when it was last heard, its battery, lock state and map link; heard again: the other message', async () => {
		const h = await startTrigger(trigger.parameters as INodeParameters);
		await fix(h, A, '22.543096', '114.057865');
		await status(h, A, { locked: 'true', online: 'true', charging: 'false', powerPercent: '37' });
		for (let minute = 0; minute < 46; minute++) {
			advance(MINUTE);
			await status(h, B, { locked: 'true' });
		}
		const [report, ...more] = silences(h);
		expect(more).toEqual([]);
		expect(report).toMatchObject({ iotCode: A, silence: 'wentSilent', lockedWhenLastHeard: true, silentAfterMinutes: 45 });
		expect(routed(report)).toEqual([wentSilent.name]);
		const sent = render(wentSilent.parameters.text, report);
		expect(sent).not.toMatch(BROKEN);
		const map = 'https://www.openstreetmap.org/?mlat=22.543096&mlon=114.057865#map=18/22.543096/114.057865';
		for (const words of [`Scooter ${A} went silent`, `since ${at(report.lastHeardAt as string)}, 45 min`, 'limit is 45 min for a vehicle last locked', 'Battery 37 %, locked at its last status push', map]) {
			expect(sent).toContain(words);
		}

		advance(MINUTE);
		await fix(h, A, '22.55', '114.06');
		const heard = silences(h)[1];
		expect(heard).toMatchObject({ iotCode: A, silence: 'heardAgain', heardBy: 'location' });
		expect(routed(heard)).toEqual([back.name]);
		const again = render(back.parameters.text, heard);
		expect(again).not.toMatch(BROKEN);
		for (const words of [`Scooter ${A} is heard again: a location push at ${at(heard.heardAgainAt as string)}, after 47 min of silence`, `last heard before: ${at(report.lastHeardAt as string)}`, 'Battery 37 %, locked', 'mlat=22.55&mlon=114.06']) {
			expect(again).toContain(words);
		}
	});

	it('an unlocked scooter after 5 min; a scooter only ever heard by location, with no status, and one with no fix: still whole messages', async () => {
		const h = await startTrigger(trigger.parameters as INodeParameters);
		await status(h, A, { locked: 'false', charging: 'true', powerPercent: '81' });
		await fix(h, C, '22.6', '114.1');
		await status(h, B, { locked: 'true' });
		for (let minute = 0; minute < 6; minute++) {
			advance(MINUTE);
			await status(h, B, { locked: 'true' });
		}
		const [unlocked] = silences(h);
		expect(unlocked).toMatchObject({ iotCode: A, silence: 'wentSilent', lockedWhenLastHeard: false, silentAfterMinutes: 5, lastLocation: null });
		const first = render(wentSilent.parameters.text, unlocked);
		expect(first).not.toMatch(BROKEN);
		for (const words of ['limit is 5 min for a vehicle last unlocked', 'Battery 81 %, unlocked, charging', 'No location known yet']) expect(first).toContain(words);

		for (let minute = 0; minute < 40; minute++) {
			advance(MINUTE);
			await status(h, B, { locked: 'true' });
		}
		const noStatus = silences(h).find((item) => item.iotCode === C)!;
		expect(noStatus).toMatchObject({ silence: 'wentSilent', lockedWhenLastHeard: null, lastStatus: null, silentAfterMinutes: 45 });
		const second = render(wentSilent.parameters.text, noStatus);
		expect(second).not.toMatch(BROKEN);
		for (const words of ['locked or of unknown lock state', 'No status push heard from it yet', 'mlat=22.6&mlon=114.1']) expect(second).toContain(words);
	});
});

describe('examples/push-stream-stopped-to-slack.json', () => {
	const workflow = example('push-stream-stopped-to-slack.json');
	const poll = nodeOfType(workflow, POLL_TRIGGER_TYPE);
	const slack = nodeNamed(workflow, 'Tell On-Call');
	const email = nodeNamed(workflow, 'E-Mail On-Call');
	const credential = (clientSecret = SECRET): StoredCredential => ({ data: { clientId: 'A20081', clientSecret, region: 'custom', baseUrl: 'http://127.0.0.1:9', accessToken: '' }, updates: 0 });
	/** The example's parameters with its Push URL pointed elsewhere. */
	const parametersWith = (pushUrl: string) => ({ ...(poll.parameters as INodeParameters), pushUrl });
	const messages = (item: Record<string, unknown>) => {
		const sent = { slack: render(slack.parameters.text, item), subject: render(email.parameters.subject, item), email: render(email.parameters.text, item) };
		for (const text of Object.values(sent)) expect(text).not.toMatch(BROKEN);
		return sent;
	};

	it('watches the push stream every minute, stopped after 15 min, resumed reported; Slack to #on-call and an e-mail, side by side', () => {
		expect(poll.parameters).toEqual({
			pollTimes: { item: [{ mode: 'everyMinute' }] },
			watch: 'pushStream',
			pushUrl: 'https://n8n.example.com/webhook/0b1a7e00-5e9a-4c0e-8a77-000000000008',
			streamQuietMinutes: 15,
			streamResumed: true,
		});
		// The same webhook as the silent-vehicle example's trigger: in the demo, the one it watches.
		expect(readPushUrl(poll.parameters.pushUrl)).toBe(`https://n8n.example.com/webhook/${String(nodeOfType(example('silent-vehicle-to-slack.json'), TRIGGER_TYPE).webhookId)}`);
		expect(outputsOf(workflow, poll.name)).toEqual([[slack.name, email.name]]);
		expect(slack.parameters).toMatchObject({ select: 'channel', channelId: { __rl: true, mode: 'name', value: '#on-call' } });
		expect(email.parameters).toMatchObject({ toEmail: 'on-call@example.com', emailFormat: 'text' });
	});

	it('no push for 15 min: one stop, messages with the reason and what to check (URL registered at Segway, certificate, Segway status); back: one all-clear', async () => {
		const trigger = await startTrigger({});
		const watch = new PollHarness(parametersWith(trigger.registrationUrl), credential());
		await status(trigger, A, { locked: 'true' });
		expect(await watch.poll()).toEqual([]);
		advance(16 * MINUTE);
		const [stopped, ...more] = await watch.poll();
		expect(more).toEqual([]);
		expect(stopped).toMatchObject({ event: 'streamStopped', reason: 'noPush', quietMinutes: 15 });
		expect(await watch.poll()).toEqual([]);
		const sent = messages(stopped);
		for (const words of [':rotating_light: Segway pushes stopped reaching n8n', 'No push for 16 min', 'Why: n8n answers, but no signed push from Segway has arrived', 'Check: the push URL registered at Segway, its TLS certificate, Segway\'s status']) {
			expect(sent.slack).toContain(words);
		}
		expect(sent.subject).toBe('Segway pushes stopped reaching n8n (noPush, 16 min)');
		for (const words of [`The Segway Fleet Trigger at ${trigger.registrationUrl} has received no verified push for 16 min (limit 15 min)`, `registered in the Segway business system is exactly ${trigger.registrationUrl}`, 'TLS certificate', "Segway's status", 'client secret']) {
			expect(sent.email).toContain(words);
		}

		advance(MINUTE);
		await status(trigger, A, { locked: 'true' });
		const [resumed] = await watch.poll();
		expect(resumed).toMatchObject({ event: 'streamResumed' });
		const back = messages(resumed);
		expect(back.slack).toContain(':white_check_mark: Segway pushes reach n8n again');
		expect(back.slack).toContain('Stopped for 17 min');
		expect(back.subject).toBe('Resolved: Segway pushes reach n8n again after 17 min');
		expect(back.email).toContain('again');
	});

	it.each([
		['wrongSecret', 'the trigger refused the probe (401)', 'same Segway Fleet API credential here as in the trigger'],
		['notPublished', "the trigger's URL answers 404", 'is published (active)'],
		['unreachable', "this n8n cannot reach the trigger's public URL (connect ECONNREFUSED", 'reverse proxy'],
	])('a probe that fails for 15 min (%s): the messages say why and what to check', async (reason, why, check) => {
		const trigger = await startTrigger({});
		const pushUrl = { wrongSecret: trigger.registrationUrl, notPublished: `${trigger.baseUrl}/webhook/not-this-trigger`, unreachable: 'http://127.0.0.1:9/webhook/gone' }[reason]!;
		const watch = new PollHarness(parametersWith(pushUrl), credential(reason === 'wrongSecret' ? 'AnotherSecret9' : SECRET));
		expect(await watch.poll()).toEqual([]);
		advance(16 * MINUTE);
		const [stopped] = await watch.poll();
		expect(stopped).toMatchObject({ event: 'streamStopped', reason, lastPushAt: null });
		const sent = messages(stopped);
		expect(sent.slack).toContain(why);
		expect(sent.slack).toContain('(last: never)');
		expect(sent.email).toContain(check);
		expect(sent.email).toContain(`Reason: ${reason}`);
	});
});
