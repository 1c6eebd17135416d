/**
 * The status codes each endpoint may answer besides success, as the reference's "False" table
 * of each endpoint lists them (15101 and 15004 are possible everywhere). Only the simulator
 * needs them: it answers no code an endpoint does not list.
 */
import { OPERATIONS, type OperationSpec } from '../api/catalog/operations';

/** `resource.operation`, e.g. `control.unlock`: how the request log and these tables name an operation. */
export function operationKey(spec: Pick<OperationSpec, 'resource' | 'operation'>): string {
	return `${spec.resource}.${spec.operation}`;
}

/** A missing or malformed field: every endpoint can answer it, as it can 15101. */
export const CODE_PARAMETER_ERROR = 15004;

const QUERY = [15101, 15004, 15001, 15102, 15300, 15301, 15302, 15303];
const COMMAND = [...QUERY, 15500];

const ENDPOINT_CODES: Readonly<Record<string, readonly number[]>> = {
	'query.status': QUERY,
	'query.location': [...QUERY, 15400],
	'query.batteryInfo': QUERY,
	'query.bluetoothKey': [...QUERY, 15400],
	'control.unlock': [...COMMAND, 15611, 15612, 15990],
	'control.lock': [...COMMAND, 15600, 15601, 15602, 15996, 15997, 15990],
	'control.light': COMMAND,
	'control.headlight': COMMAND,
	'control.lightFlicker': COMMAND,
	'control.throttleResponse': COMMAND,
	'control.sound': COMMAND,
	'control.power': COMMAND,
	// The reference's transport-mode table has no 15302.
	'control.wholeShutdown': [15101, 15004, 15001, 15102, 15300, 15301, 15303, 15500],
	'setting.switch': COMMAND,
	'setting.ableSwitch': [...COMMAND, 15707],
	'setting.scooter': COMMAND,
	'setting.sound': [...COMMAND, 15707],
	'setting.speedMode': COMMAND,
	'setting.bluetoothKey': COMMAND,
	'setting.interval': [...COMMAND, 15707],
};

for (const spec of OPERATIONS) {
	if (!ENDPOINT_CODES[operationKey(spec)]) throw new Error(`no endpoint codes for ${operationKey(spec)}`);
}

export function endpointCodes(spec: OperationSpec): readonly number[] {
	return ENDPOINT_CODES[operationKey(spec)];
}
