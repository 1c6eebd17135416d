/**
 * What a push means, added to its fields so a workflow can route on names instead of looking
 * codes up: alert and fault codes are named (reference appendices), `alertStatus` /
 * `faultStatus` 0 and 1 become `appeared` true / false, and the remaining range has one name.
 */
import type { IDataObject } from 'n8n-workflow';

import { ALERT_CODES, FAULT_CODES } from '../../api/catalog/codes';
import type { PushEvent } from '../../api/catalog/pushes';
import { normalizeRemainingRange } from '../../api/normalize';

export function enrichPush(event: PushEvent, typed: IDataObject): IDataObject {
	switch (event) {
		case 'alert':
			// The reference's own alert example has no alertStatus: a missing one counts as appearing.
			return { event, ...typed, ...describeAlert(typed.code, typed.alertStatus ?? 0) };
		case 'fault':
			return { event, ...typed, ...describeFault(typed.code, typed.faultStatus) };
		case 'status':
			return { event, ...normalizeRemainingRange(typed) };
		default:
			return { event, ...typed };
	}
}

/** 0 appearing, 1 disappeared; anything else (or absent) is left undecided as null. */
function appeared(status: unknown): boolean | null {
	return status === 0 ? true : status === 1 ? false : null;
}

function describeAlert(code: unknown, status: unknown): IDataObject {
	const known = typeof code === 'number' ? ALERT_CODES[code] : undefined;
	const isAppearing = appeared(status);
	if (known === undefined) {
		return {
			alertName: 'unknown',
			alertDescription: `unknown alert code ${String(code)}`,
			appeared: isAppearing,
		};
	}
	// Codes 4 and 6 have no "disappeared" wording in the reference; their appearing text still
	// names the event.
	const description =
		isAppearing === false ? (known.disappeared ?? known.appearing) : known.appearing;
	return { alertName: known.name, alertDescription: description, appeared: isAppearing };
}

function describeFault(code: unknown, status: unknown): IDataObject {
	const known = typeof code === 'number' ? FAULT_CODES[code] : undefined;
	return {
		faultSystem: known ? known.system : '',
		faultDescription: known ? known.description : `unknown fault code ${String(code)}`,
		appeared: appeared(status),
	};
}
