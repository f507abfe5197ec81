/** SQLite `synchronous` levels we allow: FULL fsyncs the WAL on every commit; NORMAL only at checkpoints. */
export const synchronousLevels = ['FULL', 'NORMAL'] as const;
export type SynchronousLevel = (typeof synchronousLevels)[number];

/**
 * Defaults of the journal section, also used by openJournal for omitted options (kept free of zod so the journal's
 * own start-up stays light).
 */
export const journalDefaults = {
  stateDir: './.evse-state',
  synchronous: 'FULL',
  busyTimeoutMs: 5000,
  retentionDays: 400,
  diskBudgetMB: 512,
  commitDelayMs: 0,
} as const satisfies Record<string, string | number>;
