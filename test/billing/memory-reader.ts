import type { EventRow, JournalReader, SampleRow, SessionRow } from '../../src/journal/ports.js';

/** An in-memory JournalReader over fixture rows, with the port's range semantics (start in [from, to)). */
export class MemoryJournalReader implements JournalReader {
  readonly savedCosts = new Map<number, unknown>();

  constructor(
    private readonly rows: readonly SessionRow[],
    private readonly sampleRows: readonly SampleRow[],
    private readonly eventRows: readonly EventRow[],
  ) {}

  sessions(range: { readonly fromMs: number; readonly toMs: number }): Promise<readonly SessionRow[]> {
    return Promise.resolve(
      this.rows.filter((s) => s.startAtMs >= range.fromMs && s.startAtMs < range.toMs).sort((a, b) => a.startAtMs - b.startAtMs),
    );
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
