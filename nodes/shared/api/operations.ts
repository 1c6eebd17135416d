/**
 * The Segway API-Max operations, declared once. The action node's UI, its validation and its
 * requests, and the simulator's routes and parameter checks, are all derived from this table.
 * Texts, ranges and firmware notes are the reference's.
 */

export type Resource = 'query' | 'control' | 'setting';

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
	/** Status codes the reference lists for this endpoint besides success. */
	errors: number[];
	minFirmware?: number;
	deprecated?: { useInstead: string };
}

export const IOT_CODE_PATTERN = /^\d{15}$/;

const onOff = (offLabel = 'Off', onLabel = 'On'): Choice[] => [
	{ value: 0, name: offLabel },
	{ value: 1, name: onLabel },
];

const noSettingOffOn: Choice[] = [
	{ value: 0, name: 'No Setting', description: 'Leave the switch as it is' },
	{ value: 1, name: 'Off' },
	{ value: 2, name: 'On' },
];

const soundMaskChoices: Choice[] = [
	{ value: 0, name: 'Disable' },
	{ value: 1, name: 'Enable' },
	{ value: 2, name: 'Keep Original' },
];

const lightChoices: Choice[] = [
	{ value: 0, name: 'Off' },
	{ value: 1, name: 'On' },
	{ value: 2, name: 'Flicker' },
];

const speedLimit = (name: string, label: string, dflt: number): IntegerField => ({
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

const interval = (name: string, label: string, description: string): IntegerField => ({
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

const soundMask = (name: string, label: string): ChoiceField => ({
	name,
	label,
	type: 'choice',
	choices: soundMaskChoices,
	default: 2,
	keepValue: 2,
	optional: true,
	description: `Whether the vehicle plays its "${label}" sound`,
});

const QUERY_ERRORS = [15101, 15004, 15001, 15102, 15300, 15301, 15302, 15303];
const COMMAND_ERRORS = [...QUERY_ERRORS, 15500];

const ALL_MODELS = 'all models';
const SCOOTERS = 'scooters (ES, Max, MaxPro, MaxPlus)';

export const OPERATIONS: readonly OperationSpec[] = [
	// ── Query ───────────────────────────────────────────────────────────────────────────────
	{
		resource: 'query',
		operation: 'status',
		name: 'Get Status',
		action: 'Get the current status of a vehicle',
		description:
			'Online, locked, charging, battery %, speed mode, speed, odometer and remaining range',
		method: 'GET',
		path: '/api/v2/vehicle/query/current/status',
		models: ALL_MODELS,
		fields: [],
		errors: QUERY_ERRORS,
	},
	{
		resource: 'query',
		operation: 'location',
		name: 'Get Location',
		action: 'Get the current location of a vehicle',
		description: 'Latitude and longitude (WGS84), satellites, HDOP, altitude and GPS time',
		method: 'GET',
		path: '/api/v2/vehicle/query/current/location',
		models: ALL_MODELS,
		fields: [
			{
				name: 'realTimeLocation',
				label: 'Real-Time Location',
				type: 'flag',
				optional: true,
				description:
					'Whether to ask the vehicle for a fresh fix instead of its last reported location',
			},
		],
		errors: [...QUERY_ERRORS, 15400],
	},
	{
		resource: 'query',
		operation: 'batteryInfo',
		name: 'Get Battery Info',
		action: 'Get the battery info of a vehicle',
		description: 'Charging, controller voltage, and per battery its percentage, cycles and temperatures',
		method: 'GET',
		path: '/api/v2/vehicle/query/current/battery-info',
		models: SCOOTERS,
		fields: [],
		errors: QUERY_ERRORS,
	},
	{
		resource: 'query',
		operation: 'bluetoothKey',
		name: 'Get Bluetooth Key',
		action: 'Get the bluetooth key of a vehicle',
		description: "The IoT module's 8-character bluetooth key",
		method: 'GET',
		path: '/api/v2/vehicle/query/current/bluetooth-key',
		models: ALL_MODELS,
		fields: [],
		errors: [...QUERY_ERRORS, 15400],
	},
	// ── Control ─────────────────────────────────────────────────────────────────────────────
	{
		resource: 'control',
		operation: 'unlock',
		name: 'Unlock',
		action: 'Unlock a vehicle',
		description: 'Unlock the vehicle so that it can be ridden',
		method: 'POST',
		path: '/api/v2/vehicle/control/unlock',
		models: ALL_MODELS,
		fields: [],
		errors: [...COMMAND_ERRORS, 15611, 15612, 15990],
	},
	{
		resource: 'control',
		operation: 'lock',
		name: 'Lock',
		action: 'Lock a vehicle',
		description: 'Lock the vehicle; refused while it is being ridden',
		method: 'POST',
		path: '/api/v2/vehicle/control/lock',
		models: ALL_MODELS,
		fields: [],
		errors: [...COMMAND_ERRORS, 15600, 15601, 15602, 15996, 15997, 15990],
	},
	{
		resource: 'control',
		operation: 'light',
		name: 'Set Lights',
		action: 'Set the lights of a vehicle',
		description: 'Turn the head and tail lights off, on, or flickering',
		method: 'POST',
		path: '/api/v2/vehicle/control/light',
		models: SCOOTERS,
		fields: [
			{
				name: 'headLight',
				label: 'Head Light',
				type: 'choice',
				choices: lightChoices,
				default: 1,
				omitOption: { value: 'unchanged', name: 'Unchanged' },
				optional: true,
				description: 'State of the head light; "Unchanged" leaves it out of the command',
			},
			{
				name: 'tailLight',
				label: 'Tail Light',
				type: 'choice',
				choices: lightChoices,
				default: 1,
				omitOption: { value: 'unchanged', name: 'Unchanged' },
				optional: true,
				description: 'State of the tail light; "Unchanged" leaves it out of the command',
			},
		],
		errors: COMMAND_ERRORS,
	},
	{
		resource: 'control',
		operation: 'headlight',
		name: 'Set Headlight (Deprecated)',
		action: 'Set the headlight of a vehicle (deprecated)',
		description: 'Deprecated by Segway: use "Set Lights" instead',
		method: 'POST',
		path: '/api/v2/vehicle/control/headlight',
		models: ALL_MODELS,
		fields: [
			{
				name: 'controlType',
				label: 'Headlight',
				type: 'choice',
				choices: onOff('Turn Off', 'Turn On'),
				default: 1,
				description: 'Turn the headlight off or on',
			},
		],
		errors: COMMAND_ERRORS,
		deprecated: { useInstead: 'light' },
	},
	{
		resource: 'control',
		operation: 'lightFlicker',
		name: 'Set Light Flicker (Deprecated)',
		action: 'Set the light flicker of a vehicle (deprecated)',
		description: 'Deprecated by Segway: use "Set Lights" instead',
		method: 'POST',
		path: '/api/v2/vehicle/control/light-flicker',
		models: ALL_MODELS,
		fields: [
			{
				name: 'headLightFlicker',
				label: 'Head Light Flicker',
				type: 'choice',
				choices: onOff('Turn Off', 'Turn On'),
				default: 0,
				description: 'Turn the head light flicker off or on',
			},
			{
				name: 'tailLightFlicker',
				label: 'Tail Light Flicker',
				type: 'choice',
				choices: onOff('Turn Off', 'Turn On'),
				default: 0,
				description: 'Turn the tail light flicker off or on',
			},
		],
		errors: COMMAND_ERRORS,
		deprecated: { useInstead: 'light' },
	},
	{
		resource: 'control',
		operation: 'throttleResponse',
		name: 'Set Throttle Response',
		action: 'Set the throttle response of a vehicle',
		description: 'Turn the throttle response off or on',
		method: 'POST',
		path: '/api/v2/vehicle/control/throttle-response',
		models: 'ES, Max, MaxPro, MaxPlus, E-moped',
		fields: [
			{
				name: 'controlType',
				label: 'Throttle Response',
				type: 'choice',
				choices: onOff('Turn Off', 'Turn On'),
				default: 1,
				description: 'Turn the throttle response off or on',
			},
		],
		errors: COMMAND_ERRORS,
	},
	{
		resource: 'control',
		operation: 'sound',
		name: 'Play Sound',
		action: 'Play a sound on a vehicle',
		description: 'Play the out-of-geofence, toot or low-battery sound',
		method: 'POST',
		path: '/api/v2/vehicle/control/sound',
		models: ALL_MODELS,
		fields: [
			{
				name: 'controlType',
				label: 'Sound',
				type: 'choice',
				choices: [
					{ value: 1, name: 'Out of Geofence', description: 'Driving out of the geofence' },
					{ value: 2, name: 'Toot', description: 'Find the vehicle by its sound' },
					{ value: 3, name: 'Low Battery', description: 'Low battery percentage' },
				],
				default: 2,
				description: 'Which sound to play',
			},
		],
		errors: COMMAND_ERRORS,
	},
	{
		resource: 'control',
		operation: 'power',
		name: 'Power On or Off',
		action: 'Power a vehicle on or off',
		description: 'Power the vehicle off or on',
		method: 'POST',
		path: '/api/v2/vehicle/control/power',
		models: SCOOTERS,
		fields: [
			{
				name: 'controlType',
				label: 'Power',
				type: 'choice',
				choices: onOff('Power Off', 'Power On'),
				default: 1,
				description: 'Power the vehicle off or on',
			},
		],
		errors: COMMAND_ERRORS,
	},
	{
		resource: 'control',
		operation: 'wholeShutdown',
		name: 'Enter Transport Mode',
		action: 'Put a vehicle into transport mode',
		description:
			'Power the vehicle off into transport mode, where it stays offline: for vehicles kept in the warehouse for months',
		method: 'POST',
		path: '/api/v2/vehicle/control/whole-shutdown',
		models: SCOOTERS,
		fields: [],
		errors: [15101, 15004, 15001, 15102, 15300, 15301, 15303, 15500],
	},
	// ── Setting ─────────────────────────────────────────────────────────────────────────────
	{
		resource: 'setting',
		operation: 'switch',
		name: 'Set Alert Sensitivity',
		action: 'Set the alert sensitivity of a vehicle',
		description: 'Set how strongly the vehicle must be moved before it raises an alert',
		method: 'POST',
		path: '/api/v2/vehicle/setting/switch',
		models: ALL_MODELS,
		fields: [
			{
				name: 'alertSensitivity',
				label: 'Alert Sensitivity',
				type: 'integer',
				min: 1,
				max: 3,
				default: 2,
				optional: true,
				description: 'Alert strength from 1 to 3',
			},
		],
		errors: COMMAND_ERRORS,
	},
	{
		resource: 'setting',
		operation: 'ableSwitch',
		name: 'Enable or Disable Switches',
		action: 'Enable or disable switches of a vehicle',
		description: 'Switch the power-assisted push mode and the buzzer off or on',
		method: 'POST',
		path: '/api/v2/vehicle/setting/able-switch',
		models: ALL_MODELS,
		fields: [
			{
				name: 'assistedMode',
				label: 'Assisted Mode',
				type: 'choice',
				choices: noSettingOffOn,
				default: 0,
				keepValue: 0,
				optional: true,
				minFirmware: 151,
				description: 'Power-assisted manual push mode',
			},
			{
				name: 'buzzer',
				label: 'Buzzer',
				type: 'choice',
				choices: noSettingOffOn,
				default: 0,
				keepValue: 0,
				optional: true,
				minFirmware: 152,
				description: 'The buzzer',
			},
		],
		errors: [...COMMAND_ERRORS, 15707],
	},
	{
		resource: 'setting',
		operation: 'scooter',
		name: 'Set Scooter Settings',
		action: 'Change the settings of a scooter',
		description: 'BSS display, cruise control, speed-mode button and the speed limits of each mode',
		method: 'POST',
		path: '/api/v2/vehicle/setting/scooter',
		models: SCOOTERS,
		fields: [],
		additionalFields: [
			{
				name: 'bssDisplay',
				label: 'BSS Display',
				type: 'choice',
				choices: onOff('Turn Off', 'Turn On'),
				default: 0,
				optional: true,
				description: 'Display the speed as BSS (British Standard speed)',
			},
			{
				name: 'cruiseControl',
				label: 'Cruise Control',
				type: 'choice',
				choices: onOff('Turn Off', 'Turn On'),
				default: 0,
				optional: true,
				description: 'Cruise control',
			},
			{
				name: 'buttonSwitchSpeedMode',
				label: 'Button Switches Speed Mode',
				type: 'choice',
				choices: onOff('Turn Off', 'Turn On'),
				default: 0,
				optional: true,
				description: 'Whether the rider can switch the speed mode with the button',
			},
			speedLimit('lowSpeedLimit', 'Low Speed Limit', 6),
			speedLimit('mediumSpeedLimit', 'Medium Speed Limit', 18),
			speedLimit('highSpeedLimit', 'High Speed Limit', 25),
		],
		errors: COMMAND_ERRORS,
	},
	{
		resource: 'setting',
		operation: 'sound',
		name: 'Set Sound Settings',
		action: 'Change the sound settings of a vehicle',
		description: 'Turn the vehicle sound off or on, and choose which sounds it plays',
		method: 'POST',
		path: '/api/v2/vehicle/setting/sound',
		models: ALL_MODELS,
		fields: [
			{
				name: 'workMode',
				label: 'Work Mode',
				type: 'choice',
				choices: noSettingOffOn,
				default: 0,
				keepValue: 0,
				description: 'The device sound as a whole',
			},
			{
				name: 'sctoMask',
				label: 'Sounds',
				type: 'object',
				placeholder: 'Add Sound',
				optional: true,
				minFirmware: 152,
				description: 'Which sounds the vehicle plays',
				fields: [
					soundMask('powerOn', 'Power On'),
					soundMask('powerOff', 'Power Off'),
					soundMask('locked', 'Locked'),
					soundMask('unlocked', 'Unlocked'),
					soundMask('lostHeartbeat', 'Lost Heartbeat'),
					soundMask('outofGeofence', 'Out of Geofence'),
					soundMask('intoGeofence', 'Into Geofence'),
					soundMask('alarm', 'Alarm'),
					soundMask('locating', 'Locating'),
					soundMask('beep', 'Beep'),
				],
			},
		],
		errors: [...COMMAND_ERRORS, 15707],
	},
	{
		resource: 'setting',
		operation: 'speedMode',
		name: 'Set Speed Mode',
		action: 'Set the speed mode of a vehicle',
		description: 'Low, medium or high speed mode',
		method: 'POST',
		path: '/api/v2/vehicle/setting/speed-mode',
		models: SCOOTERS,
		fields: [
			{
				name: 'speedMode',
				label: 'Speed Mode',
				type: 'choice',
				choices: [
					{ value: 1, name: 'Low' },
					{ value: 2, name: 'Medium' },
					{ value: 3, name: 'High' },
				],
				default: 1,
				description: 'The speed mode to set',
			},
		],
		errors: COMMAND_ERRORS,
	},
	{
		resource: 'setting',
		operation: 'bluetoothKey',
		name: 'Set Bluetooth Key',
		action: 'Set the bluetooth key of a vehicle',
		description: "Set the IoT module's bluetooth key",
		method: 'POST',
		path: '/api/v2/vehicle/setting/bluetooth-key',
		models: ALL_MODELS,
		fields: [
			{
				name: 'key',
				label: 'Key',
				type: 'text',
				pattern: /^[A-Za-z0-9]{8}$/,
				allowed: 'exactly 8 letters and digits, e.g. abcd1234',
				placeholder: 'abcd1234',
				description: 'The new bluetooth key: 8 letters and digits',
			},
		],
		errors: COMMAND_ERRORS,
	},
	{
		resource: 'setting',
		operation: 'interval',
		name: 'Set Upload Intervals',
		action: 'Set the upload intervals of a vehicle',
		description: 'How often the vehicle pushes its location and status',
		method: 'POST',
		path: '/api/v2/vehicle/setting/interval',
		models: ALL_MODELS,
		minFirmware: 152,
		fields: [
			{
				name: 'locationInterval',
				label: 'Location Interval',
				type: 'object',
				placeholder: 'Add Location Interval',
				// Not marked optional in the field table, but the reference's own example body is `{}`.
				optional: true,
				description: 'How often the location is pushed',
				fields: [
					interval('unlockStatus', 'While Unlocked', 'Location push interval while unlocked'),
					interval('lockStatus', 'While Locked', 'Location push interval while locked'),
				],
			},
			{
				name: 'statusInterval',
				label: 'Status Interval',
				type: 'object',
				placeholder: 'Add Status Interval',
				optional: true,
				description: 'How often the status is pushed',
				fields: [
					interval('ridingStatus', 'While Riding', 'Status push interval while riding'),
					interval('nonRiding', 'While Not Riding', 'Status push interval while unlocked but not riding'),
					interval('lockStatus', 'While Locked', 'Status push interval while locked'),
				],
			},
		],
		errors: [...COMMAND_ERRORS, 15707],
	},
];

export function findOperation(resource: string, operation: string): OperationSpec | undefined {
	return OPERATIONS.find((op) => op.resource === resource && op.operation === operation);
}
