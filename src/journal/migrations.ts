import type BetterSqlite3 from 'better-sqlite3';
import { EvseError, EvseErrorCode } from '../errors.js';

/**
 * Schema migrations, keyed by `PRAGMA user_version`: migration i brings the file from version i to i + 1.
 * Append new entries; never edit a shipped one (stations in the field have run it).
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connector_id INTEGER NOT NULL,
    id_tag TEXT,
    plug_in_at INTEGER,
    authorized_at INTEGER,
    start_at INTEGER NOT NULL,
    stop_at INTEGER,
    unplug_at INTEGER,
    meter_start_wh INTEGER NOT NULL,
    meter_stop_wh INTEGER,
    stop_reason TEXT,
    stop_id_tag TEXT,
    reservation_id INTEGER,
    csms_transaction_id INTEGER,
    id_tag_status TEXT,
    cost TEXT,
    clock_trusted INTEGER NOT NULL DEFAULT 1,
    recovered INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX sessions_start ON sessions(start_at);
  CREATE INDEX sessions_open ON sessions(stop_at) WHERE stop_at IS NULL;

  CREATE TABLE session_events (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    detail TEXT
  );
  CREATE INDEX session_events_session ON session_events(session_id, id);

  CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES sessions(id),
    at INTEGER NOT NULL,
    import_wh INTEGER NOT NULL,
    power_w REAL NOT NULL,
    currents TEXT NOT NULL,
    voltages TEXT NOT NULL,
    frequency_hz REAL,
    signed_record TEXT
  );
  CREATE INDEX samples_session ON samples(session_id, id);

  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    session_id INTEGER REFERENCES sessions(id),
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    last_error TEXT,
    answer TEXT,
    delivered_at INTEGER
  );
  CREATE INDEX outbox_pending ON outbox(seq) WHERE state = 'pending';
  CREATE INDEX outbox_session ON outbox(session_id, state);

  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    severity TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    detail TEXT
  );

  CREATE TABLE settings (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (namespace, key)
  ) WITHOUT ROWID;
  `,
  // 2: alerts get a life (dedup key, audience, repeat count, state) and each delivery channel a cursor. The table is
  // rebuilt (SQLite adds no NOT NULL column without a constant default); AUTOINCREMENT so that an id is never reused,
  // since channel cursors compare ids. Existing alerts: key from detail.dedupKey (the monitor's) or the code, open.
  `
  CREATE TABLE alerts_v2 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    severity TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    detail TEXT,
    dedup_key TEXT NOT NULL,
    audience TEXT NOT NULL DEFAULT 'operator' CHECK (audience IN ('operator', 'driver')),
    last_at INTEGER NOT NULL,
    count INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'closed')),
    state_at INTEGER,
    state_by TEXT
  );
  INSERT INTO alerts_v2 (id, at, severity, code, message, detail, dedup_key, last_at)
    SELECT id, at, severity, code, message, detail,
      COALESCE(CASE WHEN json_valid(detail) THEN CAST(json_extract(detail, '$.dedupKey') AS TEXT) END, code), at
    FROM alerts ORDER BY id;
  DROP TABLE alerts;
  ALTER TABLE alerts_v2 RENAME TO alerts;
  CREATE INDEX alerts_dedup ON alerts(dedup_key, audience, state);
  CREATE INDEX alerts_state ON alerts(state, id);
  CREATE INDEX alerts_at ON alerts(at);

  CREATE TABLE alert_channels (
    channel TEXT PRIMARY KEY,
    cursor INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 3: the station page: drivers' feedback (once per session) and the operator's actions (src/web/feedback*, operator/).
  `
  CREATE TABLE driver_feedback (
    session_id INTEGER PRIMARY KEY REFERENCES sessions(id),
    at INTEGER NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    outcome TEXT NOT NULL,
    problem TEXT,
    comment TEXT,
    client_address TEXT NOT NULL
  );
  CREATE INDEX driver_feedback_at ON driver_feedback(at);

  CREATE TABLE operator_actions (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    action TEXT NOT NULL,
    arguments TEXT,
    ok INTEGER NOT NULL,
    result TEXT NOT NULL,
    client_address TEXT NOT NULL
  );
  CREATE INDEX operator_actions_at ON operator_actions(at);
  `,
  // 4: OCPP 2.0.1: the station authors each transaction's id (tx_uid) and numbers its TransactionEvents (seqNo) from 0,
  // both durable so a reboot mid-transaction continues them. tx_next_seq_no is the next seqNo of the session; an
  // outbox row of a session keeps the seqNo it was given (tx_seq_no). Sessions and rows from before get theirs here.
  `
  ALTER TABLE sessions ADD COLUMN tx_uid TEXT;
  ALTER TABLE sessions ADD COLUMN tx_next_seq_no INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE outbox ADD COLUMN tx_seq_no INTEGER;
  UPDATE sessions SET tx_uid = 'session-' || id;
  UPDATE outbox SET tx_seq_no = (SELECT COUNT(*) FROM outbox o WHERE o.session_id = outbox.session_id AND o.seq < outbox.seq)
    WHERE session_id IS NOT NULL;
  UPDATE sessions SET tx_next_seq_no = (SELECT COUNT(*) FROM outbox o WHERE o.session_id = sessions.id);
  `,
];

/** The schema version this software writes: the number of migrations it knows. */
export function knownSchemaVersion(): number {
  return migrations.length;
}

/**
 * The oldest schema the read-side commands (report, receipt, journal export) read as it is, without migrating it:
 * every version from here up to {@link knownSchemaVersion} has the sessions, samples, session_events and alerts they
 * read. Raise it when a migration changes one of those tables so that they cannot read it as it is; version 0 is a file
 * before its first migration. Schema 2 rebuilt `alerts` with more columns: the export and `evse report anomalies`
 * (anomaly-alerts.ts) read a schema-1 table as alerts raised once and open, so 1 stays.
 */
export const oldestReadableSchemaVersion = 1;

/** The `PRAGMA user_version` of an open connection: the journal's schema version. */
export function schemaVersionOf(db: BetterSqlite3.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Refuses a journal written by newer software, naming both versions: this software does not know its tables, and
 * migrations only go up, so it is never downgraded or written to. `path` names the file for the operator.
 */
export function refuseNewerSchema(version: number, path: string): void {
  const known = knownSchemaVersion();
  if (version > known) {
    throw new EvseError(
      EvseErrorCode.JournalTooNew,
      `journal ${path} is schema version ${version}, this evse knows up to ${known}; refusing to downgrade it (install the evse version that wrote it, or a newer one)`,
    );
  }
}

/**
 * Brings `db` to the latest schema, each step in its own transaction together with its `user_version`. A file from
 * newer software is refused before anything is written (EvseError JournalTooNew).
 */
export function migrate(db: BetterSqlite3.Database, path = db.name): number {
  const current = schemaVersionOf(db);
  refuseNewerSchema(current, path);
  for (let version = current; version < migrations.length; version++) {
    const sql = migrations[version] as string;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return migrations.length;
}
