/**
 * The trigger's parameters read into checked values. A parameter set by an expression can give
 * anything ("20" from $vars, "abc"): numbers are read as numbers and range-checked, choices are
 * checked against their options, and a wrong value is a clear error at activation and on a push,
 * never a silent string.
 */
import { NodeOperationError, type IHookFunctions, type IPollFunctions, type IWebhookFunctions } from 'n8n-workflow';

import { PUSH_EVENTS, type PushEvent } from '../../api/catalog/pushes';
import { parseBoolean, parseNumber } from '../../api/values';
import { NUMBER_PARAMETERS, type NumberParameter } from './description';
import { WATCHABLE_STATES, type CodeFilter, type CodeStatus, type StatusSettings } from './filters';
import type { FreshnessLimits } from './freshness';


export type LocationSettings = { mode: 'all' } | { mode: 'movedWhileLocked'; distanceMetres: number };

export interface TriggerSettings {
	events: readonly PushEvent[];
	alert: CodeFilter;
	fault: CodeFilter;
	status: StatusSettings;
	location: LocationSettings;
	/** Whether alert, fault and status items get the vehicle's last known location. */
	lastLocation: boolean;
	freshness: FreshnessLimits;
}

/** The poll trigger reads its status filter through the same functions. */
type Context = IWebhookFunctions | IHookFunctions | IPollFunctions;

const CODE_STATUSES: readonly CodeStatus[] = ['any', 'appearing', 'disappeared'];
export const STATUS_MODES = ['all', 'batteryLow', 'stateChange'] as const;
const LOCATION_MODES = ['all', 'movedWhileLocked'] as const;

export function readSettings(ctx: Context): TriggerSettings {
	return {
		events: subsetOf(ctx, 'events', 'Events', PUSH_EVENTS, PUSH_EVENTS),
		alert: codeFilter(ctx, 'alert'),
		fault: codeFilter(ctx, 'fault'),
		status: readStatusSettings(ctx, 'Status Pushes'),
		location: locationSettings(ctx),
		lastLocation: booleanParameter(ctx, 'options.lastLocation', 'Add Last Known Location', true),
		freshness: {
			maxAgeMs: numberParameter(ctx, 'maxPushAge', 'options.maxPushAge') * 1000,
			skewMs: numberParameter(ctx, 'clockSkew', 'options.clockSkew') * 1000,
		},
	};
}

/** The status filter: `label` is what the node calls its mode parameter. */
export function readStatusSettings(ctx: Context, label: string): StatusSettings {
	const mode = oneOf(ctx, 'statusMode', label, STATUS_MODES, 'all');
	switch (mode) {
		case 'batteryLow': {
			const threshold = numberParameter(ctx, 'batteryThreshold');
			return { mode, threshold, rearmAt: threshold + numberParameter(ctx, 'batteryRearmMargin') };
		}
		case 'stateChange': {
			const emitFirst = booleanParameter(ctx, 'emitFirstState', 'Fire on First Push of a Vehicle', false);
			return { mode, watched: subsetOf(ctx, 'watchedStates', 'Watched States', WATCHABLE_STATES, WATCHABLE_STATES), emitFirst };
		}
		default:
			return { mode: 'all' };
	}
}

function locationSettings(ctx: Context): LocationSettings {
	const mode = oneOf(ctx, 'locationMode', 'Location Pushes', LOCATION_MODES, 'all');
	return mode === 'movedWhileLocked' ? { mode, distanceMetres: numberParameter(ctx, 'movedDistance') } : { mode };
}

function booleanParameter(ctx: Context, path: string, label: string, dflt: boolean): boolean {
	const raw = ctx.getNodeParameter(path, dflt) as unknown;
	const value = parseBoolean(raw);
	if (value === undefined) throw invalid(ctx, label, raw, 'true or false');
	return value;
}

function codeFilter(ctx: Context, event: 'alert' | 'fault'): CodeFilter {
	const label = event === 'alert' ? 'Alert Codes' : 'Fault Codes';
	const raw = ctx.getNodeParameter(`${event}Codes`, []) as unknown;
	const list = Array.isArray(raw) ? raw : [raw];
	const codes = list.map((value) => {
		const code = parseNumber(value);
		if (code === undefined || !Number.isInteger(code)) throw invalid(ctx, label, raw, 'a list of whole-number codes');
		return code;
	});
	const status = oneOf(ctx, `${event}Status`, event === 'alert' ? 'Alert Status' : 'Fault Status', CODE_STATUSES, 'any');
	return { codes, status };
}

function numberParameter(ctx: Context, name: NumberParameter, path: string = name): number {
	const { displayName, default: dflt, min, max } = NUMBER_PARAMETERS[name];
	const raw = ctx.getNodeParameter(path, dflt) as unknown;
	const value = parseNumber(raw);
	if (value === undefined || value < min || value > max) throw invalid(ctx, displayName, raw, `a number from ${min} to ${max}`);
	return value;
}

function oneOf<T extends string>(ctx: Context, name: string, label: string, allowed: readonly T[], dflt: T): T {
	const raw = ctx.getNodeParameter(name, dflt) as unknown;
	if (typeof raw !== 'string' || !(allowed as readonly string[]).includes(raw)) throw invalid(ctx, label, raw, `one of ${allowed.join(', ')}`);
	return raw as T;
}

function subsetOf<T extends string>(ctx: Context, name: string, label: string, allowed: readonly T[], dflt: readonly T[]): T[] {
	const raw = ctx.getNodeParameter(name, dflt as T[]) as unknown;
	const list = Array.isArray(raw) ? raw : [raw];
	if (!list.every((value) => typeof value === 'string' && (allowed as readonly string[]).includes(value))) {
		throw invalid(ctx, label, raw, `any of ${allowed.join(', ')}`);
	}
	return list as T[];
}

function invalid(ctx: Context, label: string, value: unknown, allowed: string): NodeOperationError {
	const polling = typeof (ctx as Partial<IPollFunctions>).__emit === 'function';
	return new NodeOperationError(ctx.getNode(), `${label} is ${JSON.stringify(value) ?? String(value)}: expected ${allowed}`, {
		description: polling
			? 'Fix the parameter in the Segway Fleet Poll Trigger; no vehicle is queried until then.'
			: 'Fix the parameter in the Segway Fleet Trigger; pushes are answered 500 until then, so Segway resends none of them successfully.',
	});
}
