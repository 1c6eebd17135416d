/**
 * Turns what a user entered into the request the catalog describes, checking every value against
 * the catalog before anything is sent.
 */
import { IOT_CODE_ALLOWED_EXAMPLE, IOT_CODE_PATTERN } from './catalog/fields';
import { describeValue } from './describe';
import type { Field, ScalarField } from './catalog/spec';
import type { OperationSpec } from './catalog/operations';
import { parseBoolean, parseNumber } from './values';

export type WireValue = string | number | boolean | { [key: string]: number };

export interface ApiRequest {
	method: 'GET' | 'POST';
	path: string;
	/** The vehicle addressed, also found in `qs` or `body`. */
	iotCode: string;
	/** May be sent again after an unknown outcome (see OperationSpec.repeatable). */
	repeatable: boolean;
	qs?: Record<string, string | boolean>;
	body?: Record<string, WireValue>;
}

/**
 * A value outside what the API accepts; `field` is the parameter's path as the user sees it. The
 * value is only described (api/describe.ts), and not kept: it may be anything an upstream node
 * put into the parameter.
 */
export class FieldError extends Error {
	constructor(
		readonly field: string,
		value: unknown,
		readonly allowed: string,
	) {
		super(`Invalid ${field}: ${describeValue(value)} is not allowed; expected ${allowed}`);
		this.name = 'FieldError';
	}
}

export function describeAllowed(field: ScalarField): string {
	switch (field.type) {
		case 'choice':
			return field.choices.map((c) => `${c.value} (${c.name})`).join(', ');
		case 'integer':
			return `a whole number from ${field.min} to ${field.max}${field.unit ? ` ${field.unit}` : ''}`;
		case 'text':
			return field.allowed;
		case 'flag':
			return 'true or false';
	}
}

/** The value as the API takes it, or a FieldError naming `path`, the value and what is allowed. */
export function checkScalar(field: ScalarField, value: unknown, path: string): string | number | boolean {
	const fail = () => new FieldError(path, value, describeAllowed(field));
	switch (field.type) {
		case 'choice': {
			const n = parseNumber(value);
			if (n === undefined || !field.choices.some((c) => c.value === n)) throw fail();
			return n;
		}
		case 'integer': {
			const n = parseNumber(value);
			if (n === undefined || !Number.isInteger(n) || n < field.min || n > field.max) throw fail();
			return n;
		}
		case 'text': {
			if (typeof value !== 'string' || !field.pattern.test(value)) throw fail();
			return value;
		}
		case 'flag': {
			const flag = parseBoolean(value);
			if (flag === undefined) throw fail();
			return flag;
		}
	}
}

export function checkIotCode(value: unknown): string {
	const text = typeof value === 'number' ? String(value) : value;
	if (typeof text !== 'string' || !IOT_CODE_PATTERN.test(text.trim())) {
		throw new FieldError('iotCode', value, IOT_CODE_ALLOWED_EXAMPLE);
	}
	return text.trim();
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A value that changes nothing ("No Setting", "Keep Original") of a field the reference lets a
 * request leave out: left out, so a command that changes nothing can be refused before sending.
 */
function changesNothing(field: ScalarField, checked: string | number | boolean): boolean {
	return field.type === 'choice' && field.optional === true && field.keepValue === checked;
}

/** The wire value of one top-level field, or undefined when it is to be left out. */
export function wireValue(field: Field, value: unknown, path: string): WireValue | undefined {
	if (field.type === 'object') {
		if (value === undefined || value === null) return undefined;
		if (!isRecord(value)) throw new FieldError(path, value, 'a set of sub-fields');
		const out: Record<string, number> = {};
		for (const [key, sub] of Object.entries(value)) {
			const subField = field.fields.find((f) => f.name === key);
			if (!subField) {
				throw new FieldError(path, key, field.fields.map((f) => f.name).join(', '));
			}
			const checked = checkScalar(subField, sub, `${path}.${key}`);
			if (!changesNothing(subField, checked)) out[key] = checked as number;
		}
		return Object.keys(out).length > 0 ? out : undefined;
	}
	if (field.type === 'choice' && field.omitOption && value === field.omitOption.value) return undefined;
	const checked = checkScalar(field, value, path);
	// A flag is a switch in the UI: false means "not asked for", so it is not sent at all.
	if (field.type === 'flag' && checked === false) return undefined;
	return changesNothing(field, checked) ? undefined : checked;
}

/** Every field an operation accepts on the wire, flattened. */
export function wireFields(spec: OperationSpec): Field[] {
	return [...spec.fields, ...(spec.additionalFields ?? [])];
}

/**
 * Builds the request for one item. `params` holds the node's parameter values by name, with
 * `additionalFields` as the collection of optional top-level fields. Throws FieldError.
 */
export function buildRequest(spec: OperationSpec, iotCodeValue: unknown, params: Record<string, unknown>): ApiRequest {
	const iotCode = checkIotCode(iotCodeValue);
	const fields: Record<string, WireValue> = { iotCode };
	for (const field of spec.fields) {
		const value = wireValue(field, params[field.name], field.name);
		if (value !== undefined) fields[field.name] = value;
	}
	const additional = params.additionalFields;
	if (spec.additionalFields && isRecord(additional)) {
		for (const [key, value] of Object.entries(additional)) {
			const field = spec.additionalFields.find((f) => f.name === key);
			if (!field) {
				throw new FieldError('additionalFields', key, spec.additionalFields.map((f) => f.name).join(', '));
			}
			const wire = wireValue(field, value, `additionalFields.${key}`);
			if (wire !== undefined) fields[key] = wire;
		}
	}
	if (spec.method === 'GET') {
		return { method: 'GET', path: spec.path, iotCode, repeatable: spec.repeatable, qs: fields as Record<string, string | boolean> };
	}
	const settable = wireFields(spec);
	if (settable.length > 0 && Object.keys(fields).length === 1) {
		// Every field is optional and none was given: the command would change nothing.
		const keeps = settable.filter((f): f is Extract<Field, { type: 'choice' }> => f.type === 'choice' && f.keepValue !== undefined);
		const keepNote = keeps.length > 0 ? ` set to something other than ${keeps[0].keepValue} (${keeps[0].choices.find((c) => c.value === keeps[0].keepValue)?.name})` : '';
		throw new FieldError(
			spec.additionalFields ? 'additionalFields' : settable.map((f) => f.name).join(' / '),
			'nothing',
			`at least one of ${settable.map((f) => f.name).join(', ')}${keepNote}`,
		);
	}
	return { method: 'POST', path: spec.path, iotCode, repeatable: spec.repeatable, body: fields };
}
