/**
 * The push stream's probe: how the poll trigger asks a push trigger when it last received a push
 * (README: "The whole stream stopping"). Not a Segway API: a GET webhook of the push trigger,
 * beside the four push paths, signed like a push with the credential's client secret so that the
 * trigger's URL tells a stranger nothing. Shared by the trigger (answering) and the poll trigger
 * (asking).
 */
import { computeSignature, SIGNATURE_FIELD } from './signature';

/** Path below the base URL registered with Segway: `<n8n>/webhook/<webhookId>/stream`. */
export const STREAM_PROBE_PATH = 'stream';

/** A probe whose time is further than this from the trigger's clock is refused (a replay). */
export const PROBE_MAX_SKEW_MS = 5 * 60_000;

/** What a probe sends, as query parameters. `t` is the asker's time, epoch ms. */
export interface ProbeQuery {
	probe: 'stream';
	t: string;
	signature: string;
}

/** The answer of a push trigger to a verified probe. */
export interface ProbeAnswer {
	code: 0;
	/** The newest verified push any of the trigger's processes received, epoch ms; null when none is known. */
	lastPushAt: number | null;
	/** The trigger's clock when it answered, epoch ms. */
	now: number;
}

export function probeQuery(clientSecret: string, now: number): ProbeQuery {
	const params = { probe: 'stream' as const, t: String(Math.floor(now)) };
	return { ...params, signature: computeSignature(params, clientSecret) };
}

/** The probe URL for the base URL registered with Segway (a trailing slash is allowed). */
export function probeUrl(baseUrl: string): string {
	return `${baseUrl.replace(/\/+$/, '')}/${STREAM_PROBE_PATH}`;
}

/** The signed parameters of a received probe, or why it is refused. `now` is the trigger's clock. */
export function readProbe(query: Readonly<Record<string, unknown>>, now: number): { params: Record<string, string>; signature: string } | { refused: string } {
	const { probe, t, [SIGNATURE_FIELD]: signature } = query;
	if (probe !== 'stream' || typeof t !== 'string' || typeof signature !== 'string') return { refused: 'not a signed stream probe' };
	const at = Number(t);
	if (!/^\d{1,15}$/.test(t) || Math.abs(now - at) > PROBE_MAX_SKEW_MS) return { refused: 'probe time is not within 5 minutes of the trigger clock' };
	return { params: { probe, t }, signature };
}

export function isProbeAnswer(value: unknown): value is ProbeAnswer {
	if (typeof value !== 'object' || value === null) return false;
	const { code, lastPushAt, now } = value as Record<string, unknown>;
	return code === 0 && (lastPushAt === null || (typeof lastPushAt === 'number' && Number.isFinite(lastPushAt))) && typeof now === 'number' && Number.isFinite(now);
}
