/**
 * Order statistics shared by the benchmarks: one percentile rule for every figure, so that a p99 here means the same
 * as a p99 there.
 */

/** Nearest-rank percentile of an ascending array: the smallest value with at least p % of the samples at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** A distribution-free 95 % confidence interval of the p99 (order statistics around rank 0.99·n). */
  readonly p99Low: number;
  readonly p99High: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  // The count of samples at or below the true p99 is Binomial(n, 0.99): ±1.96 standard deviations of it in ranks.
  const spread = 1.96 * Math.sqrt(n * 0.99 * 0.01);
  const at = (rank: number): number => sorted[Math.min(n, Math.max(1, Math.round(rank))) - 1] ?? Number.NaN;
  return {
    n,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[n - 1] ?? Number.NaN,
    p99Low: at(0.99 * n - spread),
    p99High: at(0.99 * n + spread + 1),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
