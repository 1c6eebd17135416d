/**
 * Checks a received query or body as the gateway would, with the node's own field checks from
 * the catalog: the simulator refuses exactly what the node would never send.
 */
import type { OperationSpec } from '../api/catalog/operations';
import { checkIotCode, FieldError, wireFields, wireValue } from '../api/requests';

/** What is wrong with the received fields, or undefined. Unknown fields are ignored, as the gateway does. */
export function parameterProblem(spec: OperationSpec, received: Record<string, unknown>): string | undefined {
	try {
		checkIotCode(received.iotCode);
		for (const field of wireFields(spec)) {
			const value = received[field.name];
			if (value === undefined) {
				if (field.optional) continue;
				throw new FieldError(field.name, value, `a value: ${field.name} is required`);
			}
			// On the wire there is no "leave out" option: a value is a value.
			wireValue(field.type === 'choice' ? { ...field, omitOption: undefined } : field, value, field.name);
		}
		return undefined;
	} catch (error) {
		return error instanceof FieldError ? error.message : String(error);
	}
}
