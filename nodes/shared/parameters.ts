/**
 * A node's parameters read into checked values. A parameter set by an expression can give
 * anything ("20" from $vars, "abc"): numbers are read as numbers and range-checked, choices are
 * checked against their options, and a wrong value is an error naming the parameter, the value
 * and what is allowed, never a silent string; the value only described (api/describe.ts), since an
 * expression may hand over a whole record or a key. The label, default and range come from the
 * parameter's declaration, so what the editor offers and what is checked cannot drift apart.
 */
import { NodeOperationError, type IHookFunctions, type INodeProperties, type IPollFunctions, type IWebhookFunctions } from 'n8n-workflow';

import { describeJsonProblem, describeValue } from '../../api/describe';
import { parseBoolean, parseNumber } from '../../api/values';

type Context = IWebhookFunctions | IHookFunctions | IPollFunctions;

const DECLARED = new WeakMap<readonly INodeProperties[], Map<string, INodeProperties>>();

/** A number parameter with its limits: the editor's and the check's. */
export function numberProperty(name: string, displayName: string, dflt: number, min: number, max: number, description: string): INodeProperties {
	return { displayName, name, type: 'number', default: dflt, typeOptions: { minValue: min, maxValue: max }, description };
}

export class NodeParameters {
	/**
	 * `properties` are the node's declarations; `fix` tells the user, in an error's description,
	 * what a wrong parameter stops until it is fixed.
	 */
	constructor(
		private readonly ctx: Context,
		private readonly properties: readonly INodeProperties[],
		private readonly fix: string,
	) {}

	number(path: string): number {
		const { property, raw } = this.read(path);
		const min = Number(property.typeOptions?.minValue ?? -Infinity);
		const max = Number(property.typeOptions?.maxValue ?? Infinity);
		const value = parseNumber(raw);
		if (value === undefined || value < min || value > max) throw this.invalid(property, raw, `a number from ${min} to ${max}`);
		return value;
	}

	boolean(path: string): boolean {
		const { property, raw } = this.read(path);
		const value = parseBoolean(raw);
		if (value === undefined) throw this.invalid(property, raw, 'true or false');
		return value;
	}

	oneOf<T extends string>(path: string, allowed: readonly T[]): T {
		const { property, raw } = this.read(path);
		if (typeof raw !== 'string' || !(allowed as readonly string[]).includes(raw)) throw this.invalid(property, raw, `one of ${allowed.join(', ')}`);
		return raw as T;
	}

	subsetOf<T extends string>(path: string, allowed: readonly T[]): T[] {
		const { property, raw } = this.read(path);
		const list = Array.isArray(raw) ? raw : [raw];
		if (!list.every((value) => typeof value === 'string' && (allowed as readonly string[]).includes(value))) {
			throw this.invalid(property, raw, `any of ${allowed.join(', ')}`);
		}
		return list as T[];
	}

	wholeNumbers(path: string): number[] {
		const { property, raw } = this.read(path);
		const list = Array.isArray(raw) ? raw : [raw];
		return list.map((value) => {
			const n = parseNumber(value);
			if (n === undefined || !Number.isInteger(n)) throw this.invalid(property, raw, 'a list of whole-number codes');
			return n;
		});
	}

	/**
	 * A value read by `parse` (a document, a list in a text), whose thrown message is the parameter's
	 * error. A JSON.parse of the parse function's own fails with V8's message, which quotes the text.
	 */
	parsed<T>(path: string, parse: (raw: unknown) => T): T {
		const { property, raw } = this.read(path);
		try {
			return parse(raw);
		} catch (error) {
			const problem = error instanceof SyntaxError ? `not valid JSON: ${describeJsonProblem(error)}` : (error as Error).message;
			throw new NodeOperationError(this.ctx.getNode(), `${property.displayName}: ${problem}`, { description: this.fix });
		}
	}

	private read(path: string): { property: INodeProperties; raw: unknown } {
		const property = this.declared(path);
		return { property, raw: this.ctx.getNodeParameter(path, property.default) as unknown };
	}

	/** `options.maxPushAge`: an option of the `options` collection. Looked up once per node type. */
	private declared(path: string): INodeProperties {
		let byPath = DECLARED.get(this.properties);
		if (byPath === undefined) DECLARED.set(this.properties, (byPath = new Map()));
		let found = byPath.get(path);
		if (found !== undefined) return found;
		let list: readonly unknown[] = this.properties;
		for (const name of path.split('.')) {
			found = list.find((p): p is INodeProperties => (p as INodeProperties).name === name);
			list = found?.options ?? [];
		}
		if (found === undefined) throw new Error(`the node declares no parameter ${path}`);
		byPath.set(path, found);
		return found;
	}

	private invalid(property: INodeProperties, value: unknown, allowed: string): NodeOperationError {
		return new NodeOperationError(this.ctx.getNode(), `${property.displayName} is ${describeValue(value)}: expected ${allowed}`, {
			description: this.fix,
		});
	}
}
