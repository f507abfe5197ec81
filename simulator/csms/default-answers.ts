/** What the bench CSMS answers when a test did not install its own responder. */

/** Mutable state behind the default answers; tests change it to steer the CSMS. */
export interface CsmsAnswerState {
  nextTransactionId: number;
  heartbeatIntervalS: number;
  bootStatus: 'Accepted' | 'Pending' | 'Rejected';
  /** Id tags answered Blocked. */
  rejectedIdTags: Set<string>;
  /** Id tags answered Invalid. */
  unknownIdTags: Set<string>;
}

type Answer = (params: Record<string, unknown>, identity: string) => unknown;

/** Default responders per station-initiated method. */
export function defaultCsmsAnswers(state: CsmsAnswerState): Record<string, Answer> {
  const idTagInfo = (idTag: unknown): { status: string } => {
    if (typeof idTag === 'string' && state.rejectedIdTags.has(idTag)) return { status: 'Blocked' };
    if (typeof idTag === 'string' && state.unknownIdTags.has(idTag)) return { status: 'Invalid' };
    return { status: 'Accepted' };
  };
  const now = (): string => new Date().toISOString();
  return {
    BootNotification: () => ({ status: state.bootStatus, currentTime: now(), interval: state.heartbeatIntervalS }),
    Heartbeat: () => ({ currentTime: now() }),
    Authorize: (p) => ({ idTagInfo: idTagInfo(p['idTag']) }),
    StartTransaction: (p) => ({ transactionId: state.nextTransactionId++, idTagInfo: idTagInfo(p['idTag']) }),
    StopTransaction: (p) => (typeof p['idTag'] === 'string' ? { idTagInfo: idTagInfo(p['idTag']) } : {}),
    MeterValues: () => ({}),
    StatusNotification: () => ({}),
    DataTransfer: () => ({ status: 'Accepted' }),
    DiagnosticsStatusNotification: () => ({}),
    FirmwareStatusNotification: () => ({}),
    SecurityEventNotification: () => ({}),
  };
}
