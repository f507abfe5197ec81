import { z } from 'zod';
import { journalDefaults, synchronousLevels } from './defaults.js';

export { journalDefaults, synchronousLevels, type SynchronousLevel } from './defaults.js';

/** The `journal` section of the station config. */
export const journalConfigSchema = z
  .object({
    /** Folder of `journal.db` (relative to the working directory; the systemd unit passes /var/lib/evse). */
    stateDir: z.string().min(1).default(journalDefaults.stateDir),
    /** FULL survives a power cut with every acknowledged commit; NORMAL may lose the last ones. */
    synchronous: z.enum(synchronousLevels).default(journalDefaults.synchronous),
    /** How long a commit waits for a lock held by another connection (the export command) before failing. */
    busyTimeoutMs: z.number().int().min(0).max(60_000).default(journalDefaults.busyTimeoutMs),
    /** Delivered samples, events and outbox rows older than this are pruned; undelivered data never is. */
    retentionDays: z.number().int().min(1).max(3650).default(journalDefaults.retentionDays),
    /** Above this many MB of live pages, the oldest delivered data is pruned first. */
    diskBudgetMB: z.number().min(1).max(100_000).default(journalDefaults.diskBudgetMB),
    /** Benchmarks and tests only: holds every commit this long inside the journal's thread (a worn SD card). */
    commitDelayMs: z.number().int().min(0).max(10_000).default(journalDefaults.commitDelayMs),
  })
  .strict();

export type JournalConfig = z.infer<typeof journalConfigSchema>;
