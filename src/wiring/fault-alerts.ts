/**
 * Faults become alerts: each fault the controller raises is an operator alert `fault-<kind>` (counted while it stays
 * open), and a fault during a running session is also the driver's `session-fault` event. The controller is only
 * listened to: nothing here throws into its dispatch, and the journal write is never awaited on its path.
 */
import type { ControllerEvent } from '../control/charger-controller.js';
import type { ActiveFault } from '../control/fault-registry.js';
import type { AlertInput } from '../journal/types.js';
import type { Logger } from '../logger.js';
import type { AlertSink } from '../monitor/monitor.js';

/**
 * The operator's alert for a fault: critical when it stops charging or latches until a person resets it (safety),
 * else a warning; the message is the catalogue's advice for the operator, the detail what the driver was told.
 */
export function faultAlert(fault: ActiveFault, sessionId: number | null): AlertInput {
  const d = fault.definition;
  const critical = d.severity === 'stop' || d.recovery.kind === 'manual';
  return {
    severity: critical ? 'critical' : 'warn',
    code: `fault-${d.name}`,
    dedupKey: `fault-${d.name}`,
    message: `Fault ${d.name} (${d.vendorErrorCode}): ${d.operatorMessage}`,
    detail: {
      fault: d.name,
      faultSeverity: d.severity,
      recovery: d.recovery.kind,
      ocppErrorCode: d.ocppErrorCode,
      vendorErrorCode: d.vendorErrorCode,
      condition: fault.detail ?? null,
      driverMessage: d.driverMessage,
      sessionId,
    },
  };
}

/** The driver's event for a fault during their session: what the station's display tells them, one per fault kind. */
export function sessionFaultAlert(fault: ActiveFault, sessionId: number): AlertInput {
  const d = fault.definition;
  return {
    severity: 'info',
    code: 'session-fault',
    audience: 'driver',
    dedupKey: `session-fault:${sessionId}:${d.name}`,
    message: `A fault interrupted charging session ${sessionId}: ${d.driverMessage}`,
    detail: { sessionId, fault: d.name, vendorErrorCode: d.vendorErrorCode, endsSession: d.endsSessionWith ?? null },
  };
}

/** Journals `alert` without ever throwing; a journal that refuses it is logged (its own failure is a fault already). */
export function raiseQuietly(alerts: AlertSink, alert: AlertInput, log: Pick<Logger, 'warn'>): void {
  try {
    alerts.raiseAlert(alert).catch((err: unknown) => {
      log.warn({ err: String(err), code: alert.code }, 'could not journal an alert');
    });
  } catch (err) {
    log.warn({ err: String(err), code: alert.code }, 'could not journal an alert');
  }
}

/**
 * Subscribes to the controller's fault events; returns the unsubscribe function. `journal-unavailable` is left out:
 * the journal raises its own alert for it (and cannot take this one while it fails).
 */
export function startFaultAlerts(deps: {
  readonly onEvent: (listener: (event: ControllerEvent) => void) => () => void;
  readonly activeSessionId: () => number | null;
  readonly alerts: AlertSink;
  readonly log: Pick<Logger, 'warn'>;
}): () => void {
  return deps.onEvent((event) => {
    try {
      if (event.type !== 'fault' || event.event.type !== 'raised') return;
      const fault = event.event.fault;
      if (fault.definition.name === 'journal-unavailable') return;
      const sessionId = deps.activeSessionId();
      raiseQuietly(deps.alerts, faultAlert(fault, sessionId), deps.log);
      if (sessionId !== null) raiseQuietly(deps.alerts, sessionFaultAlert(fault, sessionId), deps.log);
    } catch (err) {
      // A listener that throws would count as a driver failure of the controller: never.
      deps.log.warn({ err: String(err) }, 'fault alert failed');
    }
  });
}
