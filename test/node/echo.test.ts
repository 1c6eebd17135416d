/**
 * A refused value is described, never echoed: what upstream nodes put into a parameter (a customer
 * record, a key, a 10,000-character text) must not reach an error's message, description or
 * context, which n8n keeps in execution data, logs and error workflows. The action node runs
 * through n8n-core's engine against the simulator, the poll trigger through n8n-core's
 * PollContext; every refusal happens before any request.
 */
import type { IDataObject, INodeParameters, INodeProperties, IPollFunctions } from 'n8n-workflow';

import { findOperation } from '../../api/catalog/operations';
import { describeJsonProblem, describeValue, SHOWN_CHARACTERS } from '../../api/describe';
import { buildRequest, FieldError } from '../../api/requests';
import { PollHarness } from '../../harness/poll';
import { parseVehicleList } from '../../nodes/SegwayFleetPollTrigger/vehicleList';
import { readPushUrl } from '../../nodes/SegwayFleetPollTrigger/streamWatch';
import { NodeParameters } from '../../nodes/shared/parameters';
import { zones } from '../../nodes/shared/rules/zones';
import { zoneDocument } from '../../nodes/shared/zones/document';
import { resolveBaseUrl } from '../../api/catalog/regions';
import { startFixture, type Fixture } from './fixtures';

const SECRET = 'sk-should-not-be-echoed';
const LONG = 10_000;

/** Values an upstream node may hand over; the fillers make any longer excerpt findable. */
const HOSTILE: Record<string, unknown> = {
	object: { customer: 'Jane Doe', apiKey: SECRET, nested: { token: SECRET } },
	'object with a long key': { [`${SECRET}${'k'.repeat(LONG)}`]: SECRET },
	list: [SECRET, { apiKey: SECRET }],
	'long text': 'x'.repeat(LONG),
	'long text starting with the secret': `${SECRET}${'y'.repeat(LONG)}`,
	'the secret alone': SECRET,
};
const HOSTILE_ITEMS = Object.values(HOSTILE).map((value) => ({ value }) as IDataObject);

/** What of a hostile value a text shows beyond what the rule allows. */
function leaks(text: string): string[] {
	const found: string[] = [];
	if (text.includes(SECRET)) found.push('the secret');
	for (const filler of ['x', 'y', 'k']) {
		if (text.includes(filler.repeat(SHOWN_CHARACTERS + 1))) found.push(`more than ${SHOWN_CHARACTERS} characters of a long text (${filler})`);
	}
	return found;
}

describe('describeValue', () => {
	test('numbers, true/false and short texts as they are; of a long text a prefix and its length; of objects and lists only their kind', () => {
		expect(describeValue(12.5)).toBe('12.5');
		expect(describeValue(false)).toBe('false');
		expect(describeValue(undefined)).toBe('undefined');
		expect(describeValue(null)).toBe('null');
		expect(describeValue('86147703871911x')).toBe('"86147703871911x"');
		expect(describeValue('x'.repeat(LONG))).toBe(`"${'x'.repeat(SHOWN_CHARACTERS)}…" (${LONG} characters)`);
		expect(describeValue(SECRET)).toBe('"sk-should-not-be…" (23 characters)');
		expect(describeValue(HOSTILE.object)).toBe('an object');
		expect(describeValue(HOSTILE.list)).toBe('a list of 2 items');
		expect(describeValue([])).toBe('an empty list');
		expect(SHOWN_CHARACTERS).toBe(16);
	});

	test("V8's excerpt of a text that is no JSON is left out: of a zone document, of a parameter read as JSON", () => {
		const text = `{"apiKey": ${SECRET}}`;
		let problem: unknown;
		try {
			JSON.parse(text);
		} catch (error) {
			problem = error;
		}
		expect((problem as Error).message).toContain('sk-should');
		expect(describeJsonProblem(problem)).toBe("Unexpected token 's'");
		expect(() => zoneDocument(text)).toThrow(/^not valid JSON: Unexpected token 's'$/);
		// A narrow unit: the two calls NodeParameters makes of n8n.
		const ctx = { getNode: () => ({ name: 'Trigger' }), getNodeParameter: () => text } as unknown as IPollFunctions;
		const read = new NodeParameters(ctx, [{ displayName: 'Vehicle Types', name: 'types', type: 'string', default: '' }], 'Fix it.');
		expect(() => read.parsed('types', (raw) => JSON.parse(raw as string) as unknown)).toThrow(/^Vehicle Types: not valid JSON: Unexpected token 's'$/);
	});
});

describe('the action node', () => {
	let fx: Fixture;
	beforeAll(async () => (fx = await startFixture()));
	afterAll(async () => await fx.sim.close());
	beforeEach(() => fx.sim.clearRequests());

	const valid = () => fx.sim.iotCodes[0];
	const withCode = (parameters: INodeParameters): INodeParameters => ({ iotCode: valid(), ...parameters });
	const placements: Array<{ name: string; field: string; parameters: () => INodeParameters }> = [
		{ name: 'iotCode read from the item', field: 'iotCode', parameters: () => ({ resource: 'query', operation: 'status', iotCode: '={{ $json.value }}' }) },
		{ name: "iotCode evaluated by n8n's expression engine", field: 'iotCode', parameters: () => ({ resource: 'control', operation: 'unlock', iotCode: '={{ $json["value"] }}' }) },
		{ name: 'a choice (speed mode)', field: 'speedMode', parameters: () => withCode({ resource: 'setting', operation: 'speedMode', speedMode: '={{ $json.value }}' }) },
		{ name: 'a text (bluetooth key)', field: 'key', parameters: () => withCode({ resource: 'setting', operation: 'bluetoothKey', key: '={{ $json.value }}' }) },
		{ name: 'a range (alert sensitivity)', field: 'alertSensitivity', parameters: () => withCode({ resource: 'setting', operation: 'switch', alertSensitivity: '={{ $json.value }}' }) },
		{ name: 'a light', field: 'headLight', parameters: () => withCode({ resource: 'control', operation: 'light', headLight: '={{ $json.value }}', tailLight: 'unchanged' }) },
		{ name: 'an additional field (speed limit)', field: 'additionalFields.lowSpeedLimit', parameters: () => withCode({ resource: 'setting', operation: 'scooter', additionalFields: { lowSpeedLimit: '={{ $json.value }}' } }) },
		{ name: 'a sub-field (sound mask)', field: 'sctoMask.beep', parameters: () => withCode({ resource: 'setting', operation: 'sound', workMode: 0, sctoMask: { beep: '={{ $json.value }}' } }) },
		{ name: 'an interval', field: 'locationInterval.unlockStatus', parameters: () => withCode({ resource: 'setting', operation: 'interval', locationInterval: { unlockStatus: '={{ $json.value }}' } }) },
	];

	/** The node's part of the run: the run's error, the node's error as n8n keeps it, the node's output. */
	const recorded = (run: Awaited<ReturnType<Fixture['run']>>) =>
		JSON.stringify({ error: run.error, nodeErrors: run.run.data.resultData.runData['Segway Fleet']?.map((task) => task.error), output: run.output });

	test.each(placements)('$name: the run fails naming the field, without the value, before any request', async ({ field, parameters }) => {
		for (const item of HOSTILE_ITEMS) {
			const run = await fx.run(parameters(), [item]);
			expect(run.error?.name).toBe('NodeOperationError');
			expect(run.error?.message).toContain(field);
			expect(run.error?.message).toContain(describeValue(item.value).split('"')[0]);
			expect(leaks(recorded(run))).toEqual([]);
		}
		expect(fx.sim.requests).toHaveLength(0);
	});

	test.each(placements)('$name, with continue on fail: every item carries its error without the value', async ({ field, parameters }) => {
		const run = await fx.run(parameters(), HOSTILE_ITEMS, true);
		expect(run.error).toBeUndefined();
		const output = run.output ?? [];
		expect(output).toHaveLength(HOSTILE_ITEMS.length);
		for (const item of output) expect(String(item.json.error)).toContain(field);
		expect(leaks(recorded(run))).toEqual([]);
		expect(fx.sim.requests).toHaveLength(0);
	});

	test('an item whose iotCode is a long text or an object keeps no copy of it in its details', async () => {
		const run = await fx.run({ resource: 'query', operation: 'status', iotCode: '={{ $json.value }}' }, HOSTILE_ITEMS, true);
		const details = (run.output ?? []).map((item) => (item.json.details as IDataObject).iotCode);
		expect(details).toEqual(HOSTILE_ITEMS.map(() => null));
	});


	test('a run option from an expression fails the run naming the option, without the value', async () => {
		for (const item of HOSTILE_ITEMS) {
			// Not per item: with continue on fail n8n would pass the input items on as they came.
			const run = await fx.run({ resource: 'query', operation: 'status', iotCode: valid(), options: { concurrency: '={{ $json.value }}' } }, [item]);
			expect(run.error?.message).toMatch(/^Max Requests in Flight is /);
			expect(leaks(recorded(run))).toEqual([]);
		}
		expect(fx.sim.requests).toHaveLength(0);
	});

	describe('the poll trigger', () => {
		/**
		 * The parameter as an expression giving the hostile value (indented, since `}}` would end the
		 * expression). Only what the error says is checked: the node's own parameters are its configuration.
		 */
		const expression = (value: unknown) => `={{ ${JSON.stringify(value, null, 1)} }}`;
		const refusal = async (parameters: INodeParameters): Promise<string> => {
			const poll = new PollHarness(parameters, fx.credential);
			const error = (await poll.poll().then(
				() => undefined,
				(caught: unknown) => caught,
			)) as { name: string; message: string; description?: string; context?: unknown } | undefined;
			expect(error?.name).toBe('NodeOperationError');
			return JSON.stringify({ message: error?.message, description: error?.description, context: error?.context });
		};

		test.each(Object.entries(HOSTILE))('%s in IoT Codes, a threshold, a choice and the push URL', async (_name, value) => {
			const vehicles = { iotCodes: valid(), statusMode: 'batteryLow' };
			for (const parameters of [
				{ statusMode: 'batteryLow', iotCodes: expression(Array.isArray(value) ? value : [valid(), value]) },
				{ ...vehicles, batteryThreshold: expression(value) },
				{ ...vehicles, unanswered: expression(value) },
				{ ...vehicles, options: { retries: expression(value) } },
				{ watch: 'pushStream', pushUrl: expression(value) },
			]) {
				const shown = await refusal(parameters);
				expect(leaks(shown)).toEqual([]);
			}
			expect(fx.sim.requests).toHaveLength(0);
		});
	});
});

describe('the shared readers', () => {
	// n8n gives a collection its configured keys only (a whole collection cannot be an expression),
	// but the request builder describes a key it does not know like any other value.
	test('an unknown key of a set of fields', () => {
		const scooter = findOperation('setting', 'scooter');
		const sound = findOperation('setting', 'sound');
		const longKey = `${SECRET}${'k'.repeat(LONG)}`;
		const refusal = (build: () => unknown): string => {
			try {
				build();
			} catch (error) {
				expect(error).toBeInstanceOf(FieldError);
				// Its message and whatever it keeps besides.
				return `${(error as Error).message} ${JSON.stringify(error)}`;
			}
			throw new Error('not refused');
		};
		const additional = refusal(() => buildRequest(scooter!, '861477038719116', { additionalFields: { [longKey]: 6 } }));
		expect(additional).toContain(`Invalid additionalFields: "sk-should-not-be…" (${LONG + SECRET.length} characters) is not allowed`);
		expect(leaks(additional)).toEqual([]);
		for (const sctoMask of [{ [longKey]: 1 }, HOSTILE.list, HOSTILE['long text']]) {
			expect(leaks(refusal(() => buildRequest(sound!, '861477038719116', { workMode: 0, sctoMask })))).toEqual([]);
		}
	});

	test.each(Object.entries(HOSTILE))('%s in a vehicle list, a push URL and a zone document', (_name, value) => {
		const list = parseVehicleList([value]);
		expect('problem' in list && leaks(list.problem)).toEqual([]);
		expect(() => readPushUrl(value)).toThrow();
		try {
			readPushUrl(typeof value === 'string' ? `ftp://${value}` : value);
		} catch (error) {
			expect(leaks((error as Error).message)).toEqual([]);
		}
		const feature = (properties: object, geometry: unknown) => ({ type: 'Feature', properties, geometry });
		const square = [[[13, 52], [14, 52], [14, 53], [13, 53], [13, 52]]];
		const documents = [
			{ version: value, data: { geofencing_zones: { type: 'FeatureCollection', features: [] } } },
			{ type: 'FeatureCollection', features: [feature({ name: value }, { type: value, coordinates: [] })] },
			{ type: 'FeatureCollection', features: [feature({ name: typeof value === 'string' ? value : 'Zone' }, { type: 'Polygon', coordinates: [[[13, 52], value, [14, 53], [13, 53], [13, 52]]] })] },
			{ type: 'FeatureCollection', features: [feature({ start: value }, { type: 'Polygon', coordinates: square })] },
			{ type: 'FeatureCollection', features: [feature({ rules: [{ ride_allowed: value, ride_through_allowed: true }] }, { type: 'Polygon', coordinates: square })] },
			{ type: 'FeatureCollection', features: [feature({ rules: [{ ride_allowed: true, ride_through_allowed: true, maximum_speed_kph: value }] }, { type: 'Polygon', coordinates: square })] },
			{ type: 'FeatureCollection', features: [feature({ rules: [{ ride_allowed: true, ride_through_allowed: true, vehicle_type_id: value }] }, { type: 'Polygon', coordinates: square })] },
			`{"type": "FeatureCollection", "features": [${typeof value === 'string' ? value : JSON.stringify(value).slice(1)}`,
		];
		for (const document of documents) {
			let message = '';
			try {
				zoneDocument(document);
			} catch (error) {
				message = (error as Error).message;
			}
			expect(message).not.toBe('');
			expect(leaks(message)).toEqual([]);
		}
	});

	test('a vehicle type mapping of the zone rules, and the credential\'s Base URL and Client ID', () => {
		const square = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'Zone' }, geometry: { type: 'Polygon', coordinates: [[[13, 52], [14, 52], [14, 53], [13, 53], [13, 52]]] } }] };
		for (const mapping of [{ [`${SECRET}${'k'.repeat(LONG)}`]: 5 }, { '861477038719116': { key: SECRET } }]) {
			const values: Record<string, unknown> = { zoneRules: ['entered'], zones: square, 'options.zoneVehicleTypes': JSON.stringify(mapping) };
			// A narrow unit: the two calls NodeParameters makes of n8n.
			const ctx = { getNode: () => ({ name: 'Trigger' }), getNodeParameter: (path: string, fallback: unknown) => values[path] ?? fallback } as unknown as IPollFunctions;
			let message = '';
			try {
				const properties: INodeProperties[] = [...(zones.parameters ?? []), { displayName: 'Options', name: 'options', type: 'collection', default: {}, options: [...(zones.options ?? [])] }];
				zones.settings!(new NodeParameters(ctx, properties, 'Fix it.'));
			} catch (error) {
				message = (error as Error).message;
			}
			expect(message).toContain('expected a vehicle type id');
			expect(leaks(message)).toEqual([]);
		}
		const refusal = (settings: Parameters<typeof resolveBaseUrl>[0]): string => {
			try {
				resolveBaseUrl(settings);
			} catch (error) {
				return (error as Error).message;
			}
			throw new Error('not refused');
		};
		const url = refusal({ clientId: 'E1', region: 'custom', baseUrl: `ftp://user:${SECRET}@proxy.example/${'p'.repeat(LONG)}` });
		expect(url).toMatch(/^Base URL "ftp:\/\/…@proxy.ex…" \(\d+ characters\) is not an http\(s\) URL/);
		expect(leaks(url)).toEqual([]);
		expect(leaks(refusal({ clientId: `${SECRET}${'c'.repeat(LONG)}`, region: 'auto' }))).toEqual([]);
	});
});
