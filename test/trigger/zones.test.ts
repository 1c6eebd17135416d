/**
 * Zone rules through n8n-core's webhook path, with signed pushes POSTed over loopback: a workflow
 * that selects no push kind runs only for zone breaks, one item per rule that fired; a resent
 * push does not run twice; a zone document given as an object (an expression's value) works;
 * a document that turns bad is answered 500 with the feature named in the log.
 */
import { TriggerHarness } from '../../harness/webhook';
import { locationPush, nowSeconds, postForm, rewindStatusClock, SECRET, signed, statusPush, SUCCESS } from './pushes';
import { square } from '../zones/shapes';

let processes: TriggerHarness[] = [];

async function start(parameters: Record<string, unknown>): Promise<TriggerHarness> {
	const h = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters: parameters as never });
	await h.start();
	processes.push(h);
	return h;
}

afterEach(async () => {
	rewindStatusClock();
	for (const p of processes) await p.stop();
	processes = [];
});

const ZONES = {
	version: '2.3',
	last_updated: 1_700_000_000,
	ttl: 0,
	data: {
		geofencing_zones: {
			type: 'FeatureCollection',
			features: [
				{ type: 'Feature', properties: { name: 'Futian Station', rules: [{ ride_allowed: false, ride_through_allowed: true }] }, geometry: { type: 'MultiPolygon', coordinates: [square(114.05, 22.54, 114.06, 22.55)] } },
				{ type: 'Feature', properties: { name: 'Service area', rules: [{ ride_allowed: true, ride_through_allowed: true, maximum_speed_kph: 20 }] }, geometry: { type: 'MultiPolygon', coordinates: [square(113.9, 22.4, 114.3, 22.7)] } },
			],
		},
	},
};

let second = -80;
const fix = (h: TriggerHarness, longitude: number, latitude: number) =>
	postForm(h.urlFor('location'), signed(locationPush({ longitude: String(longitude), latitude: String(latitude), gpsUtcTime: nowSeconds((second += 5)) })));
const status = (h: TriggerHarness, locked: boolean, speed = 0) => postForm(h.urlFor('status'), signed(statusPush({ locked: String(locked), speed: String(speed) })));

beforeEach(() => (second = -80));

test('with no push kind selected, only zone breaks run: one item per rule that fired, each saying what and where', async () => {
	const h = await start({ events: [], zoneRules: ['entered', 'left', 'outside', 'parking', 'speed'], zones: JSON.stringify(ZONES) });
	expect(await fix(h, 114.1, 22.6)).toMatchObject({ status: 200, json: SUCCESS });
	expect(await status(h, false, 15)).toMatchObject({ status: 200 });
	expect(h.executions).toHaveLength(0);

	await status(h, false, 26);
	expect(h.executions).toHaveLength(1);
	expect(h.executions[0].items.map((item) => item.json)).toEqual([
		expect.objectContaining({ event: 'status', speed: 26, zone: expect.objectContaining({ rule: 'speed', name: 'Service area', speedKph: 26, maximumSpeedKph: 20 }) }),
	]);

	await fix(h, 114.055, 22.545);
	await status(h, true);
	expect(h.executions.map((run) => run.items.map((item) => (item.json.zone as { rule: string }).rule))).toEqual([['speed'], ['entered'], ['parking']]);
	const parked = h.executions[2].items[0].json;
	expect(parked).toMatchObject({
		event: 'status',
		locked: true,
		zone: { rule: 'parking', name: 'Futian Station', feature: 0, global: false, gbfsRule: { ride_allowed: false, ride_through_allowed: true } },
		lastLocation: { latitude: 22.545, longitude: 114.055, mapUrl: expect.stringContaining('mlat=22.545') },
	});

	// Carried out of the city: left both zones and is outside every zone, in one run of three items.
	await fix(h, 114.5, 22.6);
	expect(h.executions).toHaveLength(4);
	expect(h.executions[3].items.map((item) => `${(item.json.zone as { rule: string }).rule}:${String((item.json.zone as { name: unknown }).name)}`)).toEqual([
		'left:Futian Station',
		'left:Service area',
		'outside:null',
	]);
});

test('a resent push that fired does not run again; a zone document given as an object works as its text does', async () => {
	const h = await start({ events: ['alert'], zoneRules: ['outside'], zones: ZONES });
	const outside = signed(locationPush({ longitude: '114.5', latitude: '22.6', gpsUtcTime: nowSeconds(-10) }));
	await postForm(h.urlFor('location'), outside);
	await postForm(h.urlFor('location'), outside);
	expect(h.executions).toHaveLength(1);
	expect(h.executions[0].items[0].json).toMatchObject({ event: 'location', zone: { rule: 'outside' } });
});

test('location pushes selected with every push running: a zone break is the same run, its items carrying zone', async () => {
	const h = await start({ events: ['location'], zoneRules: ['entered'], zones: JSON.stringify(ZONES) });
	await fix(h, 114.1, 22.6);
	await fix(h, 114.055, 22.545);
	expect(h.executions.map((run) => run.items.map((item) => (item.json.zone as { rule?: string } | undefined)?.rule ?? 'plain'))).toEqual([['plain'], ['entered']]);
});

test('a document that turns bad (an expression) answers 500 and names the feature in the log', async () => {
	const broken = structuredClone(ZONES);
	broken.data.geofencing_zones.features[1].geometry.coordinates[0][0].pop();
	const h = await start({ events: [], zoneRules: ['outside'], zones: JSON.stringify(broken) });
	expect((await fix(h, 114.5, 22.6)).status).toBe(500);
	expect(h.loggedErrors.join('\n')).toContain('Zones: feature 1 ("Service area") coordinates[0][0] is not closed');
	expect(h.executions).toHaveLength(0);
});
