import { execFileSync } from 'child_process';
import { resolve } from 'path';

const ROOT = resolve(__dirname, '../..');
const sizing = (...args: string[]) =>
	execFileSync(process.execPath, ['--import', 'tsx', 'scripts/sizing.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
const rows = (out: string) => out.split('\n').filter((line) => /^\| (Segway|\d+ s)/.test(line));

describe('scripts/sizing.ts (the README sizing table)', () => {
	it("prints pushes/s from Segway's intervals: 10 s riding, 900 s locked, 10 % riding", () => {
		const table = rows(sizing());
		expect(table).toHaveLength(4);
		// 1,000 × (0.1 × (1/10 + 1/10) + 0.9 × (1/900 + 1/900)) = 22 pushes/s.
		expect(table[0]).toMatch(/^\| Segway's defaults \| 22\.0\/s: [^|]+ \| 110\/s: [^|]+ \| 440\/s: queue mode, \d+ webhook processes \|$/);
		for (const row of table) expect(row.split('|').filter((cell) => /\/s:/.test(cell))).toHaveLength(3);
	}, 60_000);

	it('scales with the riding share given', () => {
		// 1,000 × (0.2 × 0.2 + 0.8 × 2/900) = 41.8 pushes/s.
		expect(rows(sizing('--riding', '0.2'))[0]).toMatch(/^\| Segway's defaults \| 41\.8\/s: /);
	}, 60_000);
});
