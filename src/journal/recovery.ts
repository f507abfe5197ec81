import type { StopReason } from '../session/recorder.js';
import type { SessionRecord } from './rows.js';
import { cleanShutdownKey, journalNamespace, type JournalStore } from './store.js';
import type { CleanShutdownKind, RecoveredSession, RecoveryReport } from './types.js';

/** The most a station can draw (3 × 80 A × 480 V): a meter that gained more than this while we were down lies. */
export const maxPlausiblePowerW = 115_200;
/** Allowance for a register that ticked between the last journaled sample and the power cut. */
const plausibilitySlackWh = 10;

const cleanShutdownKinds: ReadonlySet<string> = new Set(['Reboot', 'SoftReset', 'HardReset']);

function readCleanShutdown(store: JournalStore): { kind: CleanShutdownKind; atMs: number } | null {
  const marker = store.kvGet(journalNamespace, cleanShutdownKey);
  if (typeof marker !== 'object' || marker === null) return null;
  const { kind, atMs } = marker as { kind?: unknown; atMs?: unknown };
  if (typeof kind !== 'string' || !cleanShutdownKinds.has(kind) || typeof atMs !== 'number') return null;
  return { kind: kind as CleanShutdownKind, atMs };
}

/** The number of sessions a boot recovery would close. */
export function openSessionCount(store: JournalStore): number {
  return (store.sql('SELECT COUNT(*) AS n FROM sessions WHERE stop_at IS NULL').get() as { n: number }).n;
}

/**
 * Why a meter reading taken at boot cannot be the meterStop of a session last seen at `lastWh` / `lastAtMs`,
 * or null when it is plausible: a whole number of Wh, not below the journal, and not more than the station could
 * have drawn since (the contactor opens when the process dies, so normally it gained nothing).
 */
export function implausibility(readingWh: number, lastWh: number, lastAtMs: number, nowMs: number): string | null {
  if (!Number.isSafeInteger(readingWh) || readingWh < 0) return `reading ${readingWh} Wh is not a whole register value`;
  if (readingWh < lastWh) return `reading ${readingWh} Wh is below the last journaled register ${lastWh} Wh`;
  const hours = Math.max(0, nowMs - lastAtMs) / 3_600_000;
  const ceilingWh = lastWh + Math.ceil(maxPlausiblePowerW * hours) + plausibilitySlackWh;
  if (readingWh > ceilingWh) {
    return `reading ${readingWh} Wh is more than the station could have drawn since the last sample (at most ${ceilingWh} Wh)`;
  }
  return null;
}

/**
 * Boot recovery, one transaction: every session still open is closed with reason PowerLoss (or the kind of the clean
 * shutdown journaled before this boot), meterStop = the meter's current register when plausible, else the last
 * journaled one; its StopTransaction is queued behind whatever the outbox already holds. The clean-shutdown marker
 * is consumed. Running it twice closes nothing twice.
 */
export function recoverOpenSessions(store: JournalStore, meterReadingWh: number | null, nowMs: number): RecoveryReport {
  return store.tx(() => {
    const marker = readCleanShutdown(store);
    const open = store.sql('SELECT * FROM sessions WHERE stop_at IS NULL ORDER BY id').all() as SessionRecord[];
    const reason: StopReason = marker?.kind ?? 'PowerLoss';
    const closed: RecoveredSession[] = [];
    let meterRejected: string | null = meterReadingWh === null && open.length > 0 ? 'meter could not be read' : null;
    open.forEach((session, index) => {
      const last = store
        .sql('SELECT import_wh AS wh, at FROM samples WHERE session_id = ? ORDER BY id DESC LIMIT 1')
        .get(session.id) as { wh: number; at: number } | undefined;
      const lastEvent = store.sql('SELECT MAX(at) AS at FROM session_events WHERE session_id = ?').get(session.id) as {
        at: number | null;
      };
      const lastWh = Math.max(session.meter_start_wh, last?.wh ?? 0);
      // The last instant the journal saw the session alive: a power cut happened after it.
      const lastAtMs = Math.max(session.start_at, last?.at ?? 0, lastEvent.at ?? 0);
      let meterStopWh = lastWh;
      let meterSource: RecoveredSession['meterSource'] = 'journal';
      // Only the newest open session was running when the station went down; older ones keep their journal value.
      if (meterReadingWh !== null && index === open.length - 1) {
        const problem = implausibility(meterReadingWh, lastWh, lastAtMs, nowMs);
        if (problem === null) {
          meterStopWh = meterReadingWh;
          meterSource = 'meter';
        } else {
          meterRejected = problem;
        }
      }
      const stopAtMs = marker ? Math.max(marker.atMs, lastAtMs) : lastAtMs;
      const stopSeq = store.closeSession(session.id, stopAtMs, meterStopWh, reason, null, true, nowMs);
      store.sql('INSERT INTO session_events (session_id, kind, at, detail) VALUES (?, ?, ?, ?)').run(
        session.id,
        'stopped',
        stopAtMs,
        JSON.stringify({ reason, recovered: true, meterSource }),
      );
      store.insertAlert(
        {
          severity: 'warn',
          code: 'session-recovered',
          message: `Session ${session.id} was still open at boot; closed with reason ${reason} at ${meterStopWh} Wh (${meterSource}).`,
          detail: { sessionId: session.id, reason, meterStopWh, meterSource },
          // One alert per recovered session, not one counted for all.
          dedupKey: `session-recovered:${session.id}`,
        },
        nowMs,
      );
      closed.push({ sessionId: session.id, reason, meterStopWh, meterSource, stopAtMs, stopSeq });
    });
    store.sql('DELETE FROM settings WHERE namespace = ? AND key = ?').run(journalNamespace, cleanShutdownKey);
    return {
      closed,
      cleanShutdown: marker?.kind ?? null,
      meterReadingWh,
      meterRejected: open.length > 0 ? meterRejected : null,
      pendingOutbox: store.depth(),
    };
  });
}
