/**
 * Form bodies carry only strings; users expect `powerPercent` to compare as a number and
 * `locked` as a boolean. Documented fields get their declared type back (PUSH_FIELDS);
 * fields Segway adds later are typed by their look, so a new field still arrives usable.
 */
import type { IDataObject } from 'n8n-workflow';

import { PUSH_FIELDS, type PushEvent } from '../../api/catalog/pushes';
import { parseBoolean, parseNumber } from '../../api/values';

type Typed = string | number | boolean | null;

/** Plain decimal numbers only: no hex, exponents, `Infinity` or surrounding spaces. */
const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

export function typePushFields(event: PushEvent, params: Readonly<Record<string, string>>): IDataObject {
	const declared = PUSH_FIELDS[event];
	const typed: IDataObject = {};
	for (const key of Object.keys(params)) {
		const value = params[key];
		const type = declared[key]?.type;
		typed[key] =
			type === 'string'
				? value
				: type === 'number'
					? asNumber(value)
					: type === 'boolean'
						? asBoolean(value)
						: byLook(value);
	}
	return typed;
}

/**
 * A declared number or boolean that is empty becomes null (no value). One that does not parse
 * stays the string received, so nothing Segway sent is lost.
 */
function asNumber(value: string): Typed {
	return value === '' ? null : (parseNumber(value) ?? value);
}

function asBoolean(value: string): Typed {
	return value === '' ? null : (parseBoolean(value) ?? value);
}

/**
 * Unknown fields: `true`/`false` become booleans and plain decimals numbers, except where a
 * number would change the text: leading zeros (codes) or digits beyond 2^53 (IMEIs, IDs).
 */
function byLook(value: string): Typed {
	if (value === 'true') return true;
	if (value === 'false') return false;
	if (!DECIMAL.test(value)) return value;
	const number = Number(value);
	if (!value.includes('.') && !Number.isSafeInteger(number)) return value;
	return number;
}
