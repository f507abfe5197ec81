/** A report as a table: column names and rows of plain cells. */
export interface ReportTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

export type Cell = string | number | boolean | null;

export const reportFormats = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof reportFormats)[number];

/** Turns records with the same keys into a table, in the key order of `columns` (or of the first record). */
export function tableOf<T extends object>(records: readonly T[], columns?: readonly (keyof T & string)[]): ReportTable {
  const first = records[0];
  const names = columns ?? (first === undefined ? [] : (Object.keys(first) as (keyof T & string)[]));
  return {
    columns: names,
    rows: records.map((record) => names.map((name) => toCell(record[name]))),
  };
}

function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** Fixed-width text: numbers right-aligned, a rule under the header. */
export function renderTable(table: ReportTable): string {
  const text = (cell: Cell): string => (cell === null ? '' : String(cell));
  const widths = table.columns.map((name, i) => Math.max(name.length, ...table.rows.map((row) => text(row[i] ?? null).length)));
  const numeric = table.columns.map((_, i) => table.rows.length > 0 && table.rows.every((row) => typeof row[i] === 'number' || row[i] === null));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(table.columns), line(widths.map((w) => '-'.repeat(w))), ...table.rows.map((row) => line(row.map(text)))].join('\n') + '\n';
}

/** RFC 4180 CSV with a header row; cells with a comma, quote or line break are quoted. */
export function renderCsv(table: ReportTable): string {
  const escape = (cell: Cell): string => {
    const text = cell === null ? '' : String(cell);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [table.columns, ...table.rows].map((row) => row.map((cell) => escape(cell)).join(',')).join('\r\n') + '\r\n';
}

/** Pretty JSON of any report value. */
export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
