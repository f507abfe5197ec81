/**
 * Crash consistency: the whole station (`evse sim`: simulated EV and Modbus meter, the SQLite journal, the OCPP
 * uplink) killed with SIGKILL at random moments over many sessions and restarted each time, reporting to a bench CSMS
 * that is a process of its own and keeps a ledger of every Start, Stop and MeterValues (1.6) or TransactionEvent
 * (2.0.1, `run201`, compared in crash-201.ts) it answered. At the end one clean run drains the outbox; then the
 * journal, what the station printed and the CSMS's ledger are compared.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startCsmsProcess, type LedgerEntry } from './csms-process.js';
import { compare201, readJournal201 } from './crash-201.js';
import { info, zero, type PartOptions, type Row } from './row.js';

const part = 'crash consistency';
const identity = 'CP-CRASH';
const identity201 = 'CP-CRASH-201';

interface RunOutcome {
  /** Sessions the station printed as started (printed only after the journal committed them): id → meterStart. */
  readonly started: Map<number, number>;
  readonly killed: boolean;
}

function runStation(
  args: string[],
  killAfterMs: number | 'sigint',
  started: Map<number, number>,
  recovered: { count: number },
  killTimes: number[],
): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'sim', ...args], {
      env: { ...process.env, EVSE_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    child.stdout.on('data', (d: string) => {
      if (timer === undefined) {
        // The banner is out (the journal is open): the station runs. Kill it at a random moment of its life.
        timer = setTimeout(() => {
          if (killAfterMs !== 'sigint') killTimes.push(Date.now());
          child.kill(killAfterMs === 'sigint' ? 'SIGINT' : 'SIGKILL');
        }, killAfterMs === 'sigint' ? 3000 : killAfterMs);
      }
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      for (const line of out.split('\n')) {
        const m = /session (\d+) started for \S+, meter (\d+) Wh/.exec(line);
        if (m) started.set(Number(m[1]), Number(m[2]));
        if (/recovered session \d+: closed with/.test(line)) recovered.count++;
      }
      if (killAfterMs === 'sigint' && code !== 0) {
        reject(new Error(`the clean last run exited ${code ?? signal}: ${stderr.slice(-1500)}\n${out.slice(-1500)}`));
        return;
      }
      if (killAfterMs !== 'sigint' && signal !== 'SIGKILL') {
        reject(new Error(`the station exited ${code ?? signal} before its kill: ${stderr.slice(-1500)}`));
        return;
      }
      resolve({ started, killed: signal === 'SIGKILL' });
    });
  });
}

interface JournalSession {
  readonly id: number;
  readonly start: number;
  readonly stop: number | null;
  readonly startPayload: Record<string, unknown> | null;
}

function readJournal(stateDir: string): JournalSession[] {
  const db = new Database(join(stateDir, 'journal.db'), { readonly: true });
  try {
    const sessions = db.prepare('SELECT id, meter_start_wh AS start, meter_stop_wh AS stop FROM sessions ORDER BY id').all() as { id: number; start: number; stop: number | null }[];
    const starts = db.prepare("SELECT session_id AS sessionId, payload FROM outbox WHERE kind = 'StartTransaction'").all() as { sessionId: number; payload: string }[];
    const payloadOf = new Map(starts.map((s) => [s.sessionId, JSON.parse(s.payload) as Record<string, unknown>]));
    return sessions.map((s) => ({ ...s, startPayload: payloadOf.get(s.id) ?? null }));
  } finally {
    db.close();
  }
}

/** A Start is the session's when its meterStart and timestamp are the ones the journal queued for it. */
const startKey = (p: Record<string, unknown>): string => `${String(p['meterStart'])}|${String(p['timestamp'])}`;

export interface CrashFigures {
  readonly lostNotJournaled: number;
  readonly lostNoStart: number;
  readonly lostNoStop: number;
  readonly duplicateStarts: number;
  readonly duplicateStops: number;
  /** Starts and Stops the CSMS got again for the same transaction (at-least-once re-sends it recognised). */
  readonly resent: number;
  /** Duplicates whose first copy the CSMS answered at most `windowMs` before a SIGKILL (see {@link compare}). */
  readonly duplicatesInWindow: number;
  readonly whMismatch: number;
}

/** Compares the journal, what the station printed and the CSMS ledger. */
export function compare(
  sessions: readonly JournalSession[],
  printed: ReadonlyMap<number, number>,
  ledger: readonly LedgerEntry[],
  killTimes: readonly number[] = [],
  windowMs = 1000,
): CrashFigures {
  const mine = ledger.filter((e) => e.identity === identity);
  const startsByKey = new Map<string, number[]>();
  const answeredAt = new Map<string, number>();
  for (const e of mine.filter((x) => x.method === 'StartTransaction')) {
    const tx = (e.answer as { transactionId?: unknown }).transactionId;
    if (typeof tx !== 'number') continue;
    const key = startKey(e.params);
    startsByKey.set(key, [...(startsByKey.get(key) ?? []), tx]);
    if (!answeredAt.has(`start ${key}`)) answeredAt.set(`start ${key}`, e.atMs);
  }
  const stopsByTx = new Map<number, Record<string, unknown>[]>();
  for (const e of mine.filter((x) => x.method === 'StopTransaction')) {
    const tx = e.params['transactionId'];
    if (typeof tx === 'number') stopsByTx.set(tx, [...(stopsByTx.get(tx) ?? []), { ...e.params, answeredAtMs: e.atMs }]);
  }
  const meterValuesByTx = new Map<number, number[]>();
  for (const e of mine.filter((x) => x.method === 'MeterValues')) {
    const tx = e.params['transactionId'];
    if (typeof tx !== 'number') continue;
    for (const mv of (e.params['meterValue'] as { sampledValue?: { value?: string; measurand?: string; unit?: string }[] }[] | undefined) ?? []) {
      for (const sv of mv.sampledValue ?? []) {
        if ((sv.measurand ?? 'Energy.Active.Import.Register') !== 'Energy.Active.Import.Register') continue;
        const wh = Number(sv.value) * (sv.unit === 'kWh' ? 1000 : 1);
        meterValuesByTx.set(tx, [...(meterValuesByTx.get(tx) ?? []), wh]);
      }
    }
  }

  const journaled = new Set(sessions.map((s) => s.id));
  let lostNotJournaled = 0;
  for (const id of printed.keys()) if (!journaled.has(id)) lostNotJournaled++;
  let lostNoStart = 0;
  let lostNoStop = 0;
  let duplicateStarts = 0;
  let duplicateStops = 0;
  let duplicatesInWindow = 0;
  let resent = 0;
  // At-least-once delivery: a kill after the CSMS answered and before the journal committed the delivery makes the
  // next run send the message again. OCPP 1.6 has no way to ask the CSMS whether it got it.
  const inWindow = (atMs: number | undefined): boolean => atMs !== undefined && killTimes.some((k) => k >= atMs && k - atMs <= windowMs);
  let whMismatch = 0;
  for (const s of sessions) {
    const answered = s.startPayload ? (startsByKey.get(startKey(s.startPayload)) ?? []) : [];
    // The same Start sent again is answered with the same transactionId by a CSMS that recognises it (the bench CSMS
    // does): a re-send, not a second transaction.
    const txs = [...new Set(answered)];
    resent += answered.length - txs.length;
    if (txs.length === 0) {
      lostNoStart++;
      continue;
    }
    // Distinct transactions for one session: the CSMS would bill it twice.
    duplicateStarts += txs.length - 1;
    if (answered.length > 1 && s.startPayload && inWindow(answeredAt.get(`start ${startKey(s.startPayload)}`))) duplicatesInWindow += txs.length - 1;
    const stops = txs.flatMap((tx) => stopsByTx.get(tx) ?? []);
    if (stops.length === 0) lostNoStop++;
    // A Stop of a second transaction of the session is a duplicate; the same Stop again is a re-send.
    const stoppedTxs = txs.filter((tx) => (stopsByTx.get(tx)?.length ?? 0) > 0).length;
    duplicateStops += Math.max(0, stoppedTxs - 1);
    resent += stops.length - stoppedTxs;
    if (stops.length > 1 && inWindow(Math.min(...stops.map((x) => Number(x['answeredAtMs']))))) duplicatesInWindow += stops.length - 1;
    for (const stop of stops) whMismatch += Math.abs(Number(stop['meterStop']) - (s.stop ?? 0));
    whMismatch += Math.abs(Number(s.startPayload?.['meterStart']) - s.start);
    // A periodic reading outside [meterStart, meterStop] of the meter is energy the CSMS saw that the meter did not.
    for (const wh of txs.flatMap((tx) => meterValuesByTx.get(tx) ?? [])) {
      if (wh < s.start) whMismatch += s.start - wh;
      else if (s.stop !== null && wh > s.stop) whMismatch += wh - s.stop;
    }
  }
  return { lostNotJournaled, lostNoStart, lostNoStop, duplicateStarts, duplicateStops, resent, duplicatesInWindow, whMismatch };
}

interface KillRun {
  readonly kills: number;
  readonly stateDir: string;
  readonly started: Map<number, number>;
  /** Sessions a restart found open and closed as PowerLoss: kills that landed inside a session. */
  readonly recovered: number;
  readonly killTimes: number[];
  readonly ledger: LedgerEntry[];
}

/**
 * Kills `evse sim` (OCPP `version`) `kills` times at random moments against a CSMS process, then runs it once more
 * cleanly to drain the outbox, and hands the state directory and the CSMS's ledger to `judge` before cleaning up.
 */
async function killRun<T>(version: '1.6' | '2.0.1', id: string, label: string, kills: number, options: PartOptions, judge: (run: KillRun) => T): Promise<T> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'evse-rel-crash-'));
  const csms = await startCsmsProcess(join(dir, 'ledger.jsonl'));
  try {
    const stateDir = join(dir, 'state');
    const configFile = join(dir, 'config.json');
    // A small battery: sessions also end by themselves between kills, so every moment of the lifecycle gets hit.
    // EVSE_RELIABILITY_COMMIT_DELAY_MS holds every journal commit that long (a slow SD card): it widens the window
    // between the CSMS's answer and the commit of the delivery, to show what a kill inside it does.
    const commitDelayMs = Number(process.env['EVSE_RELIABILITY_COMMIT_DELAY_MS'] ?? 0);
    writeFileSync(configFile, JSON.stringify({ simulator: { ev: { batteryWh: 2500, maxCurrentA: 16 } }, ...(commitDelayMs > 0 ? { journal: { commitDelayMs } } : {}) }));
    const args = ['--scenario', 'continuous', '--speed', '120', '--status-interval', '0', '--no-web', '--state-dir', stateDir, '--config', configFile, '--csms', csms.url, '--id', id, '--drain-timeout', '120', '--ocpp', version];
    const started = new Map<number, number>();
    const recovered = { count: 0 };
    const killTimes: number[] = [];
    // A fixed seed keeps a failure reproducible; the moments still spread over the whole lifecycle.
    let seed = 0x5eed12;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const t0 = Date.now();
    for (let i = 0; i < kills; i++) {
      await runStation(args, 100 + Math.floor(random() * 4000), started, recovered, killTimes);
      if ((i + 1) % 20 === 0) log(`${label}: ${i + 1}/${kills} kills, ${started.size} sessions, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    await runStation(args, 'sigint', started, recovered, killTimes);
    return judge({ kills, stateDir, started, recovered: recovered.count, killTimes, ledger: csms.ledger() });
  } finally {
    await csms.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const killsFor = (options: PartOptions): number => (options.scale === 'full' ? Number(process.env['EVSE_RELIABILITY_KILLS'] ?? 200) : 2);

/** The crash test over OCPP 1.6. */
export async function run(options: PartOptions): Promise<Row[]> {
  return killRun('1.6', identity, part, killsFor(options), options, (k) => {
    const sessions = readJournal(k.stateDir);
    const f = compare(sessions, k.started, k.ledger, k.killTimes);
    const resends = f.resent + f.duplicateStarts + f.duplicateStops;
    return [
      info(part, 'SIGKILLs', k.kills),
      info(part, 'sessions in the journal', sessions.length),
      info(part, 'kills that landed inside a session (recovered as PowerLoss)', k.recovered),
      zero(part, 'sessions lost: started by the station, not in the journal', f.lostNotJournaled),
      zero(part, 'sessions lost: in the journal, no Start at the CSMS', f.lostNoStart),
      zero(part, 'sessions lost: in the journal, no Stop at the CSMS', f.lostNoStop),
      // A kill between the CSMS's answer and the journal's commit of the delivery makes any OCPP 1.6 station send the
      // message again (docs/RELIABILITY.md). The bench CSMS, like a careful backend, answers an identical Start with
      // the transactionId it gave it, so a re-send is no second transaction: distinct transactions must be 0.
      zero(part, 'Starts duplicated at the CSMS (distinct transactions for one session)', f.duplicateStarts),
      zero(part, 'Stops duplicated at the CSMS (Stops of distinct transactions for one session)', f.duplicateStops),
      info(part, 'Starts and Stops re-sent for the same transaction (at-least-once)', f.resent),
      info(part, '… re-sends whose first copy was answered ≤ 1 s before a SIGKILL (kill before the delivery commit)', f.duplicatesInWindow),
      zero(part, 're-sends outside that window (sent again after a committed delivery)', resends - f.duplicatesInWindow),
      { ...zero(part, 'Wh mismatch meter vs CSMS (Start, Stop, MeterValues)', f.whMismatch), unit: 'Wh' },
    ];
  });
}

const part201 = 'crash consistency 2.0.1';

/** The crash test over OCPP 2.0.1: the same kills, TransactionEvents checked by transactionId and seqNo. */
export async function run201(options: PartOptions): Promise<Row[]> {
  return killRun('2.0.1', identity201, part201, killsFor(options), options, (k) => {
    const sessions = readJournal201(k.stateDir);
    const f = compare201(sessions, k.started, k.ledger, identity201, k.killTimes);
    const p = part201;
    const recoveredInJournal = sessions.filter((s) => s.recovered).length;
    for (const r of f.resentOutside) {
      options.log?.(
        `${p}: re-send outside the window: ${r.transactionId} seqNo ${r.seqNo}, copy ${r.copyAfterMs} ms after the first answer${r.sameConnection ? ' on the same connection' : ''}, ${r.killAfterAnswerMs === null ? 'no kill between' : `first kill ${r.killAfterAnswerMs} ms after that answer`}`,
      );
    }
    return [
      info(p, 'SIGKILLs', k.kills),
      info(p, 'sessions in the journal', sessions.length),
      info(p, 'TransactionEvents the journal numbered', sessions.reduce((n, s) => n + s.events, 0)),
      info(p, 'kills that landed inside a session (recovered as PowerLoss)', k.recovered),
      zero(p, 'sessions lost: started by the station, not in the journal', f.lostNotJournaled),
      zero(p, 'sessions lost: in the journal, no Started at the CSMS', f.lostNoStarted),
      zero(p, 'sessions lost: in the journal, no Ended at the CSMS', f.lostNoEnded),
      zero(p, 'transactions with a second Started', f.doubleStarted),
      zero(p, 'transactions with a second Ended', f.doubleEnded),
      zero(p, 'seqNo gaps at the CSMS (numbered by the journal, never answered)', f.seqNoGaps),
      zero(p, 'seqNos repeated with another event, or never numbered by the journal', f.seqNoRepeats),
      zero(p, 'events first delivered after a higher seqNo of their transaction', f.outOfOrder),
      zero(p, 'transactionIds at the CSMS the journal does not know (a restart that made up a new id)', f.unknownTransactions),
      // Every session a restart closed must have its Started and Ended under the one id it got at its start.
      zero(p, 'sessions killed mid-transaction whose Ended did not continue their transactionId', recoveredInJournal - f.recoveredContinued),
      info(p, 'sessions killed mid-transaction, Ended under the same transactionId', f.recoveredContinued),
      info(p, 'events flagged offline (journaled before the restart that sent them, or while the link was down)', f.offlineEvents),
      info(p, 'events re-sent (same transaction, seqNo and content: at-least-once)', f.resent),
      info(p, '… re-sends on a new connection after a SIGKILL from 5 s before to 1 s after the first answer (before the delivery commit)', f.resentInWindow),
      zero(p, 're-sends outside that window (on the same connection, or no kill near the answer)', f.resent - f.resentInWindow),
      { ...zero(p, 'Wh mismatch meter vs CSMS (Started, Ended, Updated registers)', f.whMismatch), unit: 'Wh' },
    ];
  });
}
