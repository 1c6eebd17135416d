/** Waiting for something that happens in another process or on another connection. */
import { setTimeout as sleep } from 'timers/promises';

/**
 * Polls `probe` until it gives a value other than undefined (or `true` for a condition), and
 * returns it; fails with `what` after `timeoutMs`. Bounds are generous: they catch a hang, never
 * a slow machine.
 */
export async function waitFor<T>(
	what: string,
	probe: () => Promise<T | undefined | false> | T | undefined | false,
	timeoutMs = 60_000,
	everyMs = 20,
): Promise<T> {
	const until = Date.now() + timeoutMs;
	let last: unknown;
	while (Date.now() < until) {
		try {
			const value = await probe();
			if (value !== undefined && value !== false) return value;
		} catch (error) {
			last = error;
		}
		await sleep(everyMs);
	}
	throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
