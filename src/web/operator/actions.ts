/**
 * The operator's actions, carried out on the station's thread through the station's own inputs (the controller's
 * stop, availability and fault reset, the journal's alert states) and each journaled in `operator_actions` with its
 * arguments, its result, the time and the client's address.
 */
import type { StopReason } from '../../control/charger-fsm.js';
import type { LoadMode } from '../../control/load/load-manager.js';
import type { OperatorActionInput, OperatorActionRow } from '../../journal/page-records.js';
import type { AlertQuery, AlertRow } from '../../journal/types.js';
import type { JournalFigures, StationCounts } from '../metrics-data.js';
import { refused, type OperatorRequest, type PageAnswer } from '../page-requests.js';
import type { UplinkView } from '../sources.js';
import { alertGuidance } from './alert-guidance.js';

/** The station's inputs an operator may use: the same a CSMS or the front panel uses. */
export interface OperatorControls {
  resetFaults(): readonly string[];
  stop(reason: StopReason, idTag?: string, immediate?: boolean): void;
  setAvailability(operative: boolean): 'Accepted' | 'Scheduled';
  activeSessionId(): number | null;
}

/** Load management, when the station has it (the `loadManagement` section with a mains meter). */
export interface OperatorLoad {
  figures(): { readonly mode: LoadMode };
  setMode(mode: LoadMode): void;
}

export interface OperatorJournal {
  recordOperatorAction(action: OperatorActionInput): Promise<number>;
  operatorActions(limit: number): Promise<readonly OperatorActionRow[]>;
  /** Undelivered outbox messages (the uplink's queue). */
  depth(): Promise<number>;
}

/** The journal's alerts (alert-api.md): listed, acknowledged and closed by the operator. */
export interface OperatorAlerts {
  listAlerts(q: AlertQuery): Promise<readonly AlertRow[]>;
  setAlertState(id: number, state: 'acknowledged' | 'closed', by: string): Promise<AlertRow>;
}

/** A diagnostics bundle as GetDiagnostics uploads it: gzipped JSON. */
export interface DiagnosticsBundle {
  readonly fileName: string;
  readonly bytes: Uint8Array;
}

export interface OperatorActionDeps {
  readonly controls: OperatorControls;
  readonly journal: OperatorJournal;
  readonly alerts: OperatorAlerts;
  /** Absent: the station has no load management, and the page offers no mode. */
  readonly load?: OperatorLoad | null;
  counts(): StationCounts;
  readonly uplinkStatus?: () => Promise<UplinkView | null>;
  readonly journalFigures?: () => Promise<JournalFigures>;
  diagnostics(): Promise<DiagnosticsBundle>;
  /** Maps a rejection of the alert port to its HTTP status (unknown alert 404, a state change not allowed 409). */
  alertErrorStatus(err: unknown): 404 | 409 | null;
  readonly onError?: (message: string) => void;
}

/** The operator's health view: meter errors, uplink, queue, journal size. */
export interface OperatorHealth {
  readonly meterErrors: Readonly<Record<string, number>>;
  readonly faultsRaised: Readonly<Record<string, number>>;
  readonly eventLoopLag: StationCounts['eventLoopLag'];
  readonly uplink: UplinkView | null;
  readonly outboxDepth: number;
  readonly journalBytes: number | null;
  /** Load management's mode, or null without load management. */
  readonly loadMode: LoadMode | null;
}

const ok = (value: unknown): PageAnswer => ({ ok: true, value });

/** `by` of an alert state change made from the page. */
export const operatorBy = (clientAddress: string): string => `operator@${clientAddress}`;

async function carryOut(deps: OperatorActionDeps, request: OperatorRequest, clientAddress: string): Promise<PageAnswer> {
  switch (request.op) {
    case 'alerts': {
      const rows = await deps.alerts.listAlerts({ states: ['open', 'acknowledged'], audience: 'operator', limit: 200 });
      return ok({ alerts: rows.map((a) => ({ ...a, guidance: alertGuidance(a.code) })) });
    }
    case 'alert-state':
      try {
        return ok(await deps.alerts.setAlertState(request.alertId, request.state, operatorBy(clientAddress)));
      } catch (err) {
        const status = deps.alertErrorStatus(err);
        if (status === null) throw err;
        return refused(status, `alert ${request.alertId}: ${(err as Error).message}`);
      }
    case 'reset-faults':
      return ok({ reset: deps.controls.resetFaults() });
    case 'stop-session': {
      const sessionId = deps.controls.activeSessionId();
      if (sessionId === null) return refused(409, 'no session is running');
      // A stop at the station by a person: OCPP's 'Local' (the operator is named in the action log, not as an id tag).
      deps.controls.stop('Local');
      return ok({ sessionId, reason: 'Local' });
    }
    case 'availability':
      return ok({ operative: request.operative, status: deps.controls.setAvailability(request.operative) });
    case 'load-mode': {
      if (!deps.load) return refused(409, 'this station has no load management (the loadManagement section with a mains meter)');
      const from = deps.load.figures().mode;
      deps.load.setMode(request.mode);
      return ok({ mode: request.mode, from });
    }
    case 'health':
      return ok(await health(deps));
    case 'diagnostics':
      return ok(await deps.diagnostics());
    case 'action-log':
      return ok({ actions: await deps.journal.operatorActions(request.limit) });
    case 'note':
      return ok({ noted: request.what });
  }
}

async function health(deps: OperatorActionDeps): Promise<OperatorHealth> {
  const counts = deps.counts();
  const [uplink, figures] = await Promise.all([deps.uplinkStatus?.() ?? null, deps.journalFigures?.() ?? null]);
  return {
    meterErrors: counts.meterErrors,
    faultsRaised: counts.faultsRaised,
    eventLoopLag: counts.eventLoopLag,
    uplink,
    outboxDepth: uplink?.outboxDepth ?? (await deps.journal.depth()),
    journalBytes: figures?.fileBytes ?? null,
    loadMode: deps.load?.figures().mode ?? null,
  };
}

/** Reads that change nothing are not journaled; everything else is, with what came of it. */
const journaled = (request: OperatorRequest): boolean => !['alerts', 'health', 'action-log'].includes(request.op);

/** What of an answer goes into the action log (a diagnostics bundle is named, not copied). */
function resultText(op: OperatorRequest['op'], answer: PageAnswer): string {
  if (!answer.ok) return `${answer.status}: ${answer.error}`;
  const value = answer.value as Record<string, unknown>;
  if (op === 'diagnostics') return JSON.stringify({ fileName: value['fileName'], bytes: (value['bytes'] as Uint8Array).length });
  // The alert itself is in the journal: the log keeps what changed.
  if (op === 'alert-state') return JSON.stringify({ state: value['state'], stateBy: value['stateBy'], code: value['code'] });
  return JSON.stringify(value).slice(0, 2000);
}

/** Carries out one operator request and journals it; never rejects. */
export async function operatorAction(deps: OperatorActionDeps, request: OperatorRequest, clientAddress: string): Promise<PageAnswer> {
  let answer: PageAnswer;
  try {
    answer = await carryOut(deps, request, clientAddress);
  } catch (err) {
    deps.onError?.(`operator ${request.op} failed: ${(err as Error).message}`);
    answer = refused(500, `${request.op} failed: ${(err as Error).message}`);
  }
  if (journaled(request)) {
    const { op, ...args } = request;
    const action = op === 'note' ? request.what : op;
    const entry: OperatorActionInput = {
      action,
      args: op === 'note' || Object.keys(args).length === 0 ? null : args,
      ok: answer.ok,
      result: op === 'note' ? action : resultText(op, answer),
      clientAddress,
    };
    await deps.journal.recordOperatorAction(entry).catch((err: unknown) => {
      deps.onError?.(`operator action ${action} not journaled: ${(err as Error).message}`);
    });
  }
  return answer;
}
