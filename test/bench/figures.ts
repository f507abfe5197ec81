/** One measured figure of a benchmark, with the target it is judged against (none: reported only). */
export interface Figure {
  readonly bench: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** 'max': value should stay at or below target; 'min': at or above. */
  readonly target?: { readonly kind: 'max' | 'min'; readonly value: number };
  readonly note?: string;
}

/** Options every benchmark takes from the runner. */
export interface BenchOptions {
  /** A shorter run (fewer samples) for smoke checks. */
  readonly quick: boolean;
}

/** What a `test/bench/*.bench.ts` file exports as default. */
export type Bench = (options: BenchOptions) => Promise<Figure[]>;
