/**
 * Whether a verified push has the shape of its kind (its path): the fields the reference
 * documents for it, with values of their type and range. Fields the reference does not name
 * stay allowed and signed, since it says new ones may appear.
 *
 * The signature's string joins `key=value` with `&` unescaped, so a key holding `=` or `&`, or a
 * value holding `&`, could be re-split into other fields that sign the same (one field
 * `iotCode=861477038719116&lockVoltage=412` signs like two). Refusing those makes the split
 * unique: every accepted push means exactly what Segway signed.
 */
import { FOREIGN_PUSH_FIELDS, PUSH_FIELDS, type PushEvent, type PushField } from '../../api/catalog/pushes';
import { parseBoolean, parseNumber } from '../../api/values';

/** Why the push cannot be taken for a push of its kind; names the field, the value and what is allowed. */
export function shapeProblem(event: PushEvent, params: Readonly<Record<string, string>>): string | undefined {
	for (const key in params) {
		if (key.includes('&') || key.includes('=')) return `field name ${quote(key)} holds "&" or "=", which would make the signature ambiguous`;
		if (params[key].includes('&')) return `field ${key} holds "&", which would make the signature ambiguous`;
		if (FOREIGN_PUSH_FIELDS[event].has(key)) return `${key} belongs to another kind of push (wrong path?)`;
	}
	const fields = PUSH_FIELDS[event];
	for (const name of Object.keys(fields)) {
		const field = fields[name];
		const value = params[name];
		if (value === undefined || value === '') {
			if (field.required) return `${name} is missing (${field.allowed})`;
			continue;
		}
		if (!isAllowed(field, value)) return `${name} ${quote(value)} is not ${field.allowed}`;
	}
	return undefined;
}

function isAllowed(field: PushField, value: string): boolean {
	switch (field.type) {
		case 'boolean':
			return parseBoolean(value) !== undefined;
		case 'string':
			return (field.pattern === undefined || field.pattern.test(value)) && (field.values === undefined || field.values.includes(value));
		case 'number': {
			const n = parseNumber(value);
			if (n === undefined) return false;
			if (field.integer && !Number.isInteger(n)) return false;
			if (field.min !== undefined && n < field.min) return false;
			if (field.max !== undefined && n > field.max) return false;
			return field.values === undefined || field.values.includes(n);
		}
	}
}

/** The value as sent, cut short: the answer goes to an unverified sender's peer, never long. */
function quote(value: string): string {
	return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
