/** The node's run options (its "Options" collection) with their defaults. */
export const DEFAULT_CONCURRENCY = 50;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_DELAY_MS = 500;

export interface RunOptions {
	concurrency?: number;
	retries?: number;
	retryDelay?: number;
}
