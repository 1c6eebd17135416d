/**
 * `lastLocation` on alert, fault and status items: where the vehicle is, from its own location
 * pushes, so a workflow needs no Get Location call (which fails for an offline vehicle, 15301,
 * and costs a request against the gateway's limit just when alerts come in bursts). Null while
 * no valid fix is known: never a made-up position.
 */
import type { IDataObject } from 'n8n-workflow';

import { mapUrl, position, type Fix, type PositionState } from './position';
import type { Rule } from './rule';

export function lastLocation(fix: Fix | undefined, now: number): IDataObject | null {
	if (fix === undefined) return null;
	return {
		latitude: fix.latitude,
		longitude: fix.longitude,
		at: new Date(fix.at).toISOString(),
		ageSeconds: Math.max(0, Math.round((now - fix.at) / 1000)),
		valid: fix.invalidAt === undefined,
		satellites: fix.satellites ?? null,
		hdop: fix.hdop ?? null,
		mapUrl: mapUrl(fix.latitude, fix.longitude),
	};
}

export const lastLocationRule: Rule<true, Record<never, never>, PositionState> = {
	options: [
		{
			displayName: 'Add Last Known Location',
			name: 'lastLocation',
			type: 'boolean',
			default: true,
			description:
				"Whether alert, fault and status items get lastLocation: the newest valid fix of the vehicle's location pushes, with its age and a map link (null when none is known yet). Location pushes are remembered for it even when they do not start the workflow.",
		},
	],
	settings: (read) => (read.boolean('options.lastLocation') ? true : undefined),
	needs: [position],
	describes: ['alert', 'fault', 'status'],
	describe: (_settings, vehicle, now) => ({ lastLocation: lastLocation(vehicle?.fix, now) }),
};
