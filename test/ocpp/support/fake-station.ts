import type { MeterSample } from '../../../hal/meter.js';
import type { ActiveSession, ChargePointPort, ConnectorStatusSnapshot, Reservation, StopReason } from '../../../src/ocpp/charge-point-port.js';
import type { MemoryOutboxStore } from './memory-outbox.js';

/**
 * A station for uplink tests: it implements ChargePointPort and plays the journal's part of a session (a start appends
 * StartTransaction to the outbox, a stop appends StopTransaction), like the real station + SQLite journal would.
 */
export class FakeStation implements ChargePointPort {
  importWh = 1000;
  private nextSessionId = 1;
  private session: ActiveSession | null = null;
  private sample: MeterSample | null = null;
  private readonly statuses = new Map<0 | 1, ConnectorStatusSnapshot>();
  private readonly statusListeners = new Set<(c: 0 | 1, s: ConnectorStatusSnapshot) => void>();
  private readonly sampleListeners = new Set<(s: MeterSample) => void>();
  readonly requests: { what: string; detail: unknown }[] = [];
  readonly limits: (number | null)[] = [];
  availabilityAnswer: 'Accepted' | 'Scheduled' | 'Rejected' = 'Accepted';
  acceptStarts = true;

  constructor(
    readonly outbox: MemoryOutboxStore,
    private readonly now: () => number = () => Date.now(),
    /** Called after each outbox append (wakes the sender). */
    public onAppend: () => void = () => undefined,
  ) {
    for (const c of [0, 1] as const) this.statuses.set(c, { status: 'Available', errorCode: 'NoError', sinceMs: now() });
  }

  connectorStatus(connectorId: 0 | 1): ConnectorStatusSnapshot {
    return this.statuses.get(connectorId) as ConnectorStatusSnapshot;
  }

  onStatusChange(listener: (c: 0 | 1, s: ConnectorStatusSnapshot) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  setStatus(connectorId: 0 | 1, status: ConnectorStatusSnapshot['status'], extra: Partial<ConnectorStatusSnapshot> = {}): void {
    const s: ConnectorStatusSnapshot = { status, errorCode: 'NoError', sinceMs: this.now(), ...extra };
    this.statuses.set(connectorId, s);
    for (const l of this.statusListeners) l(connectorId, s);
  }

  activeSession(): ActiveSession | null {
    return this.session;
  }

  latestSample(): MeterSample | null {
    return this.sample;
  }

  onSample(listener: (s: MeterSample) => void): () => void {
    this.sampleListeners.add(listener);
    return () => this.sampleListeners.delete(listener);
  }

  /** A new meter reading with `addWh` more energy. */
  meter(addWh: number, powerW = 11_000): MeterSample {
    this.importWh += addWh;
    const phase = { voltageV: 230, currentA: powerW / 690, powerW: powerW / 3 };
    this.sample = { phases: [phase, phase, phase], totalPowerW: powerW, importWh: this.importWh, frequencyHz: 50, readAtMs: this.now() };
    for (const l of this.sampleListeners) l(this.sample);
    return this.sample;
  }

  /** Starts a session the way the station + journal would (StartTransaction journaled). */
  startSession(idTag: string): number {
    const sessionId = this.nextSessionId++;
    this.session = { sessionId, idTag, startAtMs: this.now(), meterStartWh: this.importWh };
    this.outbox.append('StartTransaction', sessionId, { connectorId: 1, idTag, meterStart: this.importWh, timestamp: new Date(this.now()).toISOString() });
    this.onAppend();
    this.setStatus(1, 'Charging');
    return sessionId;
  }

  authorizeStart(idTag: string, origin: 'local' | 'remote'): 'Accepted' | 'Rejected' {
    this.requests.push({ what: 'authorizeStart', detail: { idTag, origin } });
    return this.acceptStarts && !this.session ? 'Accepted' : 'Rejected';
  }

  stopSession(reason: StopReason): boolean {
    this.requests.push({ what: 'stopSession', detail: reason });
    const session = this.session;
    if (!session) return false;
    this.session = null;
    this.outbox.append('StopTransaction', session.sessionId, {
      meterStop: this.importWh,
      timestamp: new Date(this.now()).toISOString(),
      reason,
      ...(session.idTag ? { idTag: session.idTag } : {}),
    });
    this.onAppend();
    this.setStatus(1, 'Available');
    return true;
  }

  setExternalLimitA(limitA: number | null): void {
    this.limits.push(limitA);
  }

  changeAvailability(operative: boolean): 'Accepted' | 'Scheduled' | 'Rejected' {
    this.requests.push({ what: 'changeAvailability', detail: operative });
    return this.availabilityAnswer;
  }

  /** What the cable lock does on UnlockConnector: confirms, does not confirm, or there is none (fixed cable). */
  lockFitted: 'confirms' | 'fails' | 'none' = 'confirms';
  /** How long the lock takes to answer, ms (a real actuator runs for a while). */
  unlockDelayMs = 30;

  /** Like the station: a running session is stopped with UnlockCommand first, then the lock answers after its run time. */
  async unlockConnector(): Promise<'Unlocked' | 'UnlockFailed' | 'NotSupported'> {
    this.requests.push({ what: 'unlockConnector', detail: null });
    if (this.lockFitted === 'none') return 'NotSupported';
    if (this.session) this.stopSession('UnlockCommand');
    await new Promise((resolve) => setTimeout(resolve, this.unlockDelayMs));
    return this.lockFitted === 'confirms' ? 'Unlocked' : 'UnlockFailed';
  }

  readonly connectionTimeoutsS: number[] = [];
  readonly unlockOnEvSideDisconnect: boolean[] = [];

  setConnectionTimeoutS(seconds: number): void {
    this.connectionTimeoutsS.push(seconds);
  }

  setUnlockOnEvSideDisconnect(unlock: boolean): void {
    this.unlockOnEvSideDisconnect.push(unlock);
  }

  readonly stopOnEvSideDisconnect: boolean[] = [];

  setStopOnEvSideDisconnect(stop: boolean): void {
    this.stopOnEvSideDisconnect.push(stop);
  }

  reservation: Reservation | null = null;

  setReservation(reservation: Reservation | null): void {
    this.reservation = reservation;
    this.setStatus(1, reservation ? 'Reserved' : 'Available');
  }

  reset(kind: 'Soft' | 'Hard'): Promise<void> {
    this.requests.push({ what: 'reset', detail: kind });
    if (this.session) this.stopSession(kind === 'Soft' ? 'SoftReset' : 'HardReset');
    return Promise.resolve();
  }
}
