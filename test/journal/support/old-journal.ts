import { openStore } from '../../../src/journal/open.js';

/**
 * Writes into the journal of `stateDir` (created when needed) `sessions` stopped sessions starting at `fromMs`,
 * `spacingMs` apart, each with `samplesPerSession` samples at 1 s, two events and its Start, a
 * MeterValues and its Stop delivered, in one transaction of plain inserts (the store API's one commit per row would
 * take minutes for a year of data). What a station holds after a long time online: everything settled and old.
 */
export function fillSettledJournal(
  stateDir: string,
  options: { readonly sessions: number; readonly samplesPerSession: number; readonly fromMs: number; readonly spacingMs: number },
): { readonly samples: number; readonly events: number; readonly outbox: number } {
  const { store } = openStore({ stateDir, synchronous: 'NORMAL', busyTimeoutMs: 1000, commitDelayMs: 0, nowMs: options.fromMs });
  const db = store.db;
  try {
    const session = db.prepare(
      `INSERT INTO sessions (connector_id, id_tag, start_at, stop_at, meter_start_wh, meter_stop_wh, stop_reason, csms_transaction_id)
       VALUES (1, 'CARD0001', ?, ?, ?, ?, 'Local', ?)`,
    );
    const sample = db.prepare(
      `INSERT INTO samples (session_id, at, import_wh, power_w, currents, voltages, frequency_hz)
       VALUES (?, ?, ?, 11000, '[15.9,15.9,15.9]', '[230,230,230]', 50)`,
    );
    const event = db.prepare('INSERT INTO session_events (session_id, kind, at) VALUES (?, ?, ?)');
    const outbox = db.prepare(
      `INSERT INTO outbox (kind, session_id, payload, created_at, next_attempt_at, attempts, state, delivered_at)
       VALUES (?, ?, '{}', ?, ?, 1, 'delivered', ?)`,
    );
    let wh = 0;
    db.transaction(() => {
      for (let s = 0; s < options.sessions; s++) {
        const start = options.fromMs + s * options.spacingMs;
        const stop = start + options.samplesPerSession * 1000;
        const meterStart = wh;
        wh += options.samplesPerSession;
        const id = Number(session.run(start, stop, meterStart, wh, s + 1).lastInsertRowid);
        for (let i = 1; i <= options.samplesPerSession; i++) sample.run(id, start + i * 1000, meterStart + i);
        event.run(id, 'energy-flow-started', start + 500);
        event.run(id, 'unplugged', stop + 1000);
        for (const kind of ['StartTransaction', 'MeterValues', 'StopTransaction']) outbox.run(kind, id, start, start, stop);
      }
    })();
  } finally {
    store.close();
  }
  return {
    samples: options.sessions * options.samplesPerSession,
    events: options.sessions * 2,
    outbox: options.sessions * 3,
  };
}
