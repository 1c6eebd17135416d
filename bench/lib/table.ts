/**
 * Plain-text tables for benchmark reports: columns padded to their widest cell, numbers
 * right-aligned, text left-aligned.
 */

export type Cell = string | number | boolean | null | undefined;

export interface TableOptions {
	title?: string;
	/** Decimals for non-integer numbers (default 1). */
	digits?: number;
}

function show(cell: Cell, digits: number): string {
	if (cell === null || cell === undefined) return '–';
	if (typeof cell === 'number') {
		if (Number.isNaN(cell)) return '–';
		return Number.isInteger(cell) ? String(cell) : cell.toFixed(digits);
	}
	return String(cell);
}

export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[], options: TableOptions = {}): string {
	const digits = options.digits ?? 1;
	const text = rows.map((row) => headers.map((_, i) => show(row[i], digits)));
	const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number' || row[i] === null || row[i] === undefined));
	const widths = headers.map((h, i) => Math.max(h.length, ...text.map((row) => row[i].length)));
	const line = (cells: readonly string[]) =>
		cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
	const out: string[] = [];
	if (options.title) out.push(options.title);
	out.push(line(headers), widths.map((w) => '-'.repeat(w)).join('  '));
	for (const row of text) out.push(line(row));
	return out.join('\n');
}

export function printTable(headers: readonly string[], rows: readonly (readonly Cell[])[], options: TableOptions = {}): void {
	process.stdout.write(`${formatTable(headers, rows, options)}\n\n`);
}
