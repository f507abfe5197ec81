/** Back-off of connection attempts: exponential, capped, with jitter so a fleet of stations does not reconnect in step. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Growth per attempt (default 2). */
  readonly factor?: number;
  /** ± fraction of randomisation (default 0.25). */
  readonly jitter?: number;
}

/**
 * Delay before connection attempt number `attempt` (0 = the first retry). The result lies in
 * [base × (1 − jitter), base × (1 + jitter)] with base = min(maxMs, initialMs × factor^attempt), and never exceeds
 * maxMs × (1 + jitter). `random` returns [0, 1).
 */
export function reconnectDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.25;
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 64);
  const base = Math.min(options.maxMs, options.initialMs * factor ** exponent);
  const spread = (random() * 2 - 1) * jitter;
  return Math.max(0, Math.round(base * (1 + spread)));
}
