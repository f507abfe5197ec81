/**
 * The driver's session events as alerts (audience 'driver', severity info, born closed: nothing for the operator to
 * do, they exist to be delivered to whoever subscribes): session started, charging completed, session stopped with
 * energy and cost. One alert per session and event (dedup key `<event>:<session id>`). A fault during a session is
 * fault-alerts.ts's. Nothing here throws into the controller or waits on the journal on its path.
 */
import { formatKwh } from '../billing/receipt.js';
import type { ControllerEvent } from '../control/charger-controller.js';
import type { AlertInput } from '../journal/types.js';
import type { Logger } from '../logger.js';
import type { AlertSink } from '../monitor/monitor.js';
import type { SessionEventRecord, SessionRecorder } from '../session/recorder.js';
import { raiseQuietly } from './fault-alerts.js';

/** A session's cost as the driver is shown it. */
export interface DriverCost {
  readonly totalMinor: number;
  readonly currency: string;
  /** E.g. "4.87 EUR". */
  readonly text: string;
}

/** Why a session ended, in the driver's words (OCPP stop reasons). */
const stopReasonText: Readonly<Record<string, string>> = {
  Local: 'stopped at the station',
  Remote: 'stopped remotely',
  EVDisconnected: 'the car was unplugged',
  EmergencyStop: 'an emergency stop',
  PowerLoss: 'a power loss',
  Reboot: 'the station restarted',
  HardReset: 'the station restarted',
  SoftReset: 'the station restarted',
  UnlockCommand: 'the connector was unlocked',
  DeAuthorized: 'the card was not accepted',
  Other: 'the station stopped it',
};

/**
 * The session recorder the controller writes through, passing every call on unchanged; tells `onCompleted` once a
 * `charging-completed` event is journaled (the completion detector decides it inside the control core, and the event
 * is the one place it comes out). A listener that throws is logged, never the recorder's caller's problem.
 */
export function tapChargingCompleted(
  inner: SessionRecorder,
  log: Pick<Logger, 'warn'>,
): { readonly recorder: SessionRecorder; onCompleted(listener: (sessionId: number, atMs: number) => void): () => void } {
  const listeners = new Set<(sessionId: number, atMs: number) => void>();
  const recorder: SessionRecorder = {
    startSession: (start) => inner.startSession(start),
    recordSample: (id, sample) => inner.recordSample(id, sample),
    async recordEvent(id: number, event: SessionEventRecord): Promise<void> {
      await inner.recordEvent(id, event);
      if (event.kind !== 'charging-completed') return;
      for (const listener of listeners) {
        try {
          listener(id, event.atMs);
        } catch (err) {
          log.warn({ err: String(err) }, 'charging-completed listener threw');
        }
      }
    },
    stopSession: (id, stop) => inner.stopSession(id, stop),
    recordUnplug: (id, atMs) => inner.recordUnplug(id, atMs),
  };
  return {
    recorder,
    onCompleted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Alerts for the driver, ready to journal. */
export const driverAlerts = {
  started(sessionId: number, connectorId: number, idTag: string | null): AlertInput {
    return {
      severity: 'info',
      code: 'session-started',
      audience: 'driver',
      dedupKey: `session-started:${sessionId}`,
      message: `Charging session ${sessionId} started on connector ${connectorId}${idTag === null ? '' : ` for card ${idTag}`}.`,
      detail: { sessionId, connectorId, idTag },
    };
  },
  completed(sessionId: number, energyWh: number | null): AlertInput {
    const energy = energyWh === null ? '' : ` after ${formatKwh(energyWh)} kWh`;
    return {
      severity: 'info',
      code: 'charging-completed',
      audience: 'driver',
      dedupKey: `charging-completed:${sessionId}`,
      message: `Charging complete in session ${sessionId}: the car stopped taking power${energy}. Please unplug to free the station.`,
      detail: { sessionId, energyWh },
    };
  },
  stopped(sessionId: number, reason: string, energyWh: number | null, cost: DriverCost | null): AlertInput {
    const energy = energyWh === null ? '' : `: ${formatKwh(energyWh)} kWh`;
    return {
      severity: 'info',
      code: 'session-stopped',
      audience: 'driver',
      dedupKey: `session-stopped:${sessionId}`,
      message: `Session ${sessionId} ended (${stopReasonText[reason] ?? reason})${energy}${cost === null ? '' : `, ${cost.text}`}.`,
      detail: {
        sessionId,
        reason,
        energyWh,
        costMinor: cost?.totalMinor ?? null,
        currency: cost?.currency ?? null,
      },
    };
  },
};

/**
 * Journals the driver's session events; returns the function that stops it. `costOf` is billing's view of a session
 * (null when billing has none); `energyOf` the session's energy so far (the completion's alert names it).
 */
export function startDriverAlerts(deps: {
  readonly onEvent: (listener: (event: ControllerEvent) => void) => () => void;
  readonly onChargingCompleted: (listener: (sessionId: number, atMs: number) => void) => () => void;
  readonly connectorId: number;
  readonly costOf: (sessionId: number) => DriverCost | null;
  readonly energyOf: (sessionId: number) => number | null;
  readonly alerts: AlertSink;
  readonly log: Pick<Logger, 'warn'>;
}): () => void {
  const { alerts, log } = deps;
  // Session start registers, by session, for the energy of its stop (bounded: the running one and a few before).
  const startWh = new Map<number, number>();
  const offEvents = deps.onEvent((event) => {
    try {
      if (event.type === 'session-started') {
        startWh.set(event.sessionId, event.meterStartWh);
        while (startWh.size > 8) startWh.delete(startWh.keys().next().value as number);
        raiseQuietly(alerts, driverAlerts.started(event.sessionId, deps.connectorId, event.idTag), log);
      } else if (event.type === 'session-stopped') {
        const start = startWh.get(event.sessionId);
        startWh.delete(event.sessionId);
        const energyWh = start === undefined ? deps.energyOf(event.sessionId) : event.meterStopWh - start;
        raiseQuietly(alerts, driverAlerts.stopped(event.sessionId, event.reason, energyWh, deps.costOf(event.sessionId)), log);
      }
    } catch (err) {
      log.warn({ err: String(err) }, 'driver alert failed');
    }
  });
  const offCompleted = deps.onChargingCompleted((sessionId) => {
    try {
      raiseQuietly(alerts, driverAlerts.completed(sessionId, deps.energyOf(sessionId)), log);
    } catch (err) {
      log.warn({ err: String(err) }, 'driver alert failed');
    }
  });
  return () => {
    offEvents();
    offCompleted();
  };
}
