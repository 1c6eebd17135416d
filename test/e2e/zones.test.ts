/**
 * Zone rules of the push trigger in real n8n (2.41.1, or 1.123.81 with SEGWAY_N8N_LINE=1). Two
 * published workflows hold the same six zone rules and a city's zones each: a GBFS v2.3 document
 * (Berlin Mitte) and a v3.0 one (Berlin Kreuzberg), both in test/e2e/fixtures/zones/. Signed
 * location and status pushes go over HTTP to their production webhooks; each workflow forwards
 * every item, with its execution's id, to a collector in this test. Every rule fires once per
 * episode and re-arms; jitter at a boundary within the margin fires nothing; the zone listed first
 * decides; a v3.0 zone outside its start/end window does not count; a rule with vehicle types
 * applies only to the vehicles Vehicle Type IDs maps to them; a resent push runs nothing again.
 * A document with an unclosed ring in feature 2 refuses activation with a message naming it.
 *
 * Each test drives vehicles of its own, so one failing leaves the others' episodes alone. A push's
 * own time comes from a clock per vehicle: a little in the past (the trigger takes pushes up to
 * 300 s old) and 2 s later with each push, whatever the machine's speed.
 */
import { readFileSync } from 'fs';
import { join } from 'path';

import { Collector, forwardNode } from '../../harness/collector';
import { DEMO_CREDENTIAL, N8N, N8nInstance, TRIGGER_TYPE, simulatorCredential, type RestClient } from '../../harness/n8n';
import { waitFor } from '../../harness/wait';
import { formBody, locationPush, post, signed, statusPush, SUCCESS, type Params } from '../trigger/pushes';

const FIXTURES = join(__dirname, 'fixtures/zones');
const fixture = (file: string) => readFileSync(join(FIXTURES, file), 'utf8');

/** The credential's secret: the trigger only verifies pushes with it, nothing calls Segway. */
const SECRET = 'ZoneRulesSecret7';
const ALL_RULES = ['entered', 'left', 'outside', 'rideThrough', 'parking', 'speed'];

/** A vehicle's IoT code: 15 digits, the workflow's number in the middle, unique per test. */
const iotOf = (flowNumber: number, k: number) => `8614771200${flowNumber}${String(k).padStart(4, '0')}`;
const SEATED = iotOf(3, 1);
const KICK = iotOf(3, 2);

const FLOWS = {
	v2: {
		n: 2,
		id: 'e2eZonesGbfs23',
		webhookId: '0e2e7e57-0000-4000-8000-00000000a023',
		document: 'berlin-mitte-v2.3.json',
		base: [13.4, 52.52] as const,
		// Named in another case, with a space: the names are matched without case.
		options: { zoneNames: 'Museumsinsel, tiergarten' },
	},
	v3: {
		n: 3,
		id: 'e2eZonesGbfs30',
		webhookId: '0e2e7e57-0000-4000-8000-00000000a030',
		document: 'berlin-kreuzberg-v3.0.json',
		base: [13.43, 52.498] as const,
		options: { zoneVehicleTypes: JSON.stringify({ [SEATED]: 'seated-scooter', [KICK]: 'kick-scooter' }) },
	},
} as const;
type Flow = keyof typeof FLOWS;
const BAD = { id: 'e2eZonesBadDoc', webhookId: '0e2e7e57-0000-4000-8000-00000000abad', document: 'unclosed-ring-v2.3.json' };

function triggerNode(n: number, webhookId: string, document: string, options: Record<string, string>) {
	return {
		id: `40000000-0000-4000-8000-00000000000${n}`,
		name: 'Segway Fleet Trigger',
		type: TRIGGER_TYPE,
		typeVersion: 1.1,
		position: [0, 0],
		webhookId,
		// Zone breaks only: no push kind starts a run by itself.
		parameters: { events: [], zoneRules: ALL_RULES, zones: fixture(document), options },
		credentials: { segwayFleetApi: DEMO_CREDENTIAL },
	};
}

function zoneWorkflow(flow: Flow, collectorUrl: string) {
	const { n, id, webhookId, document, options } = FLOWS[flow];
	return {
		id,
		name: `e2e: zone rules (GBFS ${flow}) → collector`,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			triggerNode(n, webhookId, document, options),
			forwardNode(
				`50000000-0000-4000-8000-00000000000${n}`,
				collectorUrl,
				`={{ JSON.stringify({ flow: "${flow}", executionId: String($execution.id), itemIndex: $itemIndex, ...$json }) }}`,
			),
		],
		connections: { 'Segway Fleet Trigger': { main: [[{ node: 'Forward', type: 'main', index: 0 }]] } },
	};
}

const badWorkflow = () => ({
	id: BAD.id,
	name: 'e2e: zone rules with a broken document',
	active: false,
	settings: { executionOrder: 'v1' },
	nodes: [triggerNode(9, BAD.webhookId, BAD.document, {})],
	connections: {},
});

interface Zone {
	rule: string;
	name: string | null;
	feature: number | null;
	global: boolean;
	gbfsRule: Record<string, unknown> | null;
	since: string;
	durationSeconds: number;
	speedKph?: number;
	maximumSpeedKph?: number;
	lockedAt?: string;
}

interface Forwarded extends Record<string, unknown> {
	flow: Flow;
	executionId: string;
	itemIndex: number;
	iotCode: string;
	event: string;
	zone: Zone;
	lastLocation: { latitude: number; longitude: number; mapUrl: string } | null;
}

/** A push as sent: its own time (epoch seconds) and, for a location, where. */
interface Sent {
	at: number;
	body: string;
	latitude?: number;
	longitude?: number;
}

const METRES_PER_DEGREE = 111_320;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const mapUrl = (fix: Sent) => `https://www.openstreetmap.org/?mlat=${fix.latitude}&mlon=${fix.longitude}#map=18/${fix.latitude}/${fix.longitude}`;

describe(`zone rules of the trigger in n8n ${N8N.version}`, () => {
	let n8n: N8nInstance;
	let rest: RestClient;
	let collector: Collector<Forwarded>;
	const baseOf = (webhookId: string) => `${n8n.url}/webhook/${webhookId}`;
	/** Runs each workflow must have: what the tests expected of their vehicles, and the markers. */
	const expectedRuns: Record<Flow, number> = { v2: 0, v3: 0 };
	let markers = 0;

	/** A vehicle of one workflow, pushing with a clock of its own. */
	class Vehicle {
		private clock = 0;

		constructor(
			readonly flow: Flow,
			readonly iotCode: string,
		) {}

		/** 2 s after its previous push, and never more than 150 s before now (the trigger takes 300 s). */
		private tick(): number {
			this.clock = Math.max(this.clock + 2, Math.floor(Date.now() / 1000) - 150);
			return this.clock;
		}

		private async send(event: 'location' | 'status', params: Params, sent: Omit<Sent, 'body'>): Promise<Sent> {
			const body = formBody(signed(params, SECRET));
			const answer = await post(`${baseOf(FLOWS[this.flow].webhookId)}/v2/vehicle/${event}`, body);
			expect({ event, params, status: answer.status, json: answer.json }).toEqual({ event, params, status: 200, json: SUCCESS });
			return { ...sent, body };
		}

		/** A valid fix `east` and `north` metres from the workflow's city centre. */
		async at(east: number, north: number): Promise<Sent> {
			const [lon0, lat0] = FLOWS[this.flow].base;
			const latitude = (lat0 + north / METRES_PER_DEGREE).toFixed(6);
			const longitude = (lon0 + east / (METRES_PER_DEGREE * Math.cos((lat0 * Math.PI) / 180))).toFixed(6);
			const at = this.tick();
			return await this.send('location', locationPush({ iotCode: this.iotCode, latitude, longitude, gpsUtcTime: String(at) }), {
				at,
				latitude: Number(latitude),
				longitude: Number(longitude),
			});
		}

		async status({ locked, speed }: { locked: boolean; speed: number }): Promise<Sent> {
			const at = this.tick();
			return await this.send('status', statusPush({ iotCode: this.iotCode, locked: String(locked), speed: String(speed), statusUtcTime: String(at) }), { at });
		}

		/** Segway's resend: the very same signed body again. */
		async resend(sent: Sent, event: 'location' | 'status'): Promise<void> {
			const answer = await post(`${baseOf(FLOWS[this.flow].webhookId)}/v2/vehicle/${event}`, sent.body);
			expect({ status: answer.status, json: answer.json }).toEqual({ status: 200, json: SUCCESS });
		}

		/** Its runs in the order n8n numbered them, each its items in output order. */
		runs(): Forwarded[][] {
			const mine = collector.received.filter((item) => item.flow === this.flow && item.iotCode === this.iotCode);
			const byRun = new Map<string, Forwarded[]>();
			for (const item of mine) byRun.set(item.executionId, [...(byRun.get(item.executionId) ?? []), item]);
			return [...byRun.entries()].sort(([a], [b]) => Number(a) - Number(b)).map(([, items]) => items.sort((a, b) => a.itemIndex - b.itemIndex));
		}

		/** Its runs are these, each with the items of these rules; counted for the workflow's total. */
		expectRules(expected: string[][]): void {
			expectedRuns[this.flow] += expected.length;
			expect(this.runs().map((items) => items.map((item) => item.zone.rule))).toEqual(expected);
		}
	}

	let nextVehicle = 10;
	const vehicle = (flow: Flow, iotCode = iotOf(FLOWS[flow].n, nextVehicle++)) => new Vehicle(flow, iotCode);

	async function executions(workflowId: string): Promise<Array<{ id: string; status: string; mode: string }>> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const answer = await rest.get<{ data: { results: Array<{ id: string; status: string; mode: string }> } }>(`/rest/executions?filter=${filter}&limit=100`);
		return answer.data.results;
	}

	/**
	 * Waits until everything pushed so far has run: a marker vehicle's first fix, far outside every
	 * zone, fires `outside`; once its item is here, n8n has started every run of the pushes before
	 * it (each was answered before the next was sent), and once every execution of the workflow is
	 * finished, their items are all here (a run ends after the collector answered its items).
	 */
	async function settle(flow: Flow): Promise<void> {
		const marker = vehicle(flow, iotOf(FLOWS[flow].n, 9000 + markers++));
		await marker.at(9000, 9000);
		await waitFor('the marker run', () => marker.runs().length === 1);
		expectedRuns[flow] += 1;
		await waitFor(`every run of the ${flow} workflow finished and forwarded`, async () => {
			const runs = await executions(FLOWS[flow].id);
			const forwarded = new Set(collector.received.filter((item) => item.flow === flow).map((item) => item.executionId));
			return runs.every((run) => run.status === 'success') && runs.length === forwarded.size && runs.every((run) => forwarded.has(run.id));
		});
	}

	const webhooksAnswer = () =>
		waitFor('the zone workflows', async () => {
			for (const flow of Object.values(FLOWS)) {
				const answer = await post(`${baseOf(flow.webhookId)}/v2/vehicle/status`, '');
				if (answer.status !== 401) return undefined;
			}
			return true;
		});

	beforeAll(async () => {
		collector = await Collector.start<Forwarded>();
		n8n = await N8nInstance.create();
		// Nothing calls Segway: the trigger only reads the secret, to verify pushes.
		await n8n.importCredentials([simulatorCredential('http://127.0.0.1:9', 'E20481', SECRET)]);
		await n8n.importWorkflows([zoneWorkflow('v2', collector.url), zoneWorkflow('v3', collector.url), badWorkflow()]);
		for (const flow of Object.values(FLOWS)) await n8n.publish(flow.id);
		await n8n.start();
		rest = await n8n.login();
		await webhooksAnswer();
	}, 300_000);

	afterAll(async () => {
		await n8n?.dispose();
		await collector?.close();
	});

	describe('GBFS v2.3 (Berlin Mitte; Entered and Left only for Museumsinsel and Tiergarten)', () => {
		it("entered and left once per crossing of the MultiPolygon's two parts; jitter at an edge within the margin fires nothing; a resent push runs once", async () => {
			const a = vehicle('v2');
			await a.at(-1000, -1000); // in Berlin Mitte only: a first fix has nothing to cross from
			const inA = await a.at(-1600, -400); // Tiergarten's southern part
			await a.resend(inA, 'location');
			await a.at(-1600, -350);
			const between = await a.at(-1600, 0);
			const inB = await a.at(-1600, 400); // its northern part
			// Its northern edge is at 600 m: fixes 4–6 m either side of it, within the 15 m margin.
			for (const north of [595, 606, 594, 605, 597]) await a.at(-1600, north);
			const outB = await a.at(-1600, 630);
			for (const north of [604, 596, 608, 592]) await a.at(-1600, north);
			const backB = await a.at(-1600, 560);
			await settle('v2');

			const runs = a.runs();
			a.expectRules([['entered'], ['left'], ['entered'], ['left'], ['entered']]);
			const tiergarten = { name: 'Tiergarten', feature: 3, global: false, gbfsRule: null };
			expect(runs[0][0]).toMatchObject({ event: 'location', iotCode: a.iotCode, zone: { rule: 'entered', ...tiergarten, since: iso(inA.at), durationSeconds: 0 } });
			expect(runs[0][0].lastLocation).toMatchObject({ latitude: inA.latitude, longitude: inA.longitude, mapUrl: mapUrl(inA) });
			expect(runs[1][0]).toMatchObject({ zone: { rule: 'left', ...tiergarten, since: iso(inA.at), durationSeconds: between.at - inA.at }, lastLocation: { mapUrl: mapUrl(between) } });
			expect(runs[2][0]).toMatchObject({ zone: { rule: 'entered', ...tiergarten, since: iso(inB.at) }, lastLocation: { mapUrl: mapUrl(inB) } });
			expect(runs[3][0]).toMatchObject({ zone: { rule: 'left', ...tiergarten, since: iso(inB.at), durationSeconds: outB.at - inB.at }, lastLocation: { mapUrl: mapUrl(outB) } });
			expect(runs[4][0]).toMatchObject({ zone: { rule: 'entered', ...tiergarten, since: iso(backB.at) }, lastLocation: { mapUrl: mapUrl(backB) } });
		});

		it('Only Zones Named: Lustgarten and Berlin Mitte are crossed unreported, Museumsinsel is reported', async () => {
			const b = vehicle('v2');
			await b.at(-1000, -1000);
			await b.at(-50, 550); // Lustgarten only
			const museum = await b.at(-100, 400); // Lustgarten and Museumsinsel
			const away = await b.at(-1000, -1000); // left both
			await settle('v2');
			const runs = b.runs();
			b.expectRules([['entered'], ['left']]);
			expect(runs[0][0].zone).toMatchObject({ rule: 'entered', name: 'Museumsinsel', feature: 1, since: iso(museum.at) });
			expect(runs[1][0].zone).toMatchObject({ rule: 'left', name: 'Museumsinsel', feature: 1, durationSeconds: away.at - museum.at });
		});

		it("outside every zone: once in the service area's hole and beyond it, again only after being back in a zone", async () => {
			const c = vehicle('v2');
			await c.at(-1000, -1000);
			const hole = await c.at(1250, 1250); // the hole in Berlin Mitte
			await c.at(1260, 1240);
			await c.at(3000, 0); // beyond Berlin Mitte: still the same episode
			await c.at(-1000, -1000);
			const away = await c.at(2500, -2500);
			await settle('v2');
			const runs = c.runs();
			c.expectRules([['outside'], ['outside']]);
			const outside = { rule: 'outside', name: null, feature: null, global: false, gbfsRule: null, durationSeconds: 0 };
			expect(runs[0][0]).toMatchObject({ event: 'location', zone: { ...outside, since: iso(hole.at) }, lastLocation: { mapUrl: mapUrl(hole) } });
			expect(runs[1][0]).toMatchObject({ zone: { ...outside, since: iso(away.at) }, lastLocation: { mapUrl: mapUrl(away) } });
		});

		it('ridden through Museumsinsel (ride_through_allowed false): once per visit, again after leaving or a lock', async () => {
			const d = vehicle('v2');
			await d.at(-1000, -1000);
			await d.status({ locked: false, speed: 12 });
			const enter = await d.at(-400, 100);
			await d.at(-400, 150);
			await d.status({ locked: false, speed: 12 });
			await d.at(-1000, -1000);
			const again = await d.at(-400, 100);
			const lock = await d.status({ locked: true, speed: 0 }); // and parked where a ride may not end
			await d.status({ locked: false, speed: 5 });
			const onward = await d.at(-400, 120);
			await settle('v2');

			const runs = d.runs();
			d.expectRules([['entered', 'rideThrough'], ['left'], ['entered', 'rideThrough'], ['parking'], ['rideThrough']]);
			const museumsinsel = { name: 'Museumsinsel', feature: 1, global: false, gbfsRule: { ride_allowed: false, ride_through_allowed: false } };
			expect(runs[0][1]).toMatchObject({ event: 'location', zone: { rule: 'rideThrough', ...museumsinsel, since: iso(enter.at), durationSeconds: 0 }, lastLocation: { mapUrl: mapUrl(enter) } });
			expect(runs[2][1].zone).toMatchObject({ rule: 'rideThrough', ...museumsinsel, since: iso(again.at) });
			expect(runs[3][0]).toMatchObject({
				event: 'status',
				locked: true,
				zone: { rule: 'parking', ...museumsinsel, lockedAt: iso(lock.at), since: iso(lock.at), durationSeconds: 0 },
				lastLocation: { mapUrl: mapUrl(again) },
			});
			expect(runs[4][0]).toMatchObject({ zone: { rule: 'rideThrough', ...museumsinsel, since: iso(again.at), durationSeconds: onward.at - again.at }, lastLocation: { mapUrl: mapUrl(onward) } });
		});

		it('parked at Alexanderplatz (ride_allowed false): once per lock, again only after an unlock', async () => {
			const e = vehicle('v2');
			await e.at(-1000, -1000);
			await e.status({ locked: false, speed: 10 });
			const alex = await e.at(1200, -100); // riding through is allowed: nothing
			const lock = await e.status({ locked: true, speed: 0 });
			await e.status({ locked: true, speed: 0 });
			const nudged = await e.at(1203, -100);
			await e.status({ locked: false, speed: 0 });
			const relock = await e.status({ locked: true, speed: 0 });
			await settle('v2');

			const runs = e.runs();
			e.expectRules([['parking'], ['parking']]);
			const alexanderplatz = { rule: 'parking', name: 'Alexanderplatz', feature: 2, global: false, gbfsRule: { ride_allowed: false, ride_through_allowed: true, station_parking: false } };
			expect(runs[0][0]).toMatchObject({ event: 'status', zone: { ...alexanderplatz, lockedAt: iso(lock.at), since: iso(lock.at), durationSeconds: 0 }, lastLocation: { mapUrl: mapUrl(alex) } });
			expect(runs[1][0]).toMatchObject({ zone: { ...alexanderplatz, lockedAt: iso(relock.at) }, lastLocation: { mapUrl: mapUrl(nudged) } });
		});

		it('where zones overlap the first listed decides: locked in Lustgarten ∩ Museumsinsel is fine, moved into Museumsinsel alone it is parked wrongly', async () => {
			const f = vehicle('v2');
			await f.at(-100, 400); // Lustgarten (listed first, a ride may end) over Museumsinsel (it may not)
			const lock = await f.status({ locked: true, speed: 0 });
			const moved = await f.at(-400, 100);
			await settle('v2');
			const runs = f.runs();
			f.expectRules([['parking']]);
			expect(runs[0][0]).toMatchObject({
				event: 'location',
				zone: { rule: 'parking', name: 'Museumsinsel', feature: 1, gbfsRule: { ride_allowed: false, ride_through_allowed: false }, lockedAt: iso(lock.at), since: iso(lock.at), durationSeconds: moved.at - lock.at },
				lastLocation: { mapUrl: mapUrl(moved) },
			});
		});

		it("faster than Tiergarten's 10 km/h (listed before Berlin Mitte's 20): once, again only 3 km/h below; a resent status runs once", async () => {
			const g = vehicle('v2');
			const fix = await g.at(-1600, -400);
			const fast = await g.status({ locked: false, speed: 12 });
			await g.resend(fast, 'status');
			for (const speed of [14, 8, 12]) await g.status({ locked: false, speed }); // 8 is not 3 below
			await g.status({ locked: false, speed: 7 });
			const again = await g.status({ locked: false, speed: 11 });
			await settle('v2');

			const runs = g.runs();
			g.expectRules([['speed'], ['speed']]);
			const tiergarten = { rule: 'speed', name: 'Tiergarten', feature: 3, global: false, gbfsRule: { ride_allowed: true, ride_through_allowed: true, maximum_speed_kph: 10 }, maximumSpeedKph: 10 };
			expect(runs[0][0]).toMatchObject({
				event: 'status',
				speed: 12,
				zone: { ...tiergarten, speedKph: 12, since: iso(fix.at), durationSeconds: fast.at - fix.at },
				lastLocation: { mapUrl: mapUrl(fix) },
			});
			expect(runs[1][0]).toMatchObject({ zone: { ...tiergarten, speedKph: 11, durationSeconds: again.at - fix.at } });
		});
	});

	describe('GBFS v3.0 (Berlin Kreuzberg; global rules, time windows, vehicle types)', () => {
		it("Görlitzer Park's rule for seated scooters applies to the vehicle mapped to that type only", async () => {
			const seated = vehicle('v3', SEATED);
			const kick = vehicle('v3', KICK);
			const unmapped = vehicle('v3');
			const entered: Record<string, Sent> = {};
			for (const v of [seated, kick, unmapped]) {
				await v.at(200, 800); // Kreuzberg
				await v.status({ locked: false, speed: 12 });
				entered[v.iotCode] = await v.at(700, 0); // Görlitzer Park
				await v.status({ locked: false, speed: 9 });
			}
			for (const v of [kick, unmapped]) await v.status({ locked: true, speed: 0 });
			await settle('v3');

			const runs = seated.runs();
			seated.expectRules([['entered', 'rideThrough'], ['speed']]);
			const park = { name: 'Görlitzer Park', feature: 2, global: false };
			const gbfsRule = { vehicle_type_ids: ['seated-scooter'], ride_start_allowed: false, ride_end_allowed: false, ride_through_allowed: false, maximum_speed_kph: 6 };
			expect(runs[0][0].zone).toMatchObject({ rule: 'entered', ...park, gbfsRule: null, since: iso(entered[SEATED].at) });
			expect(runs[0][1]).toMatchObject({ zone: { rule: 'rideThrough', ...park, gbfsRule }, lastLocation: { mapUrl: mapUrl(entered[SEATED]) } });
			expect(runs[1][0].zone).toMatchObject({ rule: 'speed', ...park, gbfsRule, speedKph: 9, maximumSpeedKph: 6 });
			// The others are governed by Kreuzberg there: riding through, 9 km/h and locking are fine.
			for (const v of [kick, unmapped]) {
				v.expectRules([['entered']]);
				expect(v.runs()[0][0].zone).toMatchObject({ rule: 'entered', ...park });
			}
		});

		it('zones outside their start/end window (a past market, a future carnival) do not count', async () => {
			const h = vehicle('v3');
			await h.at(200, 800);
			await h.status({ locked: false, speed: 10 });
			await h.at(-150, -150); // inside both, which would allow no riding, no parking
			await h.status({ locked: false, speed: 18 });
			await h.status({ locked: true, speed: 0 });
			await h.at(200, 800);
			await settle('v3');
			h.expectRules([]);
		});

		it('outside every zone the global rules govern: outside, speed above their 15 km/h, parking where no ride may end', async () => {
			const j = vehicle('v3');
			const start = await j.at(1000, 1000);
			await j.status({ locked: false, speed: 10 });
			const out = await j.at(2000, 1000);
			const fast = await j.status({ locked: false, speed: 17 });
			const lock = await j.status({ locked: true, speed: 0 });
			await j.status({ locked: false, speed: 0 });
			const back = await j.at(1000, 1000);
			await settle('v3');

			const runs = j.runs();
			j.expectRules([['left', 'outside'], ['speed'], ['parking'], ['entered']]);
			const globalRule = { ride_start_allowed: false, ride_end_allowed: false, ride_through_allowed: true, maximum_speed_kph: 15 };
			expect(runs[0][0].zone).toEqual({ rule: 'left', name: 'Kreuzberg', feature: 5, global: false, gbfsRule: null, since: iso(start.at), durationSeconds: out.at - start.at });
			expect(runs[0][1]).toMatchObject({ zone: { rule: 'outside', name: null, feature: null, global: false, gbfsRule: null, since: iso(out.at) }, lastLocation: { mapUrl: mapUrl(out) } });
			expect(runs[1][0]).toMatchObject({
				event: 'status',
				zone: { rule: 'speed', name: null, feature: null, global: true, gbfsRule: globalRule, speedKph: 17, maximumSpeedKph: 15, since: iso(out.at), durationSeconds: fast.at - out.at },
				lastLocation: { mapUrl: mapUrl(out) },
			});
			expect(runs[2][0].zone).toMatchObject({ rule: 'parking', name: null, global: true, gbfsRule: globalRule, lockedAt: iso(lock.at) });
			expect(runs[3][0]).toMatchObject({ zone: { rule: 'entered', name: 'Kreuzberg', feature: 5, since: iso(back.at) }, lastLocation: { mapUrl: mapUrl(back) } });
		});

		it('ride_end_allowed decides parking, not ride_start_allowed: Oranienplatz (no start) is fine, Landwehrkanal (no end) is not', async () => {
			const k = vehicle('v3');
			await k.at(0, 1200);
			await k.status({ locked: false, speed: 10 });
			const square = await k.at(-750, 650);
			await k.status({ locked: true, speed: 0 });
			await k.status({ locked: false, speed: 0 });
			const canal = await k.at(-750, -750);
			const lock = await k.status({ locked: true, speed: 0 });
			await settle('v3');

			const runs = k.runs();
			k.expectRules([['entered'], ['left', 'entered'], ['parking']]);
			expect(runs[0][0].zone).toMatchObject({ rule: 'entered', name: 'Oranienplatz', feature: 3 });
			expect(runs[1].map((item) => item.zone)).toMatchObject([
				{ rule: 'left', name: 'Oranienplatz', durationSeconds: canal.at - square.at },
				{ rule: 'entered', name: 'Landwehrkanal', feature: 4 },
			]);
			expect(runs[2][0].zone).toMatchObject({
				rule: 'parking',
				name: 'Landwehrkanal',
				feature: 4,
				global: false,
				gbfsRule: { ride_start_allowed: true, ride_end_allowed: false, ride_through_allowed: true },
				lockedAt: iso(lock.at),
			});
		});
	});

	it('each workflow ran exactly the runs the tests expected of their vehicles and markers, each from a webhook and successful', async () => {
		for (const flow of Object.keys(FLOWS) as Flow[]) {
			const runs = await executions(FLOWS[flow].id);
			expect({ flow, runs: runs.length }).toEqual({ flow, runs: expectedRuns[flow] });
			expect(runs.every((run) => run.mode === 'webhook' && run.status === 'success')).toBe(true);
		}
	});

	it('a Zones document with an unclosed ring in feature 2 refuses activation, naming the feature', async () => {
		const refusal = await activationRefusal(BAD.id);
		expect(refusal).toMatch(/Zones: feature 2 \(\\?"Alexanderplatz\\?"\) coordinates\[0\]\[0\] is not closed/);
		// Its webhooks were never registered.
		expect((await post(`${baseOf(BAD.webhookId)}/v2/vehicle/status`, '')).status).toBe(404);
	});

	/**
	 * Publishes the workflow as the editor does and returns why n8n refused it. n8n 1.x activates
	 * within the request and answers 400 with the trigger's error; n8n 2.x answers at once and
	 * publishes in the background, its outcome in the workflow's publication status.
	 */
	async function activationRefusal(workflowId: string): Promise<string> {
		const stored = await rest.get<{ data: { versionId: string } }>(`/rest/workflows/${workflowId}`);
		let refusal = '';
		await rest.post(`/rest/workflows/${workflowId}/activate`, { versionId: stored.data.versionId }).catch((error: Error) => (refusal = error.message));
		if (N8N.line === '1') {
			expect(refusal).toMatch(/answered 400: /);
			return refusal;
		}
		expect(refusal).toBe('');
		type Status = { status: string; triggers: Array<{ status: string; errorMessage: string | null }> };
		const settled = await waitFor('the publication to settle', async () => {
			const { data } = await rest.get<{ data: Status }>(`/rest/workflows/${workflowId}/publication-status`);
			return data.status === 'in_progress' || data.status === 'not_published' ? undefined : data;
		});
		expect(settled).toMatchObject({ status: 'failed', triggers: [{ status: 'failed' }] });
		return settled.triggers[0].errorMessage ?? '';
	}
});
