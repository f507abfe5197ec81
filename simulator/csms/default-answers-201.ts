/**
 * What the bench CSMS answers a station speaking OCPP 2.0.1 when a test did not install its own responder. Same
 * steering state as for 1.6 (boot status, heartbeat interval, refused id tags), 2.0.1 shapes.
 */
import type { CsmsAnswerState } from './default-answers.js';

type Answer = (params: Record<string, unknown>, identity: string) => unknown;

/** Default responders per station-initiated 2.0.1 action. */
export function defaultCsms201Answers(state: CsmsAnswerState): Record<string, Answer> {
  const idTokenInfo = (idToken: unknown): { status: string } => {
    const token = (idToken as { idToken?: unknown } | undefined)?.idToken;
    if (typeof token === 'string' && state.rejectedIdTags.has(token)) return { status: 'Blocked' };
    if (typeof token === 'string' && state.unknownIdTags.has(token)) return { status: 'Invalid' };
    return { status: 'Accepted' };
  };
  const now = (): string => new Date().toISOString();
  return {
    BootNotification: () => ({ status: state.bootStatus, currentTime: now(), interval: state.heartbeatIntervalS }),
    Heartbeat: () => ({ currentTime: now() }),
    StatusNotification: () => ({}),
    Authorize: (p) => ({ idTokenInfo: idTokenInfo(p['idToken']) }),
    // An idToken in the event (the start, an authorization change) gets its status; otherwise nothing to say.
    TransactionEvent: (p) => (p['idToken'] !== undefined ? { idTokenInfo: idTokenInfo(p['idToken']) } : {}),
    MeterValues: () => ({}),
    NotifyReport: () => ({}),
    NotifyEvent: () => ({}),
    SecurityEventNotification: () => ({}),
    FirmwareStatusNotification: () => ({}),
    LogStatusNotification: () => ({}),
    NotifyCustomerInformation: () => ({}),
    NotifyChargingLimit: () => ({}),
    ReportChargingProfiles: () => ({}),
    ReservationStatusUpdate: () => ({}),
    DataTransfer: () => ({ status: 'UnknownVendorId' }),
  };
}
