/**
 * One figure of the reliability suite. `expected` says what it must be: `0` for a count that must be zero (the run
 * fails when it is not), a bound such as `≤ 64` for a figure with a justified limit (also checked), or `info` for a
 * figure reported for comparison only.
 */
export interface Row {
  readonly part: string;
  readonly figure: string;
  readonly value: number;
  readonly unit?: string;
  /** `zero`: must be 0. `max`: must be ≤ `bound`. `min`: must be ≥ `bound`. `info`: reported only. */
  readonly check: 'zero' | 'max' | 'min' | 'info';
  readonly bound?: number;
  /** Why a non-zero figure is not (yet) a failure of this suite's own making: e.g. a defect tracked in issue 12. */
  readonly note?: string;
}

/** How much of a part to run: `full` for `npm run test:reliability`, `quick` for its short run inside `npm test`. */
export type Scale = 'full' | 'quick';

export interface PartOptions {
  readonly scale: Scale;
  /** Progress lines (stderr); silent when absent. */
  readonly log?: (line: string) => void;
}

export interface Part {
  readonly name: string;
  run(options: PartOptions): Promise<Row[]>;
}

export const zero = (part: string, figure: string, value: number, note?: string): Row => ({ part, figure, value, check: 'zero', ...(note ? { note } : {}) });
export const info = (part: string, figure: string, value: number, unit?: string): Row => ({ part, figure, value, check: 'info', ...(unit ? { unit } : {}) });
export const atMost = (part: string, figure: string, value: number, bound: number, unit?: string): Row => ({ part, figure, value, check: 'max', bound, ...(unit ? { unit } : {}) });
export const atLeast = (part: string, figure: string, value: number, bound: number, unit?: string): Row => ({ part, figure, value, check: 'min', bound, ...(unit ? { unit } : {}) });

/** Whether a figure holds its expectation. */
export function holds(row: Row): boolean {
  switch (row.check) {
    case 'zero':
      return row.value === 0;
    case 'max':
      return row.value <= (row.bound ?? 0);
    case 'min':
      return row.value >= (row.bound ?? 0);
    case 'info':
      return true;
  }
}

export function expectedText(row: Row): string {
  const bound = `${Math.round((row.bound ?? 0) * 100) / 100}${row.unit ? ` ${row.unit}` : ''}`;
  switch (row.check) {
    case 'zero':
      return '0';
    case 'max':
      return `≤ ${bound}`;
    case 'min':
      return `≥ ${bound}`;
    case 'info':
      return '(info)';
  }
}
