/**
 * Every Segway status code of the reference in one table: Appendix 1 plus the codes that only
 * appear in an endpoint's own table (15707, 15990, 15996, 15997). Meanings are the reference's
 * words; hints tell an operator what to do, since "offline device" alone rarely does.
 */
export interface StatusCode {
	meaning: string;
	hint: string;
	/**
	 * What the code says about the request, for retries (api/transport/outcome.ts): refused to
	 * slow us down, surely not carried out, or unknown whether the vehicle acted. Other codes are
	 * about the request itself: sending it again cannot help.
	 */
	outcome?: 'throttled' | 'notCarriedOut' | 'unknown';
}

export const STATUS_CODES: Readonly<Record<number, StatusCode>> = {
	15001: { meaning: 'server error', hint: 'Segway had an internal error; try again later.' },
	15004: {
		meaning: 'parameter error',
		hint: 'A field is missing or out of range; check the values sent.',
	},
	15100: {
		meaning: 'incorrect platform info',
		hint: 'The client ID does not belong to this region; check the credential.',
	},
	15101: {
		meaning: 'token verification failed',
		hint: 'The access token was refused even after fetching a new one; check the credential.',
	},
	15102: {
		meaning: 'device not found',
		hint: 'No vehicle with this IoT code belongs to your platform; check the IMEI.',
	},
	15300: {
		meaning: 'inactive device',
		hint: 'The IoT module has not been activated on the Segway platform.',
	},
	15301: {
		meaning: 'offline device',
		hint: 'The vehicle is not connected (no network, or in transport mode); try when it is online.',
	},
	15302: {
		meaning: 'device response timeout',
		hint: 'The vehicle did not answer in time: it may have carried the request out. Queries and settings are sent again; commands are not (check the vehicle before repeating one).',
		outcome: 'unknown',
	},
	15303: {
		meaning: 'command send failed',
		hint: 'The command could not be delivered to the vehicle; it is sent again.',
		outcome: 'notCarriedOut',
	},
	15400: {
		meaning: 'latest location not found via device',
		hint: 'The vehicle has no GPS fix yet; query again later or without real-time location.',
	},
	15500: {
		meaning: 'device upgrading: command can not be executed',
		hint: 'A firmware upgrade is running; wait until it has finished.',
	},
	15600: {
		meaning: 'lock failed: vehicle is riding',
		hint: 'The vehicle is moving; lock it when the ride has ended.',
	},
	15601: { meaning: 'device lock command failed', hint: 'The vehicle refused to lock.' },
	15602: {
		meaning: 'device lock failed: network error',
		hint: 'The lock command was lost on the mobile network; try again.',
	},
	15611: { meaning: 'device unlock command failed', hint: 'The vehicle refused to unlock.' },
	15612: {
		meaning: 'device unlock failed: network error',
		hint: 'The unlock command was lost on the mobile network; try again.',
	},
	15707: {
		meaning: 'NOT supported by this vehicle or its firmware',
		hint: 'This setting needs a newer IoT firmware (151 or 152, see the field) or another model.',
	},
	15990: {
		meaning: 'API call is restricted, please contact Segway related personnel',
		hint: 'Segway throttled the API calls: the node slows down and sends again until the item deadline; if it persists, lower Max Requests in Flight or contact Segway.',
		outcome: 'throttled',
	},
	15996: {
		meaning: 'device lock failed: denied by geofence strategy',
		hint: 'The vehicle is outside an area where locking is allowed.',
	},
	15997: {
		meaning: 'device lock failed: unable to lock while riding',
		hint: 'The vehicle is moving; lock it when the ride has ended.',
	},
};

export const CODE_TOKEN_INVALID = 15101;

export function describeStatusCode(code: number): StatusCode {
	return STATUS_CODES[code] ?? { meaning: 'unknown Segway status code', hint: 'See the Segway API reference.' };
}

/** Appendix 2: fault codes pushed to `/v2/vehicle/fault` (ES, Max, MaxPro). */
export interface FaultCode {
	system: string;
	description: string;
}

const NO_SYSTEM = '';
const fault = (system: string, description: string): FaultCode => ({ system, description });
const UNDEFINED_FAULT = fault(NO_SYSTEM, 'Undefined');

export const FAULT_CODES: Readonly<Record<number, FaultCode>> = {
	10: fault(NO_SYSTEM, 'Abnormal communication between instrument panel and main control'),
	11: fault('motor', 'Abnormal A phase current sampling of the motor'),
	12: fault('motor', 'Abnormal B phase current sampling of the motor'),
	13: fault('motor', 'Abnormal C phase current sampling of the motor'),
	14: fault(NO_SYSTEM, 'Abnormal accelerator Hall'),
	15: fault(NO_SYSTEM, 'Abnormal left brake Hall'),
	16: fault(NO_SYSTEM, 'Abnormal right brake Hall, this error only would occur on MAX 2.3 plus'),
	17: UNDEFINED_FAULT,
	18: fault(NO_SYSTEM, 'Abnormal motor Hall'),
	19: fault('BMS', 'Battery abnormality in voltage detection'),
	20: UNDEFINED_FAULT,
	21: fault('BMS', 'Battery abnormality in communication'),
	22: fault('BMS', 'Battery password is wrong'),
	23: fault('BMS', 'Battery is in default serial number'),
	24: fault('ECU', 'System voltage detection abnormality'),
	25: fault('ECU', 'Undefined'),
	26: fault('ECU', 'Flash save error'),
	27: fault('ECU', 'Master control password is wrong'),
	28: UNDEFINED_FAULT,
	29: UNDEFINED_FAULT,
	30: UNDEFINED_FAULT,
	31: fault(NO_SYSTEM, 'Program skip error'),
	32: fault(NO_SYSTEM, 'IOT and scooter communication timeout error'),
	33: UNDEFINED_FAULT,
	34: UNDEFINED_FAULT,
	35: fault(NO_SYSTEM, 'Vehicle is in default serial number'),
	36: UNDEFINED_FAULT,
	37: fault(NO_SYSTEM, 'Charging base failure or battery charging wire failure'),
	38: UNDEFINED_FAULT,
	39: fault(NO_SYSTEM, 'Battery temperature sensor abnormality'),
	40: fault(NO_SYSTEM, 'Controller temperature sensor abnormality'),
	41: fault(NO_SYSTEM, 'Over temperature of motor'),
	50: fault(NO_SYSTEM, 'Verfication between battery and controller failed'),
	51: fault(NO_SYSTEM, 'Main controller and goose head doesn’t match with each other'),
	52: fault(
		NO_SYSTEM,
		'The identify code of main controller is not matched with swappable battery lock',
	),
	// The reference's copy ends mid-sentence here: its words are kept and the cut is said, not guessed.
	54: fault(
		NO_SYSTEM,
		'The communication status between main controller and swappable … (text cut short in the Segway reference)',
	),
};

/** Alert codes pushed to `/v2/vehicle/alert`; `alertStatus` 0 = appearing, 1 = disappeared. */
export const ALERT_CODES: Readonly<Record<number, { name: string; appearing: string; disappeared?: string }>> = {
	1: { name: 'illegalMoving', appearing: 'illegal moving', disappeared: 'illegal moving' },
	2: {
		name: 'fellDown',
		appearing: 'vehicle fell down when locked',
		disappeared: 'vehicle fell down',
	},
	3: {
		name: 'illegalDismantling',
		appearing: 'illegal dismantling',
		disappeared: 'illegal dismantling',
	},
	4: { name: 'fellDownWhileUnlocked', appearing: 'vehicle fell down when unlocked' },
	6: { name: 'liftedUp', appearing: 'vehicle was lifted up' },
};
