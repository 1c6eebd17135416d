/**
 * Layout checks for the n8n 2.x editor in a real browser (playwright-core), measured in the live
 * DOM rather than judged on a screenshot:
 *
 * - `canvasOverlaps(page)`: with one workflow open, zooms to fit and lists every place where a
 *   sticky note, a node (its box and the label and subtitle under it) or a button drawn over the
 *   canvas (zoom controls, "Execute workflow", a chat workflow's "Open chat", the panel buttons at
 *   the right) covers another, and every sticky note too small for its text.
 * - `nodePanelEntryDescription(page, name)`: the description the node panel shows under an entry.
 * - `openWorkflowCanvas(page, url, workflow)`: opens a workflow and waits until exactly its nodes
 *   are drawn.
 *
 * What the DOM of n8n 2.41 looks like (found by running it): every canvas item is a Vue Flow node
 * (`.vue-flow__node`) whose first child carries `data-node-name` and `data-node-type`. A node has
 * `data-test-id="canvas-node"` there; a sticky note does not: its type is
 * `n8n-nodes-base.stickyNote` and its note is the `[data-test-id="sticky"]` inside. A node's label
 * and subtitle are text inside the canvas-node element but drawn below its box, so they are
 * measured as text; the toolbar that shows on hover and the "+" of a free output are left out.
 * Buttons over the canvas are the visible buttons that intersect `[data-test-id="canvas"]`
 * without being inside `.vue-flow__viewport` (which holds the nodes and edges).
 */
import type { Locator, Page } from 'playwright-core';

import { waitFor } from './wait';

/** One thing drawn on the canvas, in page pixels. */
export interface CanvasItem {
	kind: 'node' | 'sticky note' | 'button';
	name: string;
	/** The parts that must stay clear: a node's box and its label lines; one rectangle otherwise. */
	parts: Array<{ part: 'box' | 'label'; text?: string; x: number; y: number; width: number; height: number }>;
	/** Sticky notes: the height of the note's text and of the space it has. */
	content?: { scrollHeight: number; clientHeight: number; scrollWidth: number; clientWidth: number };
}

/** Runs in the page (a string: this project compiles without the DOM's types). */
const MEASURE = `(() => {
	const box = (r) => ({ x: r.x, y: r.y, width: r.width, height: r.height });
	const visible = (el) => el.checkVisibility ? el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) : el.getClientRects().length > 0;
	const items = [];
	for (const flowNode of document.querySelectorAll('.vue-flow__node')) {
		const head = flowNode.querySelector(':scope > [data-node-name]');
		if (!head) continue;
		const name = head.getAttribute('data-node-name');
		if (head.getAttribute('data-node-type') === 'n8n-nodes-base.stickyNote') {
			const note = flowNode.querySelector('[data-test-id="sticky"]');
			if (!note) continue;
			// The note clips its rendered text in a wrapper (overflow: hidden): text that does not fit
			// makes the wrapper's scroll size exceed its client size.
			const holder = Array.from(note.children).find((el) => getComputedStyle(el).overflow === 'hidden') || note;
			items.push({
				kind: 'sticky note',
				name,
				parts: [{ part: 'box', ...box(note.getBoundingClientRect()) }],
				content: { scrollHeight: holder.scrollHeight, clientHeight: holder.clientHeight, scrollWidth: holder.scrollWidth, clientWidth: holder.clientWidth },
			});
			continue;
		}
		if (head.getAttribute('data-test-id') !== 'canvas-node') continue;
		const parts = [{ part: 'box', ...box(head.getBoundingClientRect()) }];
		const skip = (el) => !!el.closest('[data-test-id="canvas-node-toolbar"], [data-test-id="canvas-handle-plus-wrapper"]');
		// Label, subtitle, handle labels ("Chat Model", "Tool"): each visible line of text.
		const walker = document.createTreeWalker(head, NodeFilter.SHOW_TEXT);
		for (let text = walker.nextNode(); text; text = walker.nextNode()) {
			const value = (text.textContent || '').trim();
			const parent = text.parentElement;
			if (!value || !parent || skip(parent) || !visible(parent)) continue;
			const range = document.createRange();
			range.selectNodeContents(text);
			for (const r of range.getClientRects()) if (r.width > 0 && r.height > 0) parts.push({ part: 'label', text: value, ...box(r) });
		}
		// Buttons that belong to the node (a chat trigger's "Open chat" beside it).
		for (const button of head.querySelectorAll('button')) {
			if (skip(button) || !visible(button)) continue;
			const r = button.getBoundingClientRect();
			if (r.width > 0 && r.height > 0) parts.push({ part: 'label', text: (button.textContent || '').trim(), ...box(r) });
		}
		items.push({ kind: 'node', name, parts });
	}
	const canvas = document.querySelector('[data-test-id="canvas"]');
	if (canvas) {
		const c = canvas.getBoundingClientRect();
		for (const button of document.querySelectorAll('button, [role="button"]')) {
			if (button.closest('.vue-flow__viewport') || !visible(button)) continue;
			const r = button.getBoundingClientRect();
			if (r.width <= 0 || r.height <= 0 || r.right <= c.left || r.left >= c.right || r.bottom <= c.top || r.top >= c.bottom) continue;
			const name = button.getAttribute('aria-label') || (button.textContent || '').trim() || button.getAttribute('data-test-id') || 'unnamed';
			items.push({ kind: 'button', name, parts: [{ part: 'box', ...box(r) }] });
		}
	}
	return items;
})()`;

/** The viewport's CSS transform (pan and zoom), to wait until zoom-to-fit has stopped moving. */
const TRANSFORM = `(document.querySelector('.vue-flow__viewport') || {}).style?.transform ?? ''`;

/** At most this much overlap (px, either way) counts as touching, not covering. */
const TOUCH = 1;

type Rect = CanvasItem['parts'][number];

function intersects(a: Rect, b: Rect): boolean {
	const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
	const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
	return width > TOUCH && height > TOUCH;
}

/** Everything on the canvas as the page draws it now (no zooming). */
export async function canvasItems(page: Page): Promise<CanvasItem[]> {
	return (await page.evaluate(MEASURE)) as CanvasItem[];
}

/** Clicks "Zoom to Fit" and waits until the canvas stops moving. */
export async function zoomToFit(page: Page): Promise<void> {
	await page.getByTestId('zoom-to-fit').click();
	let last = '';
	let sameSince = Date.now();
	await waitFor(
		'the canvas to settle after zoom to fit',
		async () => {
			const now = String(await page.evaluate(TRANSFORM));
			if (now !== last) {
				last = now;
				sameSince = Date.now();
				return undefined;
			}
			return Date.now() - sameSince >= 400 ? true : undefined;
		},
		10_000,
		50,
	);
}

const named = (item: CanvasItem) => `${item.kind} '${item.name}'`;

/**
 * One readable line per overlap on the open workflow's canvas, empty when nothing covers anything:
 * "sticky note 'Note …' covers node 'Alert the Crew'", "button 'Open chat' covers the label of node
 * 'Lock vehicle'", "node 'A' overlaps node 'B'", and "sticky note 'Note …' is too small for its
 * text (…)". Zooms to fit first (`zoomToFit: false` measures the canvas as it is). Call it with
 * the workflow open (`/workflow/<id>`) and no panel over the canvas, once every node is drawn: it
 * waits for the first one only, and n8n draws an agent's tool nodes late (wait for
 * `.vue-flow__node > [data-node-name="<name>"]` of each node). Measured for a 1440×900 viewport:
 * where zoom to fit puts things, and so what the overlay buttons cover, depends on its size.
 */
export async function canvasOverlaps(page: Page, options: { zoomToFit?: boolean } = {}): Promise<string[]> {
	await page.locator('.vue-flow__node').first().waitFor();
	if (options.zoomToFit !== false) await zoomToFit(page);
	const items = await canvasItems(page);
	const lines: string[] = [];
	// Buttons first (they are drawn over everything), then sticky notes, then nodes.
	const rank = { button: 0, 'sticky note': 1, node: 2 } as const;
	const ordered = [...items].sort((a, b) => rank[a.kind] - rank[b.kind]);
	for (let i = 0; i < ordered.length; i++) {
		for (let j = i + 1; j < ordered.length; j++) {
			const [top, under] = [ordered[i], ordered[j]];
			if (top.kind === 'button' && under.kind === 'button') continue;
			const hit = under.parts.filter((p) => top.parts.some((q) => intersects(p, q)));
			if (hit.length === 0) continue;
			if (top.kind === 'node' && under.kind === 'node') {
				lines.push(`${named(top)} overlaps ${named(under)}`);
				continue;
			}
			const labelsOnly = under.kind === 'node' && hit.every((p) => p.part === 'label');
			const texts = [...new Set(hit.filter((p) => p.part === 'label').map((p) => p.text))].join("', '");
			lines.push(labelsOnly ? `${named(top)} covers the label of ${named(under)} ('${texts}')` : `${named(top)} covers ${named(under)}`);
		}
	}
	for (const note of items) {
		const c = note.content;
		if (!c) continue;
		if (c.scrollHeight > c.clientHeight + TOUCH || c.scrollWidth > c.clientWidth + TOUCH) {
			lines.push(`${named(note)} is too small for its text (text ${c.scrollWidth}×${c.scrollHeight} px, room ${c.clientWidth}×${c.clientHeight} px)`);
		}
	}
	return lines;
}

/**
 * Opens a workflow in the editor already loaded in `page` through n8n's own router, as clicking a
 * workflow card does (≈ 1 s instead of ≈ 10 s for reloading the editor's bundle), or by loading
 * `<url>/workflow/<id>` when no editor is loaded yet; resolves once the canvas holds exactly the
 * workflow's nodes and notes (an agent's tool nodes are drawn late, and the previous workflow's
 * must be gone before anything is measured).
 */
export async function openWorkflowCanvas(page: Page, url: string, workflow: { id: string; nodes: ReadonlyArray<{ name: string }> }): Promise<void> {
	const path = `/workflow/${workflow.id}`;
	const routed = await page.evaluate(`(() => {
		const router = document.querySelector('#app')?.__vue_app__?.config.globalProperties.$router;
		if (!router) return false;
		router.push(${JSON.stringify(path)});
		return true;
	})()`);
	if (!routed) await page.goto(`${url}${path}`);
	await page.waitForURL((at) => at.pathname === path);
	const names = JSON.stringify(workflow.nodes.map((node) => node.name).sort());
	await page.waitForFunction(
		`JSON.stringify(Array.from(document.querySelectorAll('.vue-flow__node > [data-node-name]'), (el) => el.getAttribute('data-node-name')).sort()) === ${JSON.stringify(names)}`,
		undefined,
		{ timeout: 60_000 },
	);
}

/**
 * The entry of the open node panel (`[data-test-id="node-creator"]`, e.g. after searching
 * "Segway") whose name is exactly `name`: an app entry that groups actions
 * (`node-creator-action-item`) or a single node (`node-creator-node-item`).
 */
export function nodePanelEntry(page: Page, name: string): Locator {
	const exact = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
	return page
		.getByTestId('node-creator')
		.locator('[data-test-id="node-creator-action-item"], [data-test-id="node-creator-node-item"]')
		.filter({ has: page.getByTestId('node-creator-item-name').filter({ hasText: exact }) })
		.first();
}

/**
 * The description the node panel shows under the entry named `name`
 * (`[data-test-id="node-creator-item-description"]` inside it); '' when it shows none.
 */
export async function nodePanelEntryDescription(page: Page, name: string): Promise<string> {
	const entry = nodePanelEntry(page, name);
	await entry.waitFor();
	const description = entry.getByTestId('node-creator-item-description');
	return (await description.count()) === 0 ? '' : (await description.innerText()).trim();
}
