/**
 * Reading the run data out of what `n8n execute --rawOutput` prints. n8n writes its own log lines
 * to the same stdout, before and after the run's JSON and at any moment (a task runner that
 * registers late on a busy machine logs after the JSON), so the output is never parsed whole:
 * every top-level JSON object n8n printed starts with a line `{` and ends with a line `}`
 * (JSON.stringify with two-space indent), and the last one that holds run data is the run.
 */
export function lastJsonBlock<T>(stdout: string, accept: (value: unknown) => value is T): T | undefined {
	const lines = stdout.split(/\r?\n/);
	let found: T | undefined;
	for (let start = lines.indexOf('{'); start >= 0; start = lines.indexOf('{', start + 1)) {
		const end = lines.indexOf('}', start + 1);
		if (end < 0) break;
		try {
			const value: unknown = JSON.parse(lines.slice(start, end + 1).join('\n'));
			if (accept(value)) found = value;
		} catch {
			// A log line that happens to be "{" is not the start of the run's JSON.
		}
	}
	return found;
}
