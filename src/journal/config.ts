import { z } from 'zod';

/** SQLite `synchronous` levels we allow: FULL fsyncs the WAL on every commit; NORMAL only at checkpoints. */
export const synchronousLevels = ['FULL', 'NORMAL'] as const;
export type SynchronousLevel = (typeof synchronousLevels)[number];

/** The `journal` section of the station config. */
export const journalConfigSchema = z
  .object({
    /** Folder of `journal.db` (relative to the working directory; the systemd unit passes /var/lib/evse). */
    stateDir: z.string().min(1).default('./.evse-state'),
    /** FULL survives a power cut with every acknowledged commit; NORMAL may lose the last ones. */
    synchronous: z.enum(synchronousLevels).default('FULL'),
    /** How long a commit waits for a lock held by another connection (the export command) before failing. */
    busyTimeoutMs: z.number().int().min(0).max(60_000).default(5000),
    /** Delivered samples, events and outbox rows older than this are pruned; undelivered data never is. */
    retentionDays: z.number().int().min(1).max(3650).default(400),
    /** Above this many MB of live pages, the oldest delivered data is pruned first. */
    diskBudgetMB: z.number().min(1).max(100_000).default(512),
    /** Benchmarks and tests only: holds every commit this long inside the journal's thread (a worn SD card). */
    commitDelayMs: z.number().int().min(0).max(10_000).default(0),
  })
  .strict();

export type JournalConfig = z.infer<typeof journalConfigSchema>;
