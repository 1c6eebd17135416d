/**
 * A small seeded generator: the fleet and the fault injection must repeat exactly for a given
 * seed, so that tests can rely on "the 3rd request fails" and IMEIs stay the same across runs.
 */
export type Random = () => number;

/** mulberry32: tiny, fast, and good enough for a simulator (not for anything secret). */
export function seededRandom(seed: number): Random {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function randomInt(random: Random, min: number, max: number): number {
	return min + Math.floor(random() * (max - min + 1));
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlnum(random: Random, length: number): string {
	let out = '';
	for (let i = 0; i < length; i++) out += ALNUM[Math.floor(random() * ALNUM.length)];
	return out;
}

/** Seeds given as text (e.g. on the command line) are hashed, so any string is a usable seed. */
export function toSeed(seed: number | string | undefined): number {
	if (seed === undefined) return 20081;
	if (typeof seed === 'number' && Number.isFinite(seed)) return seed >>> 0;
	let hash = 2166136261;
	for (const ch of String(seed)) hash = Math.imul(hash ^ ch.charCodeAt(0), 16777619);
	return hash >>> 0;
}
