/** What a request to the trigger's webhooks asks for, from its path. */
import { STREAM_PROBE_PATH } from '../../api/catalog/probe';
import { PUSH_EVENTS, PUSH_PATHS, type PushEvent } from '../../api/catalog/pushes';

/**
 * The four webhooks share the name `default` (so one lifecycle covers them) and differ only in
 * their path, so the push's kind is read from the requested path.
 */
export function eventOfPath(url: string): PushEvent | undefined {
	const path = withoutQuery(url);
	for (const event of PUSH_EVENTS) {
		if (path.endsWith(`/${PUSH_PATHS[event]}`)) return event;
	}
	return undefined;
}

/** The path of a request URL, without its query and a trailing slash. */
function withoutQuery(url: string): string {
	const query = url.indexOf('?');
	const path = query < 0 ? url : url.slice(0, query);
	return path.endsWith('/') ? path.slice(0, -1) : path;
}

/** The stream probe (probe.ts), a GET beside the four push paths. */
export const isProbePath = (url: string): boolean => withoutQuery(url).endsWith(`/${STREAM_PROBE_PATH}`);
