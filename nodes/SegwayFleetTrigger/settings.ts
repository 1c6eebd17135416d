/** The push trigger's parameters, read and checked once per push and at activation. */
import { NodeOperationError, type IHookFunctions, type IWebhookFunctions } from 'n8n-workflow';

import { PUSH_EVENTS, type PushEvent } from '../../api/catalog/pushes';
import { NodeParameters } from '../shared/parameters';
import { readFreshness, type FreshnessLimits } from '../shared/rules/freshness';
import { activeRules, clockOf, decideOverdue, startsRuns, watchesTime, type ActiveRule } from './decide';
import type { TimeRules } from './memory';
import { triggerProperties } from './description';

export interface TriggerSettings {
	events: readonly PushEvent[];
	rules: ActiveRule[];
	freshness: FreshnessLimits;
	/** Where a rule judges vehicles by time (silence): the memory's view of those rules. */
	time?: TimeRules;
}

const FIX = 'Fix the parameter in the Segway Fleet Trigger; pushes are answered 500 until then, so Segway resends none of them successfully.';

export function readSettings(ctx: IWebhookFunctions | IHookFunctions): TriggerSettings {
	const read = new NodeParameters(ctx, triggerProperties, FIX);
	const events = read.subsetOf('events', PUSH_EVENTS);
	const rules = activeRules(read, events);
	if (events.length === 0 && !rules.some((active) => PUSH_EVENTS.some((event) => startsRuns(active, event)))) {
		throw new NodeOperationError(ctx.getNode(), 'Events is empty and neither Zone Rules nor Silent Vehicles is set: nothing could start the workflow', { description: FIX });
	}
	return { events, rules, freshness: readFreshness(read), time: timeRules(rules) };
}

function timeRules(rules: readonly ActiveRule[]): TimeRules | undefined {
	if (!watchesTime(rules)) return undefined;
	return { clockOf: (vehicle) => clockOf(rules, vehicle), overdue: (vehicle, now) => decideOverdue(rules, vehicle, now) };
}
