/**
 * What an `evse sim --json --state-dir DIR` run delivered, judged against its journal: the summary's per-transaction
 * deliveries (OCPP 2.0.1) or call counts (1.6) against the outbox rows, and the `offline` flag of each 2.0.1 event
 * against the bench CSMS's outages (`--csms-outage`).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface SimRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `evse` in a child process (through tsx); `interruptAfterMs`: SIGINT then (an endless scenario's Ctrl-C). */
export function evseChild(args: readonly string[], options: { timeoutMs?: number; interruptAfterMs?: number } = {}): Promise<SimRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, EVSE_LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    // Counted from the banner (the station is starting), not from the spawn: start-up time varies with the load.
    let interrupter: NodeJS.Timeout | undefined;
    child.stderr.once('data', () => {
      if (options.interruptAfterMs !== undefined) interrupter = setTimeout(() => child.kill('SIGINT'), options.interruptAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (status) => {
      clearTimeout(killer);
      if (interrupter) clearTimeout(interrupter);
      resolve({ status, stdout, stderr });
    });
  });
}

export interface SimOutage {
  readonly wentDownAt: string | null;
  readonly cameBackAt: string | null;
}

export interface DeliveredTx {
  readonly transactionId: string;
  readonly events: number;
  readonly seqNos: number[];
  readonly offlineSeqNos: number[];
  readonly started: number;
  readonly ended: number;
}

export interface SimSummary {
  readonly sessions: { stopReason: string | null }[];
  readonly problems: string[];
  readonly uplink: {
    readonly ocppVersion: string;
    readonly registration: string | null;
    readonly csmsOutages?: SimOutage[];
    readonly delivered: Record<string, number> & { readonly transactions?: DeliveredTx[] };
  };
}

export interface JournalRow {
  readonly kind: string;
  readonly sessionId: number;
  readonly seqNo: number;
  readonly createdAt: number;
  readonly state: string;
  readonly txId: string;
  readonly numbered: number;
}

/** The outbox rows of sessions, in queue order, with their session's transactionId and event count. */
export function journalRows(stateDir: string): JournalRow[] {
  const db = new Database(join(stateDir, 'journal.db'), { readonly: true });
  try {
    return db
      .prepare(
        `SELECT o.kind, o.session_id AS sessionId, o.tx_seq_no AS seqNo, o.created_at AS createdAt, o.state, s.tx_uid AS txId, s.tx_next_seq_no AS numbered
         FROM outbox o JOIN sessions s ON s.id = o.session_id ORDER BY o.seq`,
      )
      .all() as JournalRow[];
  } finally {
    db.close();
  }
}

/** The station sees a dropped socket within this much station time (a few ms of real time under --speed 300). */
export const DETECT_MS = 30_000;
/** After the CSMS is back the station reconnects within reconnectMaxS (60 s) plus its backoff's jitter. */
export const RECONNECT_MS = 90_000;

/**
 * What the `offline` flag of an event journaled at `atMs` must be, where that is provable: true when written while
 * the CSMS was down (past the moment the station can have noticed), false when written before the first outage or
 * once the station had time to reconnect after one and before the next; null in the margins (the station's honest
 * view either way).
 */
export function expectedOffline(atMs: number, outages: readonly SimOutage[]): boolean | null {
  const windows = outages.map((o) => ({ down: Date.parse(o.wentDownAt ?? ''), up: Date.parse(o.cameBackAt ?? '') }));
  if (windows.some((w) => atMs >= w.down + DETECT_MS && atMs <= w.up)) return true;
  if (windows.length === 0 || atMs < (windows[0]?.down ?? 0)) return false;
  if (windows.some((w, i) => atMs >= w.up + RECONNECT_MS && atMs < (windows[i + 1]?.down ?? Infinity))) return false;
  return null;
}

export interface Delivery201Figures {
  /** Journaled transactions whose delivery differs from the journal (id, count, seqNos 0 … n − 1 in order, one Started/Ended). */
  readonly mismatched: string[];
  /** Events whose offline flag is not the provable one. */
  readonly wrongOffline: string[];
  /** Events whose flag was provable (true, false). */
  readonly judged: { readonly offline: number; readonly online: number };
  readonly events: number;
}

/** Compares a 2.0.1 run's delivered transactions with its journal and its outages. */
export function judge201(summary: SimSummary, rows: readonly JournalRow[]): Delivery201Figures {
  const delivered = new Map((summary.uplink.delivered.transactions ?? []).map((t) => [t.transactionId, t]));
  const sessions = [...new Set(rows.map((r) => r.sessionId))];
  const mismatched: string[] = [];
  const wrongOffline: string[] = [];
  const judged = { offline: 0, online: 0 };
  for (const id of sessions) {
    const mine = rows.filter((r) => r.sessionId === id);
    const txId = mine[0]?.txId ?? '';
    const t = delivered.get(txId);
    delivered.delete(txId);
    const expectedSeqNos = [...Array(mine[0]?.numbered ?? 0).keys()];
    if (!t) {
      mismatched.push(`session ${id} (${txId}): nothing delivered`);
      continue;
    }
    if (JSON.stringify(t.seqNos) !== JSON.stringify(expectedSeqNos) || JSON.stringify(mine.map((r) => r.seqNo)) !== JSON.stringify(expectedSeqNos)) {
      mismatched.push(`session ${id} (${txId}): delivered seqNos ${t.seqNos.join(',')}, journal ${mine.map((r) => r.seqNo).join(',')}`);
    }
    if (t.started !== 1 || t.ended !== 1) mismatched.push(`session ${id}: ${t.started} Started, ${t.ended} Ended`);
    const offline = new Set(t.offlineSeqNos);
    for (const r of mine) {
      const expected = expectedOffline(r.createdAt, summary.uplink.csmsOutages ?? []);
      if (expected === null) continue;
      if (expected) judged.offline++;
      else judged.online++;
      if (expected !== offline.has(r.seqNo)) wrongOffline.push(`session ${id} seqNo ${r.seqNo} (${r.kind} at ${new Date(r.createdAt).toISOString()}): offline ${offline.has(r.seqNo)}, expected ${expected}`);
    }
  }
  for (const t of delivered.values()) mismatched.push(`transaction ${t.transactionId} delivered, not in the journal`);
  if (rows.some((r) => r.state !== 'delivered')) mismatched.push(`${rows.filter((r) => r.state !== 'delivered').length} rows not delivered`);
  return { mismatched, wrongOffline, judged, events: rows.length };
}
