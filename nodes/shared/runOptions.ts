/**
 * The node's run options (its "Options" collection): one table gives the UI its limits and
 * defaults and checks what a run gets, so an expression giving "abc" or 99 retries is a clear
 * error instead of NaN workers or a timer that overflows.
 */
import { NodeOperationError, type INodeProperties } from 'n8n-workflow';

import type { SegwayContext, SendPolicy } from '../../api/transport/send';
import { describeValue } from '../../api/describe';
import { parseNumber } from '../../api/values';

interface RunOption {
	displayName: string;
	default: number;
	min: number;
	max: number;
	description: string;
}

export const RUN_OPTIONS = {
	concurrency: {
		displayName: 'Max Requests in Flight',
		default: 50,
		min: 1,
		max: 500,
		description:
			'How many requests are sent at the same time at most when the node gets many items. When Segway throttles (15990 or HTTP 429) the node halves it for a while and raises it again as answers succeed.',
	},
	itemDeadline: {
		displayName: 'Item Deadline (Seconds)',
		default: 60,
		min: 5,
		max: 600,
		description: 'How long one item may take in all, retries and waits included; then it fails with what happened',
	},
	requestTimeout: {
		displayName: 'Request Timeout (Seconds)',
		default: 15,
		min: 1,
		max: 120,
		description: 'How long to wait for Segway to answer one request',
	},
	retries: {
		displayName: 'Retries on Transient Errors',
		default: 3,
		min: 0,
		max: 10,
		description:
			'How often a failed request is sent again when that is safe: always when Segway surely did not carry it out (no connection, 15303, HTTP 503); after an unknown outcome (no answer, 15302) only for queries and settings, never for commands such as unlock. 0 turns retries off.',
	},
	retryDelay: {
		displayName: 'Retry Delay (Ms)',
		default: 500,
		min: 0,
		max: 60_000,
		description: 'Wait before the first retry; it doubles with every further retry',
	},
} as const satisfies Record<string, RunOption>;

type RunOptionName = keyof typeof RUN_OPTIONS;

export const runOptionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: (Object.keys(RUN_OPTIONS) as RunOptionName[])
		.map((name): INodeProperties => {
			const { displayName, default: dflt, min, max, description } = RUN_OPTIONS[name];
			return { displayName, name, type: 'number', typeOptions: { minValue: min, maxValue: max, numberPrecision: 0 }, default: dflt, description };
		})
		.sort((a, b) => a.displayName.localeCompare(b.displayName)),
};

export interface RunSettings {
	concurrency: number;
	policy: SendPolicy;
}

/** The options as whole numbers in their ranges; a NodeOperationError naming the option otherwise. */
export function readRunOptions(ctx: SegwayContext): RunSettings {
	const raw = ctx.getNodeParameter('options', 0, {}) as Record<string, unknown>;
	const value = (name: RunOptionName): number => {
		const { displayName, default: dflt, min, max } = RUN_OPTIONS[name];
		const given = raw[name] ?? dflt;
		const n = parseNumber(given);
		if (n === undefined || !Number.isInteger(n) || n < min || n > max) {
			throw new NodeOperationError(ctx.getNode(), `${displayName} is ${describeValue(given)}: expected a whole number from ${min} to ${max}`, {
				description: 'Fix the option in the Segway Fleet node; nothing was sent to Segway.',
			});
		}
		return n;
	};
	return {
		concurrency: value('concurrency'),
		policy: {
			retries: value('retries'),
			retryDelayMs: value('retryDelay'),
			requestTimeoutMs: value('requestTimeout') * 1000,
			itemDeadlineMs: value('itemDeadline') * 1000,
		},
	};
}
