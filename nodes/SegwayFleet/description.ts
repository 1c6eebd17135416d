/**
 * The node's parameters, generated from the operation catalog so that every operation's UI,
 * ranges and wording come from the one declaration the requests and validation also use.
 */
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import type { Field, ScalarField } from '../../api/catalog/spec';
import { OPERATIONS, type OperationSpec, type Resource } from '../../api/catalog/operations';
import { describeAllowed } from '../../api/requests';
import { runOptionsProperty } from './runOptions';

const RESOURCES: ReadonlyArray<{ value: Resource; name: string; description: string }> = [
	{ value: 'query', name: 'Query', description: 'Read the current state of a vehicle' },
	{ value: 'control', name: 'Control', description: 'Send a command to a vehicle' },
	{ value: 'setting', name: 'Setting', description: 'Change the configuration of a vehicle' },
];

function showFor(spec: OperationSpec) {
	return { show: { resource: [spec.resource], operation: [spec.operation] } };
}

function firmwareNote(field: { minFirmware?: number }): string {
	return field.minFirmware ? ` Needs IoT firmware ${field.minFirmware} or newer (older answers 15707).` : '';
}

function scalarProperty(field: ScalarField): INodeProperties {
	const base = { displayName: field.label, name: field.name };
	const description = `${field.description}.${firmwareNote(field)}`;
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
				description: `${description} Allowed: ${describeAllowed(field)}.`,
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
		description: `${field.description}.${firmwareNote(field)}`,
		options: field.fields.map(scalarProperty),
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
		properties.push({ ...fieldProperty(field), required: field.type !== 'object' && field.type !== 'flag', displayOptions: showFor(spec) });
	}
	if (spec.additionalFields) {
		properties.push({
			displayName: 'Additional Fields',
			name: 'additionalFields',
			type: 'collection',
			placeholder: 'Add Field',
			default: {},
			displayOptions: showFor(spec),
			options: spec.additionalFields.map(scalarProperty),
		});
	}
	return properties;
}

function operationOption(spec: OperationSpec): INodePropertyOptions {
	const models = spec.models === 'all models' ? '' : ` Models: ${spec.models}.`;
	return {
		name: spec.name,
		value: spec.operation,
		action: spec.action,
		description: `${spec.description}.${models}${firmwareNote(spec)}`,
	};
}

function operationSelectors(): INodeProperties[] {
	return RESOURCES.map(({ value: resource }) => {
		const specs = OPERATIONS.filter((op) => op.resource === resource);
		const firstOperation = specs[0].operation;
		const selector: INodeProperties = {
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: [resource] } },
			options: specs.map(operationOption),
			default: firstOperation,
		};
		return selector;
	});
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
		description: 'The IoT IMEI of the vehicle: 15 digits',
	},
	...OPERATIONS.flatMap(operationProperties),
	runOptionsProperty,
];
