/** What the trigger emits, and its description as n8n and users see it. */
import { readFileSync } from 'fs';
import { join } from 'path';

import { registrationUrl, SegwayFleetTrigger } from '../../nodes/SegwayFleetTrigger/SegwayFleetTrigger.node';
import { eventOfPath } from '../../nodes/SegwayFleetTrigger/paths';
import { typePushFields } from '../../nodes/SegwayFleetTrigger/typing';
import { TriggerHarness } from '../../harness/webhook';
import { alertPush, faultPush, locationPush, postForm, SECRET, signed, statusPush } from './pushes';

describe('emitted items', () => {
	let harness: TriggerHarness;

	beforeEach(async () => {
		harness = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET } });
		await harness.start();
	});
	afterEach(async () => await harness.stop());

	async function emitted(event: string, params: Record<string, string>) {
		await postForm(harness.urlFor(event), signed(params));
		return harness.executions[harness.executions.length - 1].items[0].json;
	}

	test('status: numbers and booleans restored, iotCode stays a string, remainderRange renamed, no signature', async () => {
		const { remainingRange: _r, ...rest } = statusPush();
		const item = await emitted('status', { ...rest, remainderRange: '1230', futureField: '42', firmware: '0151' });
		expect(item).toEqual({
			event: 'status',
			iotCode: '861123456789012',
			platformCode: 'A20081',
			online: true,
			locked: false,
			lockVoltage: 412,
			networkSignal: 25,
			charging: false,
			powerPercent: 80,
			speedMode: 3,
			speed: 15,
			odometer: 1230,
			remainingRange: 1230,
			totalRidingSecs: 3600,
			statusUtcTime: expect.any(Number),
			futureField: 42,
			firmware: '0151',
			lastLocation: null,
		});
		expect(item).not.toHaveProperty('signature');
	});

	test('location: coordinates and gpsUtcTime as numbers, locationStatus a string', async () => {
		const push = locationPush();
		expect(await emitted('location', push)).toEqual({
			event: 'location',
			iotCode: '861123456789012',
			platformCode: 'A20081',
			locationStatus: 'valid',
			latitude: 22.5431,
			longitude: 114.0579,
			satelliteNumber: 9,
			hdop: 0.8,
			altitude: 12.5,
			gpsUtcTime: Number(push.gpsUtcTime),
		});
	});

	test('alert: named, with appeared/disappeared', async () => {
		expect(await emitted('alert', alertPush({ code: '2', alertStatus: '1' }))).toMatchObject({
			event: 'alert',
			code: 2,
			alertStatus: 1,
			alertName: 'fellDown',
			alertDescription: 'vehicle fell down',
			appeared: false,
		});
		expect(await emitted('alert', alertPush({ code: '6' }))).toMatchObject({
			alertName: 'liftedUp',
			alertDescription: 'vehicle was lifted up',
			appeared: true,
		});
		expect(await emitted('alert', alertPush({ code: '9' }))).toMatchObject({
			alertName: 'unknown',
			alertDescription: 'unknown alert code 9',
		});
	});

	test('fault: system and description from appendix 2', async () => {
		expect(await emitted('fault', faultPush({ code: '19' }))).toMatchObject({
			event: 'fault',
			code: 19,
			faultSystem: 'BMS',
			faultDescription: 'Battery abnormality in voltage detection',
			appeared: true,
		});
		expect(await emitted('fault', faultPush({ code: '77' }))).toMatchObject({
			faultSystem: '',
			faultDescription: 'unknown fault code 77',
		});
	});

	test('typing by look keeps long digit strings and odd values as text', () => {
		expect(
			typePushFields('alert', {
				imei: '861123456789012345',
				ratio: '0.25',
				neg: '-3',
				flag: 'true',
				hex: '0x1F',
				spaced: ' 5',
				statusUtcTime: '',
				code: 'abc',
			}),
		).toEqual({
			imei: '861123456789012345',
			ratio: 0.25,
			neg: -3,
			flag: true,
			hex: '0x1F',
			spaced: ' 5',
			statusUtcTime: null,
			code: 'abc',
		});
	});
});

describe('node description', () => {
	const { description } = new SegwayFleetTrigger();

	test('names, group, credential and icons', () => {
		expect(description.name).toBe('segwayFleetTrigger');
		expect(description.displayName).toBe('Segway Fleet Trigger');
		expect(description.group).toEqual(['trigger']);
		expect(description.inputs).toEqual([]);
		expect(description.credentials).toEqual([{ name: 'segwayFleetApi', required: true }]);
		// One icon folder for the package; n8n resolves the path from the node's own folder.
		expect(description.icon).toEqual({ light: 'file:../../icons/segway.svg', dark: 'file:../../icons/segway.dark.svg' });
		for (const icon of Object.values(description.icon as Record<string, string>)) {
			expect(readFileSync(join(__dirname, '../../nodes/SegwayFleetTrigger', icon.slice('file:'.length)), 'utf8')).toContain('<svg');
		}
		expect(description.usableAsTool).toBeUndefined();
	});

	test('four POST webhooks on the contract paths and the GET stream probe, answered on receipt', () => {
		expect(description.webhooks).toEqual([
			...['alert', 'fault', 'location', 'status'].map((event) => ({
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: `v2/vehicle/${event}`,
			})),
			{ name: 'default', httpMethod: 'GET', responseMode: 'onReceived', path: 'stream' },
		]);
	});

	test('events parameter: all four by default', () => {
		const events = description.properties.find((p) => p.name === 'events')!;
		expect(events.type).toBe('multiOptions');
		expect(events.default).toEqual(['alert', 'fault', 'location', 'status']);
		expect(events.options!.map((o) => ('value' in o ? o.value : undefined))).toEqual([
			'alert',
			'fault',
			'location',
			'status',
		]);
	});

	test('codex file points at the README trigger section', () => {
		const codex = JSON.parse(
			readFileSync(join(__dirname, '../../nodes/SegwayFleetTrigger/SegwayFleetTrigger.node.json'), 'utf8'),
		) as { node: string; resources: { primaryDocumentation: Array<{ url: string }> } };
		expect(codex.node).toBe('n8n-nodes-segway-fleet.segwayFleetTrigger');
		expect(codex.resources.primaryDocumentation[0].url).toBe(
			'https://github.com/segway-fleet/n8n-nodes-segway-fleet#trigger',
		);
	});

	test('the event is read from the path; the registration URL drops /v2/vehicle/<event>', () => {
		expect(eventOfPath('/webhook/abc/v2/vehicle/fault')).toBe('fault');
		expect(eventOfPath('/webhook/abc/v2/vehicle/status/?x=1')).toBe('status');
		expect(eventOfPath('/webhook/abc/v2/vehicle/other')).toBeUndefined();
		expect(registrationUrl('https://n8n.example.com/webhook/abc/v2/vehicle/alert')).toBe(
			'https://n8n.example.com/webhook/abc',
		);
	});
});

describe('webhook lifecycle', () => {
	const { webhookMethods } = new SegwayFleetTrigger();
	const logged: string[] = [];

	function hookContext(clientSecret: string | undefined, parameters: Record<string, unknown> = {}) {
		return {
			getCredentials: async () => (clientSecret === undefined ? {} : { clientSecret }),
			getNodeParameter: (name: string, fallback: unknown) => (name in parameters ? parameters[name] : fallback),
			getNode: () => ({ name: 'Segway Fleet Trigger' }),
			getNodeWebhookUrl: () => 'https://n8n.example.com/webhook/abc/v2/vehicle/alert',
			logger: { info: (message: string) => logged.push(message) },
		} as never;
	}

	test('checkExists reports missing so create runs and shows the URL to register', async () => {
		expect(await webhookMethods.default.checkExists.call(hookContext(SECRET))).toBe(false);
		expect(await webhookMethods.default.create.call(hookContext(SECRET))).toBe(true);
		expect(logged.pop()).toContain('register https://n8n.example.com/webhook/abc as the push URL');
		expect(await webhookMethods.default.delete.call(hookContext(SECRET))).toBe(true);
	});

	test('activation fails clearly when a number parameter is not a number in its range', async () => {
		const battery = { events: ['status'], statusMode: 'batteryLow' };
		await expect(webhookMethods.default.create.call(hookContext(SECRET, { ...battery, batteryThreshold: 'abc' }))).rejects.toThrow(
			'Battery Threshold (%) is "abc": expected a number from 1 to 100',
		);
		await expect(webhookMethods.default.create.call(hookContext(SECRET, { ...battery, batteryRearmMargin: 200 }))).rejects.toThrow(
			'Re-Arm Margin (%) is 200: expected a number from 0 to 100',
		);
		await expect(webhookMethods.default.create.call(hookContext(SECRET, { 'options.maxPushAge': '-5' }))).rejects.toThrow(
			'Max Push Age (Seconds) is "-5": expected a number from 0 to 86400',
		);
	});

	test('activation fails clearly on zones it cannot use, naming the feature and what is wrong', async () => {
		const unclosed = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'Old Town' }, geometry: { type: 'Polygon', coordinates: [[[13.4, 52.5], [13.41, 52.5], [13.41, 52.51], [13.4, 52.51]]] } }] };
		await expect(webhookMethods.default.create.call(hookContext(SECRET, { zoneRules: ['parking'], zones: JSON.stringify(unclosed) }))).rejects.toThrow(
			'Zones: feature 0 ("Old Town") coordinates[0] is not closed',
		);
		await expect(webhookMethods.default.create.call(hookContext(SECRET, { zoneRules: ['parking'], zones: '' }))).rejects.toThrow('Zones: no document is set; the zone rules need');
		await expect(webhookMethods.default.create.call(hookContext(SECRET, { events: [] }))).rejects.toThrow('Events is empty and neither Zone Rules nor Silent Vehicles is set');
	});

	test('activation fails clearly when the credential has no secret', async () => {
		await expect(webhookMethods.default.create.call(hookContext(''))).rejects.toThrow(
			'The Segway Fleet API credential has no client secret',
		);
	});
});
