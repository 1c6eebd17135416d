/**
 * Several n8n processes receiving one workflow's pushes (queue mode's webhook processes behind a
 * balancer), each with its own memory and one database row of static data that every process
 * reads per push and writes whole: no process erases another's vehicles, a vehicle that moves
 * to another process neither fires twice nor misses its crossing, and a resend that lands on
 * another process starts nothing.
 */
import { CONFIRM_MS, STATIC_KEY } from '../../nodes/SegwayFleetTrigger/mirror';
import { decodeVehicles } from '../../nodes/shared/memory/codec';
import { NODE_NAME, TriggerHarness } from '../../harness/webhook';
import { alertPush, formBody, post, postForm, SECRET, signed, statusPush, SUCCESS, rewindStatusClock } from './pushes';

const battery = { events: ['status', 'alert'], statusMode: 'batteryLow', batteryThreshold: 20 };
const V1 = '861123456700001';
const V2 = '861123456700002';

let processes: TriggerHarness[] = [];

/** `count` processes of one n8n: one workflow, one database row, a memory each. */
async function cluster(count: number, parameters: Record<string, unknown> = battery): Promise<TriggerHarness[]> {
	const first = new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters: parameters as never });
	processes = [first];
	for (let i = 1; i < count; i++) processes.push(new TriggerHarness({ credential: { clientId: 'A20081', clientSecret: SECRET }, parameters: parameters as never, sameWorkflowAs: first }));
	for (const p of processes) await p.start();
	return processes;
}

let clockOffset = 0;

afterEach(async () => {
	jest.restoreAllMocks();
	rewindStatusClock();
	clockOffset = 0;
	for (const p of processes) await p.stop();
});

const runs = () => processes.flatMap((p) => p.executions);
const battery$ = (p: TriggerHarness, iotCode: string, powerPercent: number) => postForm(p.urlFor('status'), signed(statusPush({ iotCode, powerPercent: String(powerPercent) })));

function parts(p: TriggerHarness): Record<string, { at: number; vehicles: string; recent: string }> {
	return ((p.storedStaticData[`node:${NODE_NAME}`] as Record<string, unknown> | undefined)?.[STATIC_KEY] ?? {}) as never;
}

/** Moves the clock the trigger and the pushes read forward, as time passing would. */
function advanceClock(ms: number): void {
	clockOffset += ms;
	if (jest.isMockFunction(Date.now)) return;
	const real = Date.now.bind(Date);
	jest.spyOn(Date, 'now').mockImplementation(() => real() + clockOffset);
}

test("two processes keep each other's vehicles: each writes its own part, and after a restart neither fires again", async () => {
	const [a, b] = await cluster(2);
	await battery$(a, V1, 50);
	await battery$(b, V2, 50);
	await battery$(a, V1, 15);
	await battery$(b, V2, 15);
	expect(runs()).toHaveLength(2);
	const stored = Object.values(parts(a));
	expect(stored).toHaveLength(2);
	expect(stored.map((part) => [...decodeVehicles(part.vehicles).keys()]).sort()).toEqual([[V1], [V2]]);

	a.restartN8n();
	b.restartN8n();
	await battery$(a, V1, 14);
	await battery$(b, V2, 14);
	expect(runs()).toHaveLength(2);
});

test("a write another process's write erased is made again once it is overdue", async () => {
	const [a, b] = await cluster(2);
	await battery$(b, V2, 15);
	const withoutA = structuredClone(a.storedStaticData);
	await battery$(a, V1, 15);
	expect(Object.keys(parts(a))).toHaveLength(2);
	// B's write started from the copy it loaded before A wrote, and lands after A's.
	a.storedStaticData = withoutA;
	expect(Object.keys(parts(a))).toHaveLength(1);

	// Within CONFIRM_MS the missing part may just be a write still on its way: nothing is written.
	await battery$(a, V1, 14);
	expect(Object.keys(parts(a))).toHaveLength(1);
	advanceClock(CONFIRM_MS + 1000);
	await battery$(a, V1, 13);
	expect(Object.keys(parts(a))).toHaveLength(2);
	a.restartN8n();
	await battery$(a, V1, 12);
	expect(runs()).toHaveLength(2);
});

test('a vehicle that moves to another process (its process stopped) does not fire twice, and its next crossing fires once', async () => {
	const [a, b] = await cluster(2);
	await battery$(a, V1, 50);
	await battery$(a, V1, 15);
	expect(runs()).toHaveLength(1);
	await a.stop();
	// The balancer now sends V1 to B, which has never seen it.
	await battery$(b, V1, 14);
	expect(runs()).toHaveLength(1);
	await battery$(b, V1, 80);
	await battery$(b, V1, 12);
	expect(runs()).toHaveLength(2);
	// B stores the vehicle from now on: a restarted B still knows it is low.
	b.restartN8n();
	await battery$(b, V1, 11);
	expect(runs()).toHaveLength(2);
});

test('a vehicle that comes back to its first process is judged with what the other process saw meanwhile', async () => {
	const [a, b] = await cluster(2);
	await battery$(a, V1, 15);
	await battery$(b, V1, 90); // charged while routed to B: re-armed there
	await battery$(a, V1, 10); // back on A, whose own memory still says "low"
	expect(runs().map((run) => run.items[0].json.powerPercent)).toEqual([15, 10]);
});

test("Segway's resend of a push one process ran (a filter decided) starts nothing on another", async () => {
	const [a, b] = await cluster(2, { events: ['alert'], alertCodes: [6] });
	const push = formBody(signed(alertPush({ iotCode: V1, code: '6' })));
	expect((await post(a.urlFor('alert'), push)).json).toEqual(SUCCESS);
	expect((await post(b.urlFor('alert'), push)).json).toEqual(SUCCESS);
	expect(runs()).toHaveLength(1);
});

test("a process's write that another write erased is restored by the other process, even once its own process is gone", async () => {
	const [a, b] = await cluster(2);
	const before = structuredClone(a.storedStaticData);
	await battery$(a, V1, 15);
	const erased = () => (a.storedStaticData = structuredClone(before));
	// B reads A's part with its next push, then a write that started before A's erases it.
	await battery$(b, V2, 50);
	erased();
	await a.stop();
	await battery$(b, V2, 15);
	expect(Object.keys(parts(b))).toHaveLength(2);
	// The balancer moves V1 to B: still low, as A left it.
	await battery$(b, V1, 14);
	expect(runs().map((run) => [run.items[0].json.iotCode, run.items[0].json.powerPercent])).toEqual([
		[V1, 15],
		[V2, 15],
	]);
});
