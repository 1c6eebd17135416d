/**
 * Turns what a user entered into the request the catalog describes, checking every value against
 * the catalog first, and checks a received request the same way (the simulator's side).
 */
import {
	IOT_CODE_PATTERN,
	type Field,
	type OperationSpec,
	type ScalarField,
} from './operations';

export type WireValue = string | number | boolean | { [key: string]: number };

export interface ApiRequest {
	method: 'GET' | 'POST';
	path: string;
	qs?: Record<string, string | boolean>;
	body?: Record<string, WireValue>;
}

/** A value outside what the API accepts; `field` is the parameter's path as the user sees it. */
export class FieldError extends Error {
	constructor(
		readonly field: string,
		readonly value: unknown,
		readonly allowed: string,
	) {
		super(`Invalid ${field}: ${JSON.stringify(value) ?? String(value)} is not allowed; expected ${allowed}`);
		this.name = 'FieldError';
	}
}

export const IOT_CODE_ALLOWED = 'the 15-digit IoT IMEI, e.g. 861477038719116';

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

/** Accepts numbers, and numeric strings since expressions often yield them. */
function toNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return value;
	if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
		return Number(value);
	}
	return undefined;
}

function checkScalar(field: ScalarField, value: unknown, path: string): string | number | boolean {
	const fail = () => new FieldError(path, value, describeAllowed(field));
	switch (field.type) {
		case 'choice': {
			const n = toNumber(value);
			if (n === undefined || !field.choices.some((c) => c.value === n)) throw fail();
			return n;
		}
		case 'integer': {
			const n = toNumber(value);
			if (n === undefined || !Number.isInteger(n) || n < field.min || n > field.max) throw fail();
			return n;
		}
		case 'text': {
			if (typeof value !== 'string' || !field.pattern.test(value)) throw fail();
			return value;
		}
		case 'flag': {
			if (value === true || value === 'true') return true;
			if (value === false || value === 'false') return false;
			throw fail();
		}
	}
}

export function checkIotCode(value: unknown): string {
	const text = typeof value === 'number' ? String(value) : value;
	if (typeof text !== 'string' || !IOT_CODE_PATTERN.test(text.trim())) {
		throw new FieldError('iotCode', value, IOT_CODE_ALLOWED);
	}
	return text.trim();
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The wire value of one top-level field, or undefined when it is to be left out. */
function wireValue(field: Field, value: unknown, path: string): WireValue | undefined {
	if (field.type === 'object') {
		if (value === undefined || value === null) return undefined;
		if (!isRecord(value)) throw new FieldError(path, value, 'a set of sub-fields');
		const out: Record<string, number> = {};
		for (const [key, sub] of Object.entries(value)) {
			const subField = field.fields.find((f) => f.name === key);
			if (!subField) {
				throw new FieldError(path, key, field.fields.map((f) => f.name).join(', '));
			}
			out[key] = checkScalar(subField, sub, `${path}.${key}`) as number;
		}
		return Object.keys(out).length > 0 ? out : undefined;
	}
	if (field.type === 'choice' && field.omitOption && value === field.omitOption.value) return undefined;
	const checked = checkScalar(field, value, path);
	// A flag is a switch in the UI: false means "not asked for", so it is not sent at all.
	if (field.type === 'flag' && checked === false) return undefined;
	return checked;
}

/**
 * Builds the request for one item. `params` holds the node's parameter values by name, with
 * `additionalFields` as the collection of optional top-level fields. Throws FieldError.
 */
export function buildRequest(
	spec: OperationSpec,
	iotCode: unknown,
	params: Record<string, unknown>,
): ApiRequest {
	const fields: Record<string, WireValue> = { iotCode: checkIotCode(iotCode) };
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
		return { method: 'GET', path: spec.path, qs: fields as Record<string, string | boolean> };
	}
	const settable = wireFields(spec);
	if (settable.length > 0 && Object.keys(fields).length === 1) {
		// Every field is optional and none was given: the command would change nothing.
		throw new FieldError(
			spec.additionalFields ? 'additionalFields' : settable.map((f) => f.name).join(' / '),
			'nothing',
			`at least one of ${settable.map((f) => f.name).join(', ')}`,
		);
	}
	return { method: 'POST', path: spec.path, body: fields };
}

/** Every field an operation accepts on the wire, flattened (the simulator's view). */
export function wireFields(spec: OperationSpec): Field[] {
	return [...spec.fields, ...(spec.additionalFields ?? [])];
}

/**
 * Checks a received query or body as the gateway would; returns a problem or undefined.
 * Unknown fields are ignored, as the gateway does.
 */
export function findWireProblem(spec: OperationSpec, received: Record<string, unknown>): FieldError | undefined {
	try {
		checkIotCode(received.iotCode);
		for (const field of wireFields(spec)) {
			const value = received[field.name];
			if (value === undefined) {
				if (field.optional) continue;
				throw new FieldError(field.name, value, `a value: ${field.name} is required`);
			}
			wireValue(field.type === 'choice' ? { ...field, omitOption: undefined } : field, value, field.name);
		}
		return undefined;
	} catch (error) {
		return error instanceof FieldError ? error : new FieldError('request', received, String(error));
	}
}
