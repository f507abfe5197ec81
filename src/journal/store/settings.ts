/** Key-value settings, namespaced (OCPP keys, local list, authorization cache, the journal's own markers). */
import type { CleanShutdownKind } from '../types.js';
import type { StoreDb } from './db.js';
import { invalid } from './values.js';

export const journalNamespace = 'journal';
export const cleanShutdownKey = 'cleanShutdown';

export class SettingsRecords {
  constructor(private readonly s: StoreDb) {}

  kvGet(namespace: string, key: string): unknown {
    const row = this.s.sql('SELECT value FROM settings WHERE namespace = ? AND key = ?').get(namespace, key) as
      | { value: string }
      | undefined;
    return row ? (JSON.parse(row.value) as unknown) : undefined;
  }

  kvSet(namespace: string, key: string, value: unknown, nowMs: number): void {
    const text = JSON.stringify(value);
    if (text === undefined) throw invalid(`setting ${namespace}/${key} is not JSON-serialisable`);
    this.s.tx(() => {
      this.s
        .sql(
          `INSERT INTO settings (namespace, key, value, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        )
        .run(namespace, key, text, nowMs);
    });
  }

  kvDelete(namespace: string, key: string): void {
    this.s.tx(() => this.s.sql('DELETE FROM settings WHERE namespace = ? AND key = ?').run(namespace, key));
  }

  kvList(namespace: string): Map<string, unknown> {
    const rows = this.s.sql('SELECT key, value FROM settings WHERE namespace = ? ORDER BY key').all(namespace) as {
      key: string;
      value: string;
    }[];
    return new Map(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  }

  kvClear(namespace: string): void {
    this.s.tx(() => this.s.sql('DELETE FROM settings WHERE namespace = ?').run(namespace));
  }

  /** Journals a planned restart (recovery gives a session found open this stop reason). */
  noteCleanShutdown(kind: CleanShutdownKind, nowMs: number): void {
    this.kvSet(journalNamespace, cleanShutdownKey, { kind, atMs: nowMs }, nowMs);
  }
}
