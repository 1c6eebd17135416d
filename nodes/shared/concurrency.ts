/**
 * Runs `task` for every index with at most `limit` running at once. Workers pull the next index
 * as they finish, so one slow vehicle never holds back a whole batch.
 */
export async function forEachWithConcurrency(
	count: number,
	limit: number,
	task: (index: number) => Promise<void>,
): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < count) {
			const index = next++;
			await task(index);
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
}
