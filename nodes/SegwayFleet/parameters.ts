/**
 * Reading a node parameter for an item, with one shortcut. n8n 2.x evaluates every expression
 * in an isolated sandbox, which costs every item of a large run its share of CPU before the first
 * request goes out (README: Performance). An expression that only reads a field of the
 * item (`{{ $json.iotCode }}`, `{{ $json.vehicle.imei }}`) is read straight from the item, which
 * is what n8n's evaluation of it gives; anything else goes through n8n.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

const ITEM_FIELD = /^=\{\{\s*\$json((?:\.[A-Za-z_$][\w$]*)+)\s*\}\}$/;

export function itemParameter(ctx: IExecuteFunctions, items: INodeExecutionData[], name: string, itemIndex: number, fallback?: unknown): unknown {
	const raw = ctx.getNodeParameter(name, itemIndex, fallback, { rawExpressions: true }) as unknown;
	const match = typeof raw === 'string' ? ITEM_FIELD.exec(raw) : null;
	if (match === null) return ctx.getNodeParameter(name, itemIndex, fallback) as unknown;
	let value: unknown = items[itemIndex]?.json;
	for (const key of match[1].slice(1).split('.')) {
		if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
		value = (value as IDataObject)[key];
	}
	return value;
}
