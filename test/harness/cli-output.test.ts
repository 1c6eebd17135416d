import { lastJsonBlock } from '../../harness/cli-output';

const isRun = (value: unknown): value is { data: { resultData: object } } =>
	typeof (value as { data?: { resultData?: unknown } })?.data?.resultData === 'object';

const run = JSON.stringify({ data: { resultData: { runData: { Start: [] } } }, status: 'success' }, null, 2);

describe('reading the run out of `n8n execute` output', () => {
	it('finds the run between log lines printed before and after it', () => {
		const stdout = [
			'n8n Task Broker ready on 127.0.0.1, port 5791',
			'[license SDK] Skipping renewal on init',
			run,
			'Registered runner "JS Task Runner" (UKciw3w6Xx58EwHuDQTM2) ',
			'',
		].join('\n');
		expect(lastJsonBlock(stdout, isRun)).toEqual({ data: { resultData: { runData: { Start: [] } } }, status: 'success' });
	});

	it('passes over a stray "{" line and objects that are not run data', () => {
		const other = JSON.stringify({ message: 'not a run' }, null, 2);
		const stdout = ['{', 'oops', other, run, other].join('\n');
		expect(lastJsonBlock(stdout, isRun)?.data.resultData).toEqual({ runData: { Start: [] } });
	});

	it('gives undefined when no complete run was printed', () => {
		expect(lastJsonBlock('Error executing workflow\n{\n  "data": {', isRun)).toBeUndefined();
		expect(lastJsonBlock('', isRun)).toBeUndefined();
	});
});
