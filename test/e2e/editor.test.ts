/**
 * The n8n editor in a real browser, as a new user meets the package: real n8n 2.41.1 set up like
 * `npm run demo` (the credential "Segway Fleet (simulator)" pointing at the simulator, the example
 * workflows imported, the "every push" demo workflow published), Debian's chromium driven by
 * playwright-core. The owner account is created in the UI; a new workflow gets the action node
 * from the node panel, its credential is tested, the node runs against the simulator and its output
 * is read from the output panel; the trigger shows its notice and its webhook URLs; the AI agent
 * example shows its Segway Fleet tools hanging off the agent. Each step saves
 * a screenshot in .build/screenshots/ (SEGWAY_SCREENSHOT_DIR elsewhere; `npm run screenshots` refreshes
 * docs/screenshots/, which the README shows).
 *
 * Needs chromium: `bash scripts/browser-deps.sh`. Without it the suite fails, unless
 * SEGWAY_BROWSER_OPTIONAL=1, which skips it.
 */
import { mkdirSync } from 'fs';
import { join } from 'path';

import type { Locator, Page } from 'playwright-core';

import { CHROMIUM, chromiumInstalled, launchChromium, type TestBrowser } from '../../harness/browser';
import { ACTION_TYPE, DEMO_CREDENTIAL, N8nInstance, ROOT, TRIGGER_TYPE, readExamples, simulatorCredential } from '../../harness/n8n';
import { waitFor } from '../../harness/wait';
import { startSimulator, DEMO_CLIENT, type Simulator } from '../../simulator/index';

/** Each run's screenshots; `npm run screenshots` writes them to docs/screenshots/ for the README. */
const SCREENSHOTS = process.env.SEGWAY_SCREENSHOT_DIR ?? join(ROOT, '.build/screenshots');
const FAILURES = join(ROOT, '.build/editor-failures');
const OWNER = { email: 'fleet-owner@example.com', firstName: 'Fleet', lastName: 'Owner', password: 'Segway-Fleet1' };
/** The published demo workflow (examples/demo-push-log.json), as scripts/demo.sh publishes it. */
const DEMO_WORKFLOW_ID = 'exDemoPushLog01';
/** examples/chat-with-your-fleet.json. */
const AGENT_WORKFLOW_ID = 'exChatWithFleet1';
/** Set on the vehicle before the run, so that the output panel must show the simulator's answer. */
const POWER_PERCENT = 77;

/** Runs in the page (a string: this project compiles without the DOM's types). */
const SETTLE_ANIMATIONS = `(async () => {
	const until = Date.now() + 5000;
	const finite = () => document.getAnimations().filter((a) => a.playState === 'running' && a.effect && a.effect.getTiming().iterations !== Infinity);
	while (finite().length > 0 && Date.now() < until) {
		await Promise.race([Promise.all(finite().map((a) => a.finished.catch(() => undefined))), new Promise((r) => setTimeout(r, 250))]);
		await new Promise((r) => requestAnimationFrame(() => r(undefined)));
	}
})()`;

const missing = `chromium is not installed at ${CHROMIUM}`;
const chromiumMissing = `${missing}: run \`bash scripts/browser-deps.sh\` (installs Debian's chromium), or set SEGWAY_BROWSER_OPTIONAL=1 to skip this suite`;
const skipReason = `SKIPPED: ${missing} and SEGWAY_BROWSER_OPTIONAL=1 (bash scripts/browser-deps.sh installs it)`;
const skip = !chromiumInstalled() && process.env.SEGWAY_BROWSER_OPTIONAL === '1';
if (skip) console.warn(`editor.test.ts ${skipReason}`);
const describeEditor = skip ? describe.skip : describe;

describeEditor(skip ? `n8n editor in a real browser (${skipReason})` : 'n8n editor in a real browser', () => {
	let sim: Simulator | undefined;
	let n8n: N8nInstance | undefined;
	let browser: TestBrowser | undefined;
	let page: Page;
	let iotCode: string;
	let webhookId: string;
	let demoName: string;

	beforeAll(async () => {
		// Before anything starts: a missing browser fails in a second, with what to do.
		if (!chromiumInstalled()) throw new Error(chromiumMissing);
		const demo = readExamples().find((e) => e.workflow.id === DEMO_WORKFLOW_ID)?.workflow;
		const demoTrigger = demo?.nodes.find((n) => n.type === TRIGGER_TYPE);
		if (!demo || !demoTrigger?.webhookId) throw new Error(`examples/ has no workflow ${DEMO_WORKFLOW_ID} with a Segway Fleet Trigger`);
		webhookId = demoTrigger.webhookId;
		demoName = demo.name;

		n8n = await N8nInstance.create();
		// Like the demo: the simulator pushes to the published workflow (only on demand here, so
		// nothing runs that the test did not cause).
		sim = await startSimulator({ vehicles: 10, pushTo: `${n8n.url}/webhook/${webhookId}`, pushSchedule: false, autoParkSeconds: Infinity });
		iotCode = sim.iotCodes[0];
		await sim.fleet.update(iotCode, { online: true, locked: true, riding: false, speed: 0, powerPercent: POWER_PERCENT });
		await n8n.importCredentials([simulatorCredential(sim.url, DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)]);
		await n8n.importWorkflowFolder(join(ROOT, 'examples'));
		await n8n.publish(DEMO_WORKFLOW_ID);
		await n8n.start();
		browser = await launchChromium({ viewport: { width: 1440, height: 900 }, actionTimeoutMs: 30_000 });
		page = browser.page;
		mkdirSync(SCREENSHOTS, { recursive: true });
	}, 240_000);

	afterAll(async () => {
		// Each one even when another fails.
		await browser?.close().catch((e: unknown) => console.error('closing the browser:', e));
		await n8n?.dispose().catch((e: unknown) => console.error('stopping n8n:', e));
		await sim?.close().catch((e: unknown) => console.error('closing the simulator:', e));
	}, 60_000);

	/**
	 * Screenshots once the page's finite CSS transitions and animations are over (at most 5 s): a
	 * dropdown caught fading in shows what lies under it, a button caught swapping its spinner for
	 * its label shows blank. Spinners (infinite) are not waited for.
	 */
	const shot = async (name: string) => {
		await page.evaluate(SETTLE_ANIMATIONS);
		await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), animations: 'disabled' });
	};

	/** Closes n8n's toasts (element-plus notifications), e.g. "Node executed successfully". */
	const dismissToasts = async () => {
		const toasts = page.locator('.el-notification[role="alert"]');
		for (const close of await toasts.locator('.el-notification__closeBtn').all()) await close.click().catch(() => undefined);
		await waitFor('the toasts to close', async () => ((await toasts.count()) === 0 ? true : undefined), 30_000, 100);
	};

	/** Polls an input's value (n8n writes selected options and parameters into <input>s). */
	const valueOf = (what: string, input: Locator, expected: string) =>
		waitFor(`${what} to read "${expected}"`, async () => ((await input.inputValue()) === expected ? true : undefined), 30_000, 100);

	/**
	 * The steps build on each other: after one fails, the next ones fail at once instead of each
	 * waiting out its own timeouts. A failure leaves a screenshot in .build/editor-failures/.
	 */
	let failed: string | undefined;
	const step = (name: string, body: () => Promise<void>) =>
		it(
			name,
			async () => {
				if (failed) throw new Error(`not run: the step "${failed}" failed`);
				failed = name;
				try {
					await body();
				} catch (error) {
					mkdirSync(FAILURES, { recursive: true });
					const file = join(FAILURES, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
					await page?.screenshot({ path: file, timeout: 10_000 }).catch(() => undefined);
					console.error(`step "${name}" failed; screenshot: ${file}\nn8n log (end):\n${n8n?.log.slice(-3000) ?? ''}`);
					throw error;
				}
				failed = undefined;
			},
			150_000,
		);

	step('a. sets up the owner account in the editor', async () => {
		await page.goto(n8n!.url);
		await page.waitForURL(/\/setup/);
		const form = page.getByTestId('setup-form');
		await form.locator('input[name="email"]').fill(OWNER.email);
		await form.locator('input[name="firstName"]').fill(OWNER.firstName);
		await form.locator('input[name="lastName"]').fill(OWNER.lastName);
		await form.locator('input[name="password"]').fill(OWNER.password);
		await shot('00-owner-setup');
		await form.getByTestId('form-submit-button').click();
		await page.waitForURL((url) => !url.pathname.startsWith('/setup'));
		await page.getByTestId('project-home-menu-item').waitFor();
		// The account exists with that password: n8n's login accepts it.
		const login = await fetch(`${n8n!.url}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }),
		});
		expect(login.status).toBe(200);
	});

	step('b. finds the Segway nodes in the node panel of a new workflow and adds the action node', async () => {
		await page.getByTestId('project-home-menu-item').click();
		// What the demo set up is there: the examples, the demo workflow published.
		const demoCard = page.getByTestId('resources-list-item-workflow').filter({ hasText: demoName });
		await demoCard.getByTestId('workflow-card-publish-indicator').filter({ hasText: 'Published' }).waitFor();

		await page.getByTestId('add-resource-workflow').click();
		await page.waitForURL(/\/workflow\//);
		await page.getByTestId('canvas-plus-button').click();
		const creator = page.getByTestId('node-creator');
		await creator.getByTestId('node-creator-search-bar').fill('Segway');
		// n8n 2.41 lists an app's action and trigger node as one entry named after the app.
		const app = creator.getByTestId('node-creator-item-name').filter({ hasText: /^Segway Fleet$/ });
		await app.waitFor();
		await app.click();

		// Relative to whatever it is used in (also as a `has` filter).
		const categoryItem = (name: string) =>
			page.getByTestId('node-creator-category-item').filter({ hasText: new RegExp(`^${name} \\(\\d+\\)$`) });
		for (const name of ['Triggers', 'Actions']) {
			const item = creator.locator(categoryItem(name));
			await item.waitFor();
			// Clicking a category toggles it: open only the collapsed ones.
			const wrapper = creator.locator('[data-category-collapsed]').filter({ has: categoryItem(name) });
			if ((await wrapper.getAttribute('data-category-collapsed')) === 'true') await item.click();
		}
		// Both nodes are offered: the trigger's events under Triggers, the action node's operations
		// under Actions (each item names its node type).
		await creator.locator(`[data-keyboard-nav-id^="${TRIGGER_TYPE}-"]`).first().waitFor();
		await creator.locator(`[data-keyboard-nav-id^="${ACTION_TYPE}-"]`).first().waitFor();
		const getStatus = creator.getByTestId('node-creator-item-name').filter({ hasText: /^Get the current status of a vehicle$/ });
		await getStatus.waitFor();
		await shot('01-node-panel');

		await getStatus.click();
		await page.getByTestId('ndv').waitFor();
		// An action chosen as the first step comes with a manual trigger before it.
		await page.getByTestId('canvas-node').filter({ hasText: 'Get the current status of a vehicle' }).waitFor({ state: 'attached' });
	});

	step('c. picks the operation and the credential, tests the credential and enters a vehicle', async () => {
		const ndv = page.getByTestId('ndv');
		await valueOf('Resource', ndv.getByTestId('parameter-input-resource').locator('input'), 'Query');
		await ndv.getByTestId('parameter-input-operation').click();
		const option = page.getByRole('option', { name: /^Get Status/ });
		await option.waitFor();
		await shot('02-operation');
		await option.click();
		await valueOf('Operation', ndv.getByTestId('parameter-input-operation').locator('input'), 'Get Status');

		await ndv.getByTestId('node-credentials-select').click();
		await page.getByRole('option', { name: new RegExp(`^${DEMO_CREDENTIAL.name.replace(/[()]/g, '\\$&')}`) }).click();
		await valueOf('Credential', ndv.getByTestId('node-credentials-select').locator('input'), DEMO_CREDENTIAL.name);

		await ndv.getByTestId('credential-edit-button').click();
		const modal = page.getByTestId('editCredential-modal');
		const success = modal.getByTestId('credentials-config-container-test-success');
		// n8n tests a credential as its dialog opens; after that, test it again with the button.
		await success.waitFor();
		const testRequests = () => sim!.requests.filter((r) => r.kind === 'api' && r.iotCode === '000000000000000').length;
		const before = testRequests();
		const [response] = await Promise.all([
			page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/rest/credentials/test'),
			modal.getByRole('button', { name: 'Retry' }).click(),
		]);
		expect(await response.json()).toEqual({ data: { status: 'OK', message: expect.any(String) } });
		await success.filter({ hasText: 'Connection tested successfully' }).waitFor();
		// The button is back (it shows a spinner while the test runs).
		await modal.getByRole('button', { name: 'Retry' }).waitFor();
		// The test reached the simulator (the credential's test request queries a dummy vehicle).
		expect(testRequests()).toBeGreaterThan(before);
		await shot('03-credential-test');
		await modal.getByRole('button', { name: 'Close this dialog' }).click();
		await modal.waitFor({ state: 'hidden' });

		const iotInput = ndv.getByTestId('parameter-input-iotCode').locator('input');
		await iotInput.fill(iotCode);
		await iotInput.press('Tab');
		await valueOf('IoT Code', iotInput, iotCode);
	});

	step("d. executes the node against the simulator and shows the vehicle's status", async () => {
		const ndv = page.getByTestId('ndv');
		const output = ndv.getByTestId('output-panel');
		await ndv.getByTestId('node-execute-button').click();
		await output
			.getByTestId('node-run-status-success')
			.or(output.getByTestId('node-run-status-error'))
			.first()
			.waitFor({ timeout: 60_000 });
		if (!(await output.getByTestId('node-run-status-success').isVisible())) {
			throw new Error(`the node run failed; output panel:\n${await output.innerText()}`);
		}
		await output.getByTestId('ndv-items-count').filter({ hasText: /^1 item$/ }).waitFor();
		await output.getByTestId('radio-button-json').click();
		// The JSON view's text is the items as JSON (indented with no-break spaces).
		const items = await waitFor(
			'the JSON view of the output',
			async () => {
				const text = (await output.getByTestId('ndv-data-container').innerText()).replace(/\u00a0/g, ' ');
				return text.includes(iotCode) ? (JSON.parse(text) as Array<Record<string, unknown>>) : undefined;
			},
			30_000,
			100,
		);
		expect(items).toEqual([expect.objectContaining({ iotCode, powerPercent: POWER_PERCENT, online: true, locked: true })]);
		await shot('04-output');

		const statusRequests = sim!.requests.filter((r) => r.kind === 'api' && r.operation === 'query.status' && r.iotCode === iotCode);
		expect(statusRequests.map((r) => ({ method: r.method, status: r.status, code: r.code }))).toEqual([{ method: 'GET', status: 200, code: 0 }]);
	});

	step('e. opens the trigger of the published demo workflow: its notice and webhook URLs', async () => {
		const ndv = page.getByTestId('ndv');
		await ndv.getByTestId('ndv-close-button').click();
		await ndv.waitFor({ state: 'hidden' });
		await page.getByTestId('project-home-menu-item').click();
		await page.getByTestId('resources-list-item-workflow').filter({ hasText: demoName }).getByTestId('workflow-card-name').click();
		await page.waitForURL(new RegExp(`/workflow/${DEMO_WORKFLOW_ID}`));
		await page.getByTestId('canvas-node').filter({ hasText: 'Segway Fleet Trigger' }).dblclick();
		await ndv.waitFor();

		const notice = ndv.getByText(/^Register the base URL with Segway/);
		await notice.waitFor();
		expect(await notice.innerText()).toMatch(/^Register the base URL with Segway/);

		const production = ndv.getByTestId('radio-button-production');
		if (!(await production.isVisible())) await ndv.getByText('Webhook URLs', { exact: true }).click();
		await production.click();
		for (const event of ['alert', 'fault', 'location', 'status']) {
			await ndv.getByText(`${n8n!.url}/webhook/${webhookId}/v2/vehicle/${event}`, { exact: true }).waitFor();
		}
		await dismissToasts();
		await shot('05-trigger');
	});

	step('f. opens the AI agent example: the agent with its model, memory and Segway Fleet tools', async () => {
		const ndv = page.getByTestId('ndv');
		await ndv.getByTestId('ndv-close-button').click();
		await ndv.waitFor({ state: 'hidden' });
		await page.goto(`${n8n!.url}/workflow/${AGENT_WORKFLOW_ID}`);
		for (const name of ['AI Agent', 'OpenAI Chat Model', 'Get vehicle status', 'Get battery info', 'Lock vehicle', 'Unlock vehicle']) {
			await page.getByTestId('canvas-node').filter({ hasText: name }).first().waitFor();
		}
		// The tools hang off the agent: n8n draws their connections once it knows the tool node type.
		await waitFor('the tool connections', async () => ((await page.getByTestId('edge').count()) >= 7 ? true : undefined), 30_000, 100);
		await page.getByTestId('zoom-to-fit').click().catch(() => undefined);
		await dismissToasts();
		await shot('06-agent-example');
	});
});
