/**
 * A station for 2.0.1 transaction tests whose sessions live in the REAL journal, as the station's control core
 * commits them: a session starts when the EV is plugged in and authorized (local tap or remote), and its start and
 * stop commit their outbox rows (StartTransaction / StopTransaction) in the journal. Statuses follow: Available →
 * Preparing (plugged or authorized) → Charging → Finishing (stopped, still plugged) → Available.
 */
import type { MeterSample } from '../../../../hal/meter.js';
import type { Journal } from '../../../../src/journal/journal.js';
import type { ActiveSession, ChargePointPort, ConnectorStatusSnapshot, StopReason } from '../../../../src/ocpp/charge-point-port.js';

export class JournalStation implements ChargePointPort {
  importWh = 1000;
  private session: ActiveSession | null = null;
  private sample: MeterSample | null = null;
  private plugged: { atMs: number } | null = null;
  private authorized: { idTag: string; atMs: number } | null = null;
  private readonly statuses = new Map<0 | 1, ConnectorStatusSnapshot>();
  private readonly listeners = new Set<(c: 0 | 1, s: ConnectorStatusSnapshot) => void>();
  readonly requests: { what: string; detail: unknown }[] = [];
  /** Journal commits in flight (a test waits for them). */
  private pending: Promise<unknown> = Promise.resolve();

  constructor(public journal: Journal, private readonly onCommitted: () => void = () => undefined) {
    for (const c of [0, 1] as const) this.statuses.set(c, { status: 'Available', errorCode: 'NoError', sinceMs: Date.now() });
  }

  connectorStatus(connectorId: 0 | 1): ConnectorStatusSnapshot {
    return this.statuses.get(connectorId) as ConnectorStatusSnapshot;
  }

  onStatusChange(listener: (c: 0 | 1, s: ConnectorStatusSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setStatus(status: ConnectorStatusSnapshot['status']): void {
    const s: ConnectorStatusSnapshot = { status, errorCode: 'NoError', sinceMs: Date.now() };
    this.statuses.set(1, s);
    for (const l of this.listeners) l(1, s);
  }

  activeSession(): ActiveSession | null {
    return this.session;
  }

  latestSample(): MeterSample | null {
    return this.sample;
  }

  onSample(): () => void {
    return () => undefined;
  }

  meter(addWh: number, powerW = 11_000): void {
    this.importWh += addWh;
    const phase = { voltageV: 230, currentA: powerW / 690, powerW: powerW / 3 };
    this.sample = { phases: [phase, phase, phase], totalPowerW: powerW, importWh: this.importWh, frequencyHz: 50, readAtMs: Date.now() };
  }

  /** The EV is plugged in (cable first, or completing an authorization first). */
  plugIn(): void {
    this.plugged = { atMs: Date.now() };
    if (!this.maybeStart()) this.setStatus('Preparing');
  }

  /** The EV leaves: a running session ends with EVDisconnected. */
  unplug(): void {
    this.plugged = null;
    if (this.session) this.stop('EVDisconnected');
    this.setStatus('Available');
  }

  /** A card the station already authorized (local start, E02/E03), or a remote start. */
  authorizeStart(idTag: string, origin: 'local' | 'remote'): 'Accepted' | 'Rejected' {
    this.requests.push({ what: 'authorizeStart', detail: { idTag, origin } });
    if (this.session) return 'Rejected';
    this.authorized = { idTag, atMs: Date.now() };
    if (!this.maybeStart()) this.setStatus('Preparing');
    return 'Accepted';
  }

  private maybeStart(): boolean {
    if (!this.plugged || !this.authorized || this.session) return false;
    const now = Date.now();
    const start = { connectorId: 1, idTag: this.authorized.idTag, plugInAtMs: this.plugged.atMs, authorizedAtMs: this.authorized.atMs, startAtMs: now, meterStartWh: this.importWh };
    // The control core waits for the commit before it closes the contactor; the session id comes with it.
    const placeholder: ActiveSession = { sessionId: -1, idTag: start.idTag, startAtMs: now, meterStartWh: this.importWh };
    this.session = placeholder;
    this.pending = this.pending.then(async () => {
      const sessionId = await this.journal.startSession(start);
      if (this.session === placeholder) this.session = { ...placeholder, sessionId };
      this.onCommitted();
      this.setStatus('Charging');
    });
    return true;
  }

  stopSession(reason: StopReason): boolean {
    this.requests.push({ what: 'stopSession', detail: reason });
    if (!this.session) return false;
    this.stop(reason);
    return true;
  }

  /** A card tap stops it (Local, with the stopping card). */
  tapStop(idTag: string): void {
    this.stop('Local', idTag);
  }

  private stop(reason: StopReason, stopIdTag?: string): void {
    const session = this.session;
    if (!session) return;
    this.session = null;
    this.authorized = null;
    const stopAtMs = Date.now();
    const meterStopWh = this.importWh;
    this.pending = this.pending.then(async () => {
      await this.journal.stopSession(session.sessionId, { stopAtMs, meterStopWh, reason, ...(stopIdTag ? { stopIdTag } : {}) });
      this.onCommitted();
      this.setStatus(this.plugged ? 'Finishing' : 'Available');
    });
  }

  /** Resolves once every start/stop so far is committed. */
  committed(): Promise<unknown> {
    return this.pending;
  }

  /** The external limits smart charging gave, in order (null: none). */
  readonly limits: (number | null)[] = [];

  setExternalLimitA(limitA: number | null): void {
    this.limits.push(limitA);
  }

  changeAvailability(): 'Accepted' | 'Scheduled' | 'Rejected' {
    return this.session ? 'Scheduled' : 'Accepted';
  }

  async unlockConnector(): Promise<'Unlocked' | 'UnlockFailed' | 'NotSupported'> {
    this.requests.push({ what: 'unlockConnector', detail: null });
    await new Promise((resolve) => setTimeout(resolve, 20));
    return 'Unlocked';
  }

  reset(kind: 'Soft' | 'Hard'): Promise<void> {
    this.requests.push({ what: 'reset', detail: kind });
    if (this.session) this.stop(kind === 'Soft' ? 'SoftReset' : 'HardReset');
    return Promise.resolve();
  }
}
