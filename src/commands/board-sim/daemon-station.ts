import type { BenchCsms } from '../../../simulator/csms/bench-csms.js';
import type { ScenarioStation, SummarySource } from '../sim/scenarios.js';
import type { ChargePointStatus, SessionPhase } from '../../control/charger-fsm.js';
import type { ControllerEvent } from '../../control/charger-controller.js';
import type { FaultName } from '../../control/faults.js';

/** The part of the daemon's `/api/status` document board-sim reads. */
export interface DaemonStatusDoc {
  readonly status: ChargePointStatus;
  readonly session: { readonly id: number; readonly stoppedAt: string | null } | null;
  readonly faults: readonly { readonly name: string }[];
}

/**
 * The daemon's controller events, replayed from its log: `evse run` logs every event as one JSON line
 * (`{"event": {…}, "msg": "station <type>"}`, what `journalctl -u evse` shows). Feeds `collectSummary` and the human log.
 */
export class DaemonEvents implements SummarySource {
  private readonly listeners = new Set<(event: ControllerEvent) => void>();
  private status: ChargePointStatus = 'Unavailable';

  /** One line of the daemon's stdout; lines that are not a station event are ignored. */
  feed(line: string): void {
    if (!line.startsWith('{')) return;
    let entry: { msg?: unknown; event?: unknown };
    try {
      entry = JSON.parse(line) as { msg?: unknown; event?: unknown };
    } catch {
      return;
    }
    const event = entry.event as ControllerEvent | undefined;
    if (typeof entry.msg !== 'string' || !entry.msg.startsWith('station ') || typeof event?.type !== 'string') return;
    if (event.type === 'status') this.status = event.status;
    for (const listener of this.listeners) listener(event);
  }

  onEvent(listener: (event: ControllerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  readonly controller = { snapshot: (): { readonly status: ChargePointStatus } => ({ status: this.status }) };
}

/**
 * The station as a scenario drives it, when the station is the real daemon in another process: a tap is what the
 * CSMS can do (RemoteStartTransaction, or RemoteStopTransaction of the running transaction), the snapshot is the last
 * `/api/status` read (polled), an external limit is a TxDefaultProfile. A fault reset is what an operator of a real
 * station has: OCPP Reset (Soft), after which the daemon stops and its supervisor (systemd, here `restart`) starts it
 * again; latched faults whose condition is gone do not survive the restart, and those still present come back.
 */
export class DaemonStation implements ScenarioStation {
  /** Station session ids that a tap stopped (the daemon reports those as Remote: it has no card reader to tap). */
  readonly stoppedByTap = new Set<number>();
  /** Remote calls the daemon refused or that failed, one line each. */
  readonly refusals: string[] = [];
  private last: DaemonStatusDoc | null = null;
  private poller: ReturnType<typeof setInterval> | undefined;
  private polling = false;
  private pollError: string | null = null;
  /** Bumped when the daemon is restarted: a poll of the old process is then ignored. */
  private generation = 0;

  constructor(
    private readonly csms: BenchCsms,
    private readonly identity: string,
    private statusUrl: URL,
    private readonly note: (line: string) => void,
    /** The supervisor's part after an OCPP Reset: waits for the daemon to exit, starts it again, resolves with its page. */
    private readonly restart: () => Promise<URL>,
  ) {}

  /** Reads the status once (rejects when the page does not answer), then every `intervalMs`. */
  async start(intervalMs = 100): Promise<void> {
    this.last = await this.read();
    this.poller = setInterval(() => {
      if (this.polling) return;
      this.polling = true;
      const generation = this.generation;
      this.read().then(
        (doc) => {
          if (generation !== this.generation) return;
          this.last = doc;
          this.pollError = null;
        },
        (err: unknown) => {
          if (generation !== this.generation) return;
          this.pollError = (err as Error).message;
        },
      ).finally(() => {
        this.polling = false;
      });
    }, intervalMs);
  }

  stop(): void {
    if (this.poller !== undefined) clearInterval(this.poller);
  }

  /** The last status document read (null before `start`). */
  latest(): DaemonStatusDoc | null {
    return this.last;
  }

  async tap(idTag: string): Promise<string> {
    const doc = await this.read();
    const session = doc.session;
    if (session !== null && session.stoppedAt === null) {
      const transactionId = await this.transactionId();
      const answer = (await this.csms.controls.call(this.identity, 'RemoteStopTransaction', { transactionId })) as { status?: string };
      if (answer.status === 'Accepted') this.stoppedByTap.add(session.id);
      else this.refusals.push(`RemoteStopTransaction ${transactionId}: ${answer.status ?? '?'}`);
      return `RemoteStopTransaction ${answer.status ?? '?'}`;
    }
    const answer = (await this.csms.controls.call(this.identity, 'RemoteStartTransaction', { connectorId: 1, idTag })) as { status?: string };
    if (answer.status !== 'Accepted') this.refusals.push(`RemoteStartTransaction ${idTag}: ${answer.status ?? '?'}`);
    return `RemoteStartTransaction ${answer.status ?? '?'}`;
  }

  readonly controller = {
    snapshot: (): { readonly status: ChargePointStatus; readonly session: SessionPhase } => {
      const doc = this.last;
      if (doc === null) throw new Error('the daemon status was never read');
      if (this.pollError !== null) throw new Error(`the daemon status page stopped answering: ${this.pollError}`);
      return { status: doc.status, session: doc.session !== null && doc.session.stoppedAt === null ? 'active' : 'none' };
    },
    resetFaults: async (): Promise<readonly FaultName[]> => {
      const before = (this.last?.faults ?? []).map((f) => f.name as FaultName);
      const answer = (await this.csms.controls.call(this.identity, 'Reset', { type: 'Soft' })) as { status?: string };
      if (answer.status !== 'Accepted') throw new Error(`the daemon refused Reset: ${answer.status ?? '?'}`);
      this.note('OCPP Reset (Soft) accepted: the daemon stops and its supervisor starts it again');
      this.generation += 1;
      this.statusUrl = await this.restart();
      this.generation += 1;
      this.last = await this.read();
      this.pollError = null;
      const after = new Set(this.last.faults.map((f) => f.name));
      return before.filter((name) => !after.has(name));
    },
    setExternalLimit: (limitA: number | null): void => {
      const call =
        limitA === null
          ? this.csms.controls.call(this.identity, 'ClearChargingProfile', { connectorId: 0, chargingProfilePurpose: 'TxDefaultProfile' })
          : this.csms.controls.call(this.identity, 'SetChargingProfile', {
              connectorId: 0,
              csChargingProfiles: {
                chargingProfileId: 9001,
                stackLevel: 0,
                chargingProfilePurpose: 'TxDefaultProfile',
                chargingProfileKind: 'Absolute',
                chargingSchedule: {
                  startSchedule: new Date(Date.now() - 60_000).toISOString(),
                  chargingRateUnit: 'A',
                  chargingSchedulePeriod: [{ startPeriod: 0, limit: limitA }],
                },
              },
            });
      const what = limitA === null ? 'ClearChargingProfile TxDefaultProfile' : `SetChargingProfile TxDefaultProfile ${limitA} A`;
      call.then(
        (answer) => {
          const status = (answer as { status?: string }).status ?? '?';
          this.note(`${what}: ${status}`);
          if (status !== 'Accepted') this.refusals.push(`${what}: ${status}`);
        },
        (err: unknown) => this.refusals.push(`${what} failed: ${(err as Error).message}`),
      );
    },
  };

  /** The transactionId the bench CSMS gave the latest StartTransaction (waits for it: the outbox may still be sending). */
  private async transactionId(): Promise<number> {
    const latest = (): number | null => {
      for (let i = this.csms.messages.length - 1; i >= 0; i--) {
        const m = this.csms.messages[i];
        if (m?.type === 'CALLRESULT' && m.outbound && m.method === 'StartTransaction') {
          const id = (m.payload as { transactionId?: unknown }).transactionId;
          if (typeof id === 'number') return id;
        }
      }
      return null;
    };
    await this.csms.waitFor(() => latest() !== null, 10_000, 'the StartTransaction of the running session');
    return latest() ?? 0;
  }

  private async read(): Promise<DaemonStatusDoc> {
    const response = await fetch(this.statusUrl, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`GET ${this.statusUrl.href}: HTTP ${response.status}`);
    return (await response.json()) as DaemonStatusDoc;
  }
}
