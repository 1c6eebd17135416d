/**
 * The reference names the remaining range `remainderRange` in the status query's example and
 * `remainingRange` in its field table and in status pushes. Users get one name everywhere:
 * `remainingRange`.
 */
export function normalizeRemainingRange<T extends Record<string, unknown>>(fields: T): T {
	if (!('remainderRange' in fields)) return fields;
	const { remainderRange, ...rest } = fields;
	return { ...rest, remainingRange: fields.remainingRange ?? remainderRange } as unknown as T;
}
