import type { Clock } from '../clock.js';
import type { StationConfig } from '../config/schema.js';
import type { ChargerController } from '../control/charger-controller.js';
import type { Logger } from '../logger.js';
import { Monitor, type AlertSink } from '../monitor/monitor.js';

export type { Monitor };

/** The journal as the monitor uses it: its alerts, and the directory whose free space is watched. */
export interface MonitorJournal {
  readonly alerts: AlertSink;
  readonly stateDir: string;
}

/**
 * Starts the anomaly monitor on a station's controller: events and meter samples in (queued, judged later on a timer),
 * alerts out to the journal. The controller is only subscribed to, never waited on.
 */
export function startMonitor(deps: {
  readonly controller: ChargerController;
  readonly config: StationConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly journal: MonitorJournal | null;
}): Monitor {
  const { controller, config } = deps;
  return new Monitor({
    station: {
      onEvent: (l) => controller.onEvent(l),
      onSample: (l) => controller.meterPoller.onSample(l),
      offeredA: () => {
        const s = controller.snapshot();
        return s.output.mode === 'pwm' ? s.offeredA : 0;
      },
    },
    config: config.monitor,
    clock: deps.clock,
    log: deps.log.child({ module: 'monitor' }),
    phases: config.station.phases,
    alerts: deps.journal?.alerts ?? null,
    stateDir: deps.journal?.stateDir ?? null,
  });
}
