/**
 * Alerts and faults: only the chosen codes, and only when they appeared (status 0), disappeared
 * (1), or both. An alert without `alertStatus` (the reference's own alert example has none)
 * counts as appearing. With no code chosen and either status, every push starts a run.
 */
import type { INodePropertyOptions, INodeProperties } from 'n8n-workflow';

import { ALERT_CODES, FAULT_CODES } from '../../../api/catalog/codes';
import type { NodeParameters } from '../parameters';
import { byName, titleCase } from '../text';
import type { Decision, Rule } from './rule';

const CODE_STATUSES = ['any', 'appearing', 'disappeared'] as const;

export interface CodeFilterSettings {
	/** Empty: every code. */
	codes: number[];
	status: (typeof CODE_STATUSES)[number];
}

export function passesCodeFilter(filter: CodeFilterSettings, code: string | undefined, status: string | undefined): boolean {
	if (filter.codes.length > 0 && !filter.codes.includes(Number(code))) return false;
	const disappeared = status === '1';
	if (filter.status === 'appearing') return !disappeared;
	if (filter.status === 'disappeared') return disappeared;
	return true;
}

const codeStatusOptions: INodePropertyOptions[] = [
	{ name: 'Appeared or Disappeared', value: 'any' },
	{ name: 'Appeared Only', value: 'appearing' },
	{ name: 'Disappeared Only', value: 'disappeared' },
];

function codeFilter(event: 'alert' | 'fault', label: string, codesDescription: string, options: INodePropertyOptions[]): Rule<CodeFilterSettings> {
	const parameters: INodeProperties[] = [
		{ displayName: `${label} Codes`, name: `${event}Codes`, type: 'multiOptions', default: [], description: codesDescription, options },
		{ displayName: `${label} Status`, name: `${event}Status`, type: 'options', default: 'any', options: codeStatusOptions },
	];
	return {
		parameters,
		settings(read: NodeParameters) {
			const filter = { codes: read.wholeNumbers(`${event}Codes`), status: read.oneOf(`${event}Status`, CODE_STATUSES) };
			return filter.codes.length === 0 && filter.status === 'any' ? undefined : filter;
		},
		decides: [event],
		decide: (filter, _vehicle, push): Decision<Record<never, never>> => ({
			fires: passesCodeFilter(filter, push.fields.code, push.fields[`${event}Status`]),
			urgency: 'none',
		}),
	};
}

export const alertCodes = codeFilter(
	'alert',
	'Alert',
	'Alerts that start the workflow. None selected means every alert code.',
	Object.entries(ALERT_CODES)
		.map(([code, alert]) => ({ name: titleCase(`${alert.appearing} (${code})`), value: Number(code) }))
		.sort(byName),
);

export const faultCodes = codeFilter(
	'fault',
	'Fault',
	'Fault codes that start the workflow (Segway reference, appendix 2). None selected means every code, including codes not in the list.',
	Object.entries(FAULT_CODES)
		.map(([code, fault]) => ({ name: titleCase(`${code}: ${fault.system ? `${fault.system}, ` : ''}${fault.description}`), value: Number(code) }))
		.sort(byName),
);
