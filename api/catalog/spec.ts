/**
 * The shape of a declaration: the kinds of value an API field takes (a choice, a whole number in
 * a range, a text of a given form, a flag, an object of such fields) and what an operation says
 * about itself.
 */

export interface Choice {
	value: number;
	name: string;
	description?: string;
}

interface FieldBase {
	name: string;
	label: string;
	description: string;
	/** IoT firmware version from which the vehicle accepts this field (older answers 15707). */
	minFirmware?: number;
	/** The reference marks the field "(optional)": a request without it is complete. */
	optional?: true;
}

/** A number restricted to a list of values. */
export interface ChoiceField extends FieldBase {
	type: 'choice';
	choices: Choice[];
	default: number;
	/** The value that means "leave as it is" (e.g. 0 "no setting"); it changes nothing on the vehicle. */
	keepValue?: number;
	/**
	 * When set, the UI offers an extra first option with this name that leaves the field out of
	 * the request (the API treats a missing optional field as "leave as it is").
	 */
	omitOption?: { value: string; name: string };
}

/** A whole number within a range. */
export interface IntegerField extends FieldBase {
	type: 'integer';
	min: number;
	max: number;
	default: number;
	unit?: string;
}

export interface TextField extends FieldBase {
	type: 'text';
	pattern: RegExp;
	/** Says in words what `pattern` allows, for error messages and the UI. */
	allowed: string;
	placeholder: string;
}

/** A query flag that is sent only when true. */
export interface FlagField extends FieldBase {
	type: 'flag';
}

export type ScalarField = ChoiceField | IntegerField | TextField | FlagField;

/** A JSON object on the wire (e.g. `sctoMask`), shown as a collection of optional fields. */
export interface ObjectField extends FieldBase {
	type: 'object';
	fields: ScalarField[];
	placeholder: string;
}

export type Field = ScalarField | ObjectField;

export type Resource = 'query' | 'control' | 'setting';

export interface OperationSpec {
	resource: Resource;
	operation: string;
	/** Option name in the operation list. */
	name: string;
	/** Full sentence shown in the node list, e.g. "Unlock a vehicle". */
	action: string;
	description: string;
	method: 'GET' | 'POST';
	path: string;
	/** Models the reference names for the endpoint. */
	models: string;
	/** Top-level parameters (required API fields, and optional ones the contract names). */
	fields: Field[];
	/**
	 * Optional fields sent at the top level of the body, gathered in the UI in a collection
	 * named `additionalFields`.
	 */
	additionalFields?: ScalarField[];
	minFirmware?: number;
	deprecated?: { useInstead: string };
	/**
	 * Whether the request may be sent again when it is unknown if the vehicle carried it out (no
	 * answer in time, the connection cut after sending, 15302 device response timeout). Reading,
	 * and setting a value to a state, may; a command that acts in the street (unlock, lock, a
	 * sound, power, transport mode) may not: repeated later, it could undo what happened since.
	 */
	repeatable: boolean;
}
