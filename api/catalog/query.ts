/**
 * Query operations: read a vehicle's current state (reference section "Query").
 */
import { ALL_MODELS, SCOOTERS } from './fields';
import type { OperationSpec } from './spec';

export const QUERY_OPERATIONS: readonly OperationSpec[] = [
	{
		resource: 'query',
		operation: 'status',
		repeatable: true,
		name: 'Get Status',
		action: 'Get the current status of a vehicle',
		description:
			'Online, locked, charging, battery %, speed mode, speed, odometer and remaining range',
		method: 'GET',
		path: '/api/v2/vehicle/query/current/status',
		models: ALL_MODELS,
		fields: [],
	},
	{
		resource: 'query',
		operation: 'location',
		repeatable: true,
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
	},
	{
		resource: 'query',
		operation: 'batteryInfo',
		repeatable: true,
		name: 'Get Battery Info',
		action: 'Get the battery info of a vehicle',
		description: 'Charging, controller voltage, and per battery its percentage, cycles and temperatures',
		method: 'GET',
		path: '/api/v2/vehicle/query/current/battery-info',
		models: SCOOTERS,
		fields: [],
	},
	{
		resource: 'query',
		operation: 'bluetoothKey',
		repeatable: true,
		name: 'Get Bluetooth Key',
		action: 'Get the bluetooth key of a vehicle',
		description: "The IoT module's 8-character bluetooth key",
		method: 'GET',
		path: '/api/v2/vehicle/query/current/bluetooth-key',
		models: ALL_MODELS,
		fields: [],
	},
];
