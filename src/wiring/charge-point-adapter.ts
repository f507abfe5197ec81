import type { MeterSample } from '../../hal/meter.js';
import { evSideSuspended, type ChargePointStatus, type StopReason } from '../control/charger-fsm.js';
import type {
  ActiveSession,
  ChargePointPort,
  ConnectorStatusSnapshot,
} from '../ocpp/charge-point-port.js';
import type { Clock } from '../clock.js';
import type { Station } from './station.js';

/** OCPP's `info` and `vendorErrorCode` are at most 50 characters. */
function clip(text: string): string {
  return text.length <= 50 ? text : `${text.slice(0, 49)}…`;
}

/**
 * The station as the OCPP uplink sees it (`ChargePointPort`): statuses with the fault catalogue's error codes, the
 * running session, meter samples, and plain commands into the control core. Part of the composition root: `src/ocpp`
 * depends only on the port, the control core knows nothing of OCPP.
 */
export function chargePointAdapter(station: Station, clock: Clock, onReset: (kind: 'Soft' | 'Hard') => Promise<void>): ChargePointPort {
  const { controller } = station;
  const listeners = new Set<(connectorId: 0 | 1, s: ConnectorStatusSnapshot) => void>();
  const since: Record<0 | 1, number> = { 0: clock.nowMs(), 1: clock.nowMs() };
  const last: Record<0 | 1, string> = { 0: '', 1: '' };

  const connector = (): ConnectorStatusSnapshot => {
    const reported = controller.faults.summary().reported;
    const status: ChargePointStatus = controller.snapshot().status;
    return {
      status,
      errorCode: reported?.definition.ocppErrorCode ?? 'NoError',
      ...(reported ? { info: clip(reported.detail ?? reported.definition.name), vendorErrorCode: reported.definition.vendorErrorCode } : {}),
      sinceMs: since[1],
    };
  };
  // Connector 0 is the station as a whole: unavailable when set so, faulted only for faults of the station itself.
  const stationWide = (): ConnectorStatusSnapshot => {
    const s = controller.snapshot();
    const stationFault = controller.faults
      .summary()
      .active.find((f) => ['journal-unavailable', 'driver-failure', 'emergency-stop'].includes(f.definition.name));
    const status: ChargePointStatus = stationFault ? 'Faulted' : s.operative ? 'Available' : 'Unavailable';
    return {
      status,
      errorCode: stationFault?.definition.ocppErrorCode ?? 'NoError',
      ...(stationFault ? { info: clip(stationFault.definition.name), vendorErrorCode: stationFault.definition.vendorErrorCode } : {}),
      sinceMs: since[0],
    };
  };
  const snapshotOf = (id: 0 | 1): ConnectorStatusSnapshot => (id === 0 ? stationWide() : connector());

  /** What makes a StatusNotification different: status, error code, info. */
  const keyOf = (s: ConnectorStatusSnapshot): string => `${s.status}|${s.errorCode}|${s.info ?? ''}`;
  const publish = (): void => {
    for (const id of [0, 1] as const) {
      const s = snapshotOf(id);
      const key = keyOf(s);
      if (key === last[id]) continue;
      if (last[id].split('|')[0] !== s.status) since[id] = clock.nowMs();
      last[id] = key;
      const withSince = { ...s, sinceMs: since[id] };
      for (const l of [...listeners]) l(id, withSince);
    }
  };
  last[0] = keyOf(stationWide());
  last[1] = keyOf(connector());

  // The station's events are followed only while someone listens for status changes (the uplink, between its start
  // and its stop): an adapter whose uplink stopped leaves no subscription behind on the station.
  let unsubscribe: (() => void) | null = null;
  const follow = (): void => {
    // What changed while nobody listened counts from now.
    for (const id of [0, 1] as const) {
      const key = keyOf(snapshotOf(id));
      if (key.split('|')[0] !== last[id].split('|')[0]) since[id] = clock.nowMs();
      last[id] = key;
    }
    unsubscribe = station.onEvent((e) => {
      if (e.type === 'status' || e.type === 'fault') publish();
    });
  };

  return {
    connectorStatus: snapshotOf,
    onStatusChange(listener) {
      if (listeners.size === 0 && unsubscribe === null) follow();
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0 || unsubscribe === null) return;
        unsubscribe();
        unsubscribe = null;
      };
    },
    // The control core's own record: set when the start commits, cleared when the stop commits (no event to miss).
    activeSession: (): ActiveSession | null => controller.activeSession(),
    latestSample: (): MeterSample | null => controller.meterPoller.latest(),
    onSample: (listener) => controller.meterPoller.onSample(listener),
    authorizeStart(idTag) {
      const s = controller.snapshot();
      if (s.session !== 'none' || s.finished || !s.operative || controller.faults.summary().stopLatched) return 'Rejected';
      return controller.authorize(idTag) ? 'Accepted' : 'Rejected';
    },
    stopSession(reason: StopReason) {
      const s = controller.snapshot();
      if (s.session !== 'active' && s.session !== 'starting') return false;
      controller.stop(reason);
      return true;
    },
    setExternalLimitA: (limitA) => controller.setExternalLimit(limitA),
    changeAvailability: (operative) => controller.setAvailability(operative),
    unlockConnector: () => controller.unlockConnector(),
    setConnectionTimeoutS: (seconds) => controller.setConnectionTimeoutS(seconds),
    setUnlockOnEvSideDisconnect: (unlock) => controller.setUnlockOnEvSideDisconnect(unlock),
    setStopOnEvSideDisconnect: (stop) => controller.setStopOnEvSideDisconnect(stop),
    onKeptSessionEv(listener) {
      // Heard after the charger reacted (the controller posts the pilot event first, delivers it after): an unplug
      // that left the session active without a stop pending is a kept session; a plug-in into one is its EV back.
      let away = false;
      return station.onEvent((e) => {
        if (e.type !== 'pilot') return;
        const s = controller.snapshot();
        if (e.event.name === 'EvDisconnected' && evSideSuspended(s) && !away) {
          away = true;
          listener(false);
        } else if (e.event.name === 'EvConnected' && away) {
          away = false;
          if (s.session === 'active' && s.stopReason === null) listener(true);
        }
      });
    },
    reset: (kind) => onReset(kind),
    // Reserved is shown while no EV is present; who may start is the authorizer's call (the reserved id or its parent).
    setReservation: (reservation) => controller.setReserved(reservation !== null),
    offeredCurrentA: () => {
      const s = controller.snapshot();
      return s.output.mode === 'pwm' ? s.offeredA : 0;
    },
  };
}
