import type { SessionEventKind, StopReason } from '../session/recorder.js';
import type { EventRow, OutboxKind, OutboxMessage, SampleRow, SessionRow } from './ports.js';
import type { AlertAudience, AlertRow, AlertSeverity, AlertState } from './types.js';

/** Column shapes as better-sqlite3 returns them. */
export interface SessionRecord {
  id: number;
  connector_id: number;
  id_tag: string | null;
  plug_in_at: number | null;
  authorized_at: number | null;
  start_at: number;
  stop_at: number | null;
  unplug_at: number | null;
  meter_start_wh: number;
  meter_stop_wh: number | null;
  stop_reason: string | null;
  stop_id_tag: string | null;
  reservation_id: number | null;
  csms_transaction_id: number | null;
  id_tag_status: string | null;
  cost: string | null;
  clock_trusted: number;
  recovered: number;
}

export interface SampleRecord {
  id: number;
  session_id: number | null;
  at: number;
  import_wh: number;
  power_w: number;
  currents: string;
  voltages: string;
  frequency_hz: number | null;
  signed_record: string | null;
}

export interface EventRecord {
  id: number;
  session_id: number;
  kind: string;
  at: number;
  detail: string | null;
}

export interface OutboxRecord {
  seq: number;
  kind: string;
  session_id: number | null;
  payload: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  state: 'pending' | 'delivered' | 'dead';
  last_error: string | null;
  answer: string | null;
  delivered_at: number | null;
  tx_seq_no?: number | null;
  /** Joined from the message's session by {@link OutboxRecords.head}. */
  tx_uid?: string | null;
  tx_plug_in_at?: number | null;
  tx_authorized_at?: number | null;
}

export interface AlertRecord {
  id: number;
  at: number;
  severity: string;
  code: string;
  message: string;
  detail: string | null;
  dedup_key: string;
  audience: string;
  last_at: number;
  count: number;
  state: string;
  state_at: number | null;
  state_by: string | null;
}

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

export function toSessionRow(r: SessionRecord): SessionRow {
  return {
    id: r.id,
    connectorId: r.connector_id,
    idTag: r.id_tag,
    plugInAtMs: r.plug_in_at,
    authorizedAtMs: r.authorized_at,
    startAtMs: r.start_at,
    stopAtMs: r.stop_at,
    unplugAtMs: r.unplug_at,
    meterStartWh: r.meter_start_wh,
    meterStopWh: r.meter_stop_wh,
    stopReason: r.stop_reason as StopReason | null,
    csmsTransactionId: r.csms_transaction_id,
    cost: parseJson<unknown>(r.cost),
    clockTrusted: r.clock_trusted === 1,
  };
}

export function toSampleRow(r: SampleRecord): SampleRow {
  return {
    sessionId: r.session_id,
    atMs: r.at,
    importWh: r.import_wh,
    totalPowerW: r.power_w,
    currentsA: JSON.parse(r.currents) as number[],
    voltagesV: JSON.parse(r.voltages) as number[],
    signedRecord: r.signed_record,
  };
}

export function toEventRow(r: EventRecord): EventRow {
  return {
    sessionId: r.session_id,
    kind: r.kind as SessionEventKind,
    atMs: r.at,
    detail: parseJson<Record<string, string | number | boolean | null>>(r.detail),
  };
}

export function toOutboxMessage(r: OutboxRecord): OutboxMessage {
  return {
    seq: r.seq,
    kind: r.kind as OutboxKind,
    sessionId: r.session_id,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    createdAtMs: r.created_at,
    attempts: r.attempts,
    nextAttemptAtMs: r.next_attempt_at,
    ...(typeof r.tx_uid === 'string'
      ? {
          transaction: {
            id: r.tx_uid,
            seqNo: r.tx_seq_no ?? null,
            plugInAtMs: r.tx_plug_in_at ?? null,
            authorizedAtMs: r.tx_authorized_at ?? null,
          },
        }
      : {}),
  };
}

export function toAlertRow(r: AlertRecord): AlertRow {
  const detail = parseJson<Record<string, string | number | boolean | null>>(r.detail);
  return {
    id: r.id,
    atMs: r.at,
    severity: r.severity as AlertSeverity,
    code: r.code,
    message: r.message,
    ...(detail === null ? {} : { detail }),
    dedupKey: r.dedup_key,
    audience: r.audience as AlertAudience,
    lastAtMs: r.last_at,
    count: r.count,
    state: r.state as AlertState,
    stateAtMs: r.state_at,
    stateBy: r.state_by,
  };
}
