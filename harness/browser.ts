/**
 * A real browser for tests of the n8n editor: Debian's `chromium` (scripts/browser-deps.sh
 * installs it) driven by playwright-core. Playwright's own browser download does not work
 * offline, so the browser is the system's. Each launch gets a fresh profile (Playwright passes a
 * new temporary --user-data-dir and removes it on close).
 */
import { existsSync } from 'fs';
import { chromium, selectors, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Where the browser is; SEGWAY_CHROMIUM overrides it (another distribution, or a test of the check). */
export const CHROMIUM = process.env.SEGWAY_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Without the background-networking flags chromium keeps trying to reach Google's servers, which
 * floods a closed network with failing connections.
 */
export const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

export function chromiumInstalled(): boolean {
	return existsSync(CHROMIUM);
}

export interface TestBrowser {
	browser: Browser;
	context: BrowserContext;
	page: Page;
	/** Closes the browser, or kills it if it does not close in time. Safe to call twice. */
	close(): Promise<void>;
}

/** Resolves when `promise` settles or after `ms`, whichever comes first; true if it settled in time. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
	try {
		return await Promise.race([promise.then(() => true, () => true), timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/**
 * Launches chromium with one page. `actionTimeoutMs` bounds every click, fill and wait of the page.
 * The browser runs as a Playwright browser server: that handle can kill the process if closing it
 * hangs, which a plain launch does not offer.
 */
export async function launchChromium(options: { viewport?: { width: number; height: number }; actionTimeoutMs?: number } = {}): Promise<TestBrowser> {
	// n8n's editor marks its elements with data-test-id (Playwright's getByTestId expects data-testid).
	selectors.setTestIdAttribute('data-test-id');
	const server = await chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
	let browser: Browser | undefined;
	let closed = false;
	const close = async () => {
		if (closed) return;
		closed = true;
		if (browser) await settlesWithin(browser.close(), 15_000);
		if (!(await settlesWithin(server.close(), 10_000))) await settlesWithin(server.kill(), 10_000);
	};
	try {
		browser = await chromium.connect(server.wsEndpoint(), { timeout: 30_000 });
		const context = await browser.newContext({ viewport: options.viewport ?? { width: 1440, height: 900 } });
		context.setDefaultTimeout(options.actionTimeoutMs ?? 30_000);
		context.setDefaultNavigationTimeout(Math.max(options.actionTimeoutMs ?? 30_000, 60_000));
		const page = await context.newPage();
		return { browser, context, page, close };
	} catch (error) {
		await close();
		throw error;
	}
}
