/**
 * The Segway API-Max operations, declared once: what each sends (method, path, fields with their
 * kinds and ranges) and how the node names it. The action node's UI, its validation and its
 * requests are derived from this table, and the simulator's routes too. Texts, ranges and
 * firmware notes are the reference's.
 */
import { CONTROL_OPERATIONS } from './control';
import { QUERY_OPERATIONS } from './query';
import { SETTING_OPERATIONS } from './setting';
import type { OperationSpec } from './spec';

export type { OperationSpec, Resource } from './spec';

export const OPERATIONS: readonly OperationSpec[] = [...QUERY_OPERATIONS, ...CONTROL_OPERATIONS, ...SETTING_OPERATIONS];

export function findOperation(resource: string, operation: string): OperationSpec | undefined {
	return OPERATIONS.find((op) => op.resource === resource && op.operation === operation);
}
