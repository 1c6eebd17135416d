/**
 * Whether a push is recent by its own time (statusUtcTime, or gpsUtcTime for locations): a
 * signature proves who sent a push, not when, so a captured push could otherwise be replayed at
 * any time later. Decided before any memory is read: a push that is not fresh changes nothing.
 */
import { PUSH_TIME_FIELD, segwayTimeMs, type PushEvent } from '../../../api/catalog/pushes';
import { parseNumber } from '../../../api/values';
import { numberProperty, type NodeParameters } from '../parameters';

export interface FreshnessLimits {
	/** Oldest a push may be, in ms; 0 turns the check off. */
	maxAgeMs: number;
	/** How far ahead of this server's clock a push may be (the sender's clock), in ms; 0: off. */
	skewMs: number;
}

export const freshnessOptions = [
	numberProperty(
		'clockSkew',
		'Clock Skew Allowance (Seconds)',
		60,
		0,
		3_600,
		"How far ahead of this server's clock a push's own time may be before it is taken for forged. 0 turns the check off.",
	),
	numberProperty(
		'maxPushAge',
		'Max Push Age (Seconds)',
		300,
		0,
		86_400,
		'A push whose own time (statusUtcTime, or gpsUtcTime for locations) is older than this starts nothing, so a captured push cannot be replayed later. It is still answered with success, since a resend would be as old. 0 turns the check off.',
	),
];

export function readFreshness(read: NodeParameters): FreshnessLimits {
	return { maxAgeMs: read.number('options.maxPushAge') * 1000, skewMs: read.number('options.clockSkew') * 1000 };
}

export type Freshness = { fresh: true; atMs: number } | { fresh: false; atMs: number; reason: string };

/** The push's time in epoch ms (shape checks made sure it is a number), and whether it is recent. */
export function freshness(event: PushEvent, fields: Readonly<Record<string, string>>, limits: FreshnessLimits, nowMs: number): Freshness {
	const atMs = segwayTimeMs(parseNumber(fields[PUSH_TIME_FIELD[event]]) ?? 0);
	const ageMs = nowMs - atMs;
	if (limits.maxAgeMs > 0 && ageMs > limits.maxAgeMs) {
		return { fresh: false, atMs, reason: `${Math.round(ageMs / 1000)} s old (maximum ${limits.maxAgeMs / 1000} s)` };
	}
	if (limits.skewMs > 0 && -ageMs > limits.skewMs) {
		return { fresh: false, atMs, reason: `${Math.round(-ageMs / 1000)} s in the future (allowance ${limits.skewMs / 1000} s)` };
	}
	return { fresh: true, atMs };
}
