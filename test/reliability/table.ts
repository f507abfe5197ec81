import { expectedText, holds, type Row } from './parts/row.js';

/** The figures as an aligned text table: part, figure, value, expected, and a mark where one does not hold. */
export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((r) => [
    r.part,
    r.figure,
    `${Number.isInteger(r.value) ? r.value : r.value.toFixed(2)}${r.unit ? ` ${r.unit}` : ''}`,
    expectedText(r),
    holds(r) ? '' : `FAIL${r.note ? ` (${r.note})` : ''}`,
  ]);
  const header = ['part', 'figure', 'value', 'expected', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string => c.map((x, i) => x.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
