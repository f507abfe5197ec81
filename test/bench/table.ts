import type { Figure } from './figures.js';

/** A figure with its ratio to the target: ≤ 1 means the target is met (null: no target, or no finite ratio). */
export interface RatedFigure extends Figure {
  readonly ratio: number | null;
  readonly met: boolean | null;
}

/**
 * value / target for a 'max' target, target / value for a 'min' one, so that in both cases a ratio ≤ 1 means met and
 * the ratio says by how far: 2 is twice the allowed latency, or half the required rate.
 */
export function withRatio(f: Figure): RatedFigure {
  if (f.target === undefined || !Number.isFinite(f.value)) return { ...f, ratio: null, met: null };
  const ratio = f.target.kind === 'max' ? f.value / f.target.value : f.target.value / f.value;
  const met = f.target.kind === 'max' ? f.value <= f.target.value : f.value >= f.target.value;
  return { ...f, ratio: Number.isFinite(ratio) ? ratio : null, met };
}

/** A number with about three significant digits, without exponent notation for the sizes figures have. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  const a = Math.abs(x);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** One table of every figure: bench, figure, value, unit, target, ratio (and "met" / "MISSED" beside the ratio). */
export function formatTable(figures: readonly RatedFigure[]): string {
  const header = ['bench', 'figure', 'value', 'unit', 'target', 'ratio'];
  const rows = figures.map((f) => [
    f.bench,
    f.name,
    formatNumber(f.value),
    f.unit,
    f.target ? `${f.target.kind === 'max' ? '≤' : '≥'} ${formatNumber(f.target.value)}` : '',
    f.ratio === null ? (f.met === null ? '' : f.met ? 'met' : 'MISSED') : `${f.ratio.toFixed(2)} ${f.met ? 'met' : 'MISSED'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = new Set([2]);
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join(' | ')
      .trimEnd();
  return [
    'ratio = value / target for a ≤ target, target / value for a ≥ target: ratio ≤ 1 means the target is met',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
  ].join('\n');
}
