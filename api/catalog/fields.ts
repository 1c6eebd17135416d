/**
 * Value lists and field builders that several operations share, and the form of an IoT code.
 * The operations in query.ts, control.ts and setting.ts are declared with these.
 */
import type { ChoiceField, Choice, IntegerField } from './spec';

/** What an IoT code is, checked everywhere one arrives: requests, pushes, stored memories, lists. */
export const IOT_CODE_PATTERN = /^\d{15}$/;
const IOT_CODE_EXAMPLE = '861477038719116';

/** The pattern in words, for refusals; with an example where a person typed the value. */
export const IOT_CODE_ALLOWED = 'the 15-digit IoT IMEI';
export const IOT_CODE_ALLOWED_EXAMPLE = `${IOT_CODE_ALLOWED}, e.g. ${IOT_CODE_EXAMPLE}`;

/**
 * The same for a person in the editor and for a model filling the parameter as a tool
 * (examples/chat-with-your-fleet.json puts this text in its `$fromAI()` calls).
 */
export const IOT_CODE_DESCRIPTION = `The 15-digit IMEI of the vehicle's IoT box, e.g. ${IOT_CODE_EXAMPLE}`;

export const onOff = (offLabel = 'Off', onLabel = 'On'): Choice[] => [
	{ value: 0, name: offLabel },
	{ value: 1, name: onLabel },
];

export const noSettingOffOn: Choice[] = [
	{ value: 0, name: 'No Setting', description: 'Leave the switch as it is' },
	{ value: 1, name: 'Off' },
	{ value: 2, name: 'On' },
];

const soundMaskChoices: Choice[] = [
	{ value: 0, name: 'Disable' },
	{ value: 1, name: 'Enable' },
	{ value: 2, name: 'Keep Original' },
];

export const lightChoices: Choice[] = [
	{ value: 0, name: 'Off' },
	{ value: 1, name: 'On' },
	{ value: 2, name: 'Flicker' },
];

export const speedLimit = (name: string, label: string, dflt: number): IntegerField => ({
	name,
	label,
	type: 'integer',
	min: 6,
	max: 25,
	default: dflt,
	unit: 'km/h',
	optional: true,
	description: `${label} in km/h (6–25)`,
});

export const interval = (name: string, label: string, description: string): IntegerField => ({
	name,
	label,
	type: 'integer',
	min: 10,
	max: 65535,
	default: 900,
	unit: 's',
	optional: true,
	description: `${description}, in seconds (10–65535)`,
});

export const soundMask = (name: string, label: string): ChoiceField => ({
	name,
	label,
	type: 'choice',
	choices: soundMaskChoices,
	default: 2,
	keepValue: 2,
	optional: true,
	description: `Whether the vehicle plays its "${label}" sound`,
});

export const ALL_MODELS = 'all models';
export const SCOOTERS = 'scooters (ES, Max, MaxPro, MaxPlus)';

