/**
 * The node's parameters, generated from the operation catalog so that every operation's UI,
 * ranges and wording come from the one declaration the requests and validation also use.
 */
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { IOT_CODE_DESCRIPTION } from '../../api/catalog/fields';
import type { Field, ScalarField } from '../../api/catalog/spec';
import { OPERATIONS, type OperationSpec, type Resource } from '../../api/catalog/operations';
import { describeAllowed } from '../../api/requests';
import { byName, sentences } from '../shared/text';
import { runOptionsProperty } from '../shared/runOptions';

const RESOURCES: ReadonlyArray<{ value: Resource; name: string; description: string }> = [
	{ value: 'query', name: 'Query', description: 'Read the current state of a vehicle' },
	{ value: 'control', name: 'Control', description: 'Send a command to a vehicle' },
	{ value: 'setting', name: 'Setting', description: 'Change the configuration of a vehicle' },
];

function showFor(spec: OperationSpec) {
	return { show: { resource: [spec.resource], operation: [spec.operation] } };
}

function firmwareNote(field: { minFirmware?: number }): string | undefined {
	return field.minFirmware ? `Needs IoT firmware ${field.minFirmware} or newer (older answers 15707)` : undefined;
}

/** Collection options in the order n8n shows them: by display name. */
function byDisplayName(a: INodeProperties, b: INodeProperties): number {
	return a.displayName < b.displayName ? -1 : a.displayName > b.displayName ? 1 : 0;
}

function scalarProperty(field: ScalarField): INodeProperties {
	const base = { displayName: field.label, name: field.name };
	const description = sentences(field.description, firmwareNote(field));
	switch (field.type) {
		case 'choice': {
			const options: INodePropertyOptions[] = field.choices.map((choice) => ({
				name: choice.name,
				value: choice.value,
				...(choice.description ? { description: choice.description } : {}),
			}));
			if (field.omitOption) options.unshift({ name: field.omitOption.name, value: field.omitOption.value });
			return {
				...base,
				type: 'options',
				options,
				default: field.omitOption ? field.omitOption.value : field.default,
				description,
			};
		}
		case 'integer':
			return {
				...base,
				type: 'number',
				typeOptions: { minValue: field.min, maxValue: field.max, numberPrecision: 0 },
				default: field.default,
				description: sentences(field.description, firmwareNote(field), `Allowed: ${describeAllowed(field)}`),
			};
		case 'text':
			return { ...base, type: 'string', default: '', placeholder: field.placeholder, description };
		case 'flag':
			return { ...base, type: 'boolean', default: false, description };
	}
}

function fieldProperty(field: Field): INodeProperties {
	if (field.type !== 'object') return scalarProperty(field);
	return {
		displayName: field.label,
		name: field.name,
		type: 'collection',
		placeholder: field.placeholder,
		default: {},
		description: sentences(field.description, firmwareNote(field)),
		options: field.fields.map(scalarProperty).sort(byDisplayName),
	};
}

function operationProperties(spec: OperationSpec): INodeProperties[] {
	const properties: INodeProperties[] = [];
	if (spec.deprecated) {
		properties.push({
			displayName: `Segway deprecated this endpoint: use the "${
				OPERATIONS.find((op) => op.resource === spec.resource && op.operation === spec.deprecated?.useInstead)?.name
			}" operation instead`,
			name: 'deprecationNotice',
			type: 'notice',
			default: '',
			displayOptions: showFor(spec),
		});
	}
	for (const field of spec.fields) {
		const required = field.type !== 'object' && field.type !== 'flag';
		properties.push({ ...fieldProperty(field), ...(required ? { required } : {}), displayOptions: showFor(spec) });
	}
	if (spec.additionalFields) {
		properties.push({
			displayName: 'Additional Fields',
			name: 'additionalFields',
			type: 'collection',
			placeholder: 'Add Field',
			default: {},
			displayOptions: showFor(spec),
			options: spec.additionalFields.map(scalarProperty).sort(byDisplayName),
		});
	}
	return properties;
}

function operationOption(spec: OperationSpec): INodePropertyOptions {
	return {
		name: spec.name,
		value: spec.operation,
		action: spec.action,
		description: sentences(spec.description, spec.models !== 'all models' && `Models: ${spec.models}`, firmwareNote(spec)),
	};
}

function operationSelectors(): INodeProperties[] {
	return RESOURCES.map(({ value: resource }) => {
		const specs = OPERATIONS.filter((op) => op.resource === resource);
		// The catalog's first operation of a resource stays the default whatever the order shown:
		// a saved workflow that relies on the default keeps its meaning.
		const firstOperation = specs[0].operation;
		const selector: INodeProperties = {
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: [resource] } },
			options: specs.map(operationOption).sort(byName),
			default: firstOperation,
		};
		return selector;
	});
}

/** The node's subtitle on the canvas: the operation's name (Query: Get Status), not its internal value. */
export function subtitle(): string {
	const names = Object.fromEntries(OPERATIONS.map((op) => [`${op.resource}.${op.operation}`, `${RESOURCES.find((r) => r.value === op.resource)?.name}: ${op.name}`]));
	return `={{ ${JSON.stringify(names)}[$parameter["resource"] + "." + $parameter["operation"]] }}`;
}

export const properties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: RESOURCES.map(({ value, name, description }) => ({ name, value, description })),
		default: 'query',
	},
	...operationSelectors(),
	{
		displayName: 'IoT Code',
		name: 'iotCode',
		type: 'string',
		required: true,
		default: '',
		placeholder: '861477038719116',
		description: IOT_CODE_DESCRIPTION,
	},
	...OPERATIONS.flatMap(operationProperties),
	runOptionsProperty,
];
