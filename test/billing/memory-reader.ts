import type { EventRow, JournalReader, SampleRow, SessionRangeOptions, SessionRow } from '../../src/journal/ports.js';

/** An in-memory JournalReader over fixture rows, with the port's range semantics (start in [from, to), or overlapping). */
export class MemoryJournalReader implements JournalReader {
  readonly savedCosts = new Map<number, unknown>();

  constructor(
    private readonly rows: readonly SessionRow[],
    private readonly sampleRows: readonly SampleRow[],
    private readonly eventRows: readonly EventRow[],
  ) {}

  sessions(range: { readonly fromMs: number; readonly toMs: number }, options: SessionRangeOptions = {}): Promise<readonly SessionRow[]> {
    const selected = options.overlapping
      ? (s: SessionRow): boolean => {
          const occupiedFrom = Math.min(s.plugInAtMs ?? s.startAtMs, s.startAtMs);
          const occupiedUntil = s.unplugAtMs ?? s.stopAtMs;
          return occupiedFrom < range.toMs && (occupiedUntil === null || occupiedUntil > range.fromMs);
        }
      : (s: SessionRow): boolean => s.startAtMs >= range.fromMs && s.startAtMs < range.toMs;
    return Promise.resolve(this.rows.filter(selected).sort((a, b) => a.startAtMs - b.startAtMs));
  }

  session(id: number): Promise<SessionRow | null> {
    return Promise.resolve(this.rows.find((s) => s.id === id) ?? null);
  }

  samples(sessionId: number): Promise<readonly SampleRow[]> {
    return Promise.resolve(this.sampleRows.filter((s) => s.sessionId === sessionId));
  }

  events(sessionId: number): Promise<readonly EventRow[]> {
    return Promise.resolve(this.eventRows.filter((e) => e.sessionId === sessionId));
  }

  saveCost(sessionId: number, cost: unknown): Promise<void> {
    this.savedCosts.set(sessionId, cost);
    return Promise.resolve();
  }
}
