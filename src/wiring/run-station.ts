import type { EnergyMeter } from '../../hal/meter.js';
import { createGpioHardware, type GpioHardware } from '../../hal/gpio/hardware.js';
import type { GpioConstructor } from '../../hal/gpio/lines.js';
import { ModbusBus } from '../../hal/modbus/bus.js';
import { interFrameGapMs, ModbusMeter, type ModbusMeterDeps } from '../../hal/modbus/driver.js';
import { openSerialLink } from '../../hal/modbus/serial-link.js';
import type { StationConfig } from '../config/schema.js';
import { EvseError, EvseErrorCode, ExitCode } from '../errors.js';
import { openJournal, type Journal } from '../journal/journal.js';
import { journalPath } from '../journal/open.js';
import { lockStateDir } from '../journal/state-lock.js';
import { journalFigures } from './journal-figures.js';
import type { Logger } from '../logger.js';
import { StationClock, systemClock } from '../clock.js';
import { startStation, type Station } from './station.js';
import { createStationUplink, uplinkAuthorizer, uplinkStopAuthorizer, uplinkDefaultPrice, type StationUplink } from './uplink.js';
import { startAlertNotifier, type Notifier } from './notify.js';
import { openStatusPage, type StatusServer } from '../web/server.js';
import { stationPageActions } from './page-actions.js';
import { installFailSafe, type FailSafeProcess } from '../daemon/fail-safe.js';
import { failSafeScriptPath, writeFailSafeScript } from '../daemon/fail-safe-script.js';
import { reloadFromConfigFile } from '../daemon/reload.js';
import { createSdNotifier, startWatchdog, watchdogIntervalMs } from '../daemon/sd-notify.js';

/** Platform pieces `runStation` may be given instead of the real ones (tests). */
export interface RunStationDeps {
  readonly logger: Logger;
  readonly Gpio?: GpioConstructor;
  /** Replaces the Modbus meter (tests without a serial line). */
  readonly openMeter?: () => Promise<EnergyMeter>;
  readonly meterDeps?: ModbusMeterDeps;
  readonly env?: NodeJS.ProcessEnv;
  readonly proc?: FailSafeProcess;
  /** Overrides `journal.stateDir` (the unit passes /var/lib/evse). */
  readonly stateDir?: string;
  readonly shutdownTimeoutMs?: number;
}

/** What the config must have for the hardware run; fails before any hardware is touched. */
export function requireHardwareConfig(config: StationConfig, source: string): { gpio: NonNullable<StationConfig['gpio']> } {
  if (config.gpio === undefined) {
    throw new EvseError(EvseErrorCode.ConfigInvalid, `${source}: gpio: required by evse run (the station's pins; see hal/gpio/README.md)`);
  }
  if (config.meter.driver !== 'modbus') {
    throw new EvseError(
      EvseErrorCode.ConfigInvalid,
      `${source}: meter.driver: evse run needs a real meter, "modbus" (got ${JSON.stringify(config.meter.driver)}); on a bench run "evse meter-sim" on a serial port`,
    );
  }
  if (config.loadManagement !== undefined && config.loadManagement.meter.driver !== 'modbus') {
    throw new EvseError(
      EvseErrorCode.ConfigInvalid,
      `${source}: loadManagement.meter.driver: evse run needs the real mains meter, "modbus" (got ${JSON.stringify(config.loadManagement.meter.driver)}); the simulated building is for evse sim`,
    );
  }
  return { gpio: config.gpio };
}

/**
 * The hardware composition root: installs the fail-safe first, then opens the GPIO drivers (outputs safe, pilot F), the
 * Modbus meter and the journal, recovers open sessions, starts the station, tells systemd READY=1 and pings the
 * watchdog from the control loop. Resolves when the station has shut down (the fail-safe then exits the process).
 * A startup failure puts every output safe, releases what was opened and rejects with the error.
 */
export async function runStation(config: StationConfig, source: string, deps: RunStationDeps): Promise<void> {
  const { gpio } = requireHardwareConfig(config, source);
  const stateDir = deps.stateDir ?? config.journal.stateDir;
  // Before anything else (fail-safe script, GPIO, meter, journal): a second station on this directory refuses here,
  // exit 75 naming the holder, and leaves the first one's outputs and session alone. The kernel frees it at our death.
  const lock = lockStateDir(stateDir, 'evse run');
  const log = deps.logger;
  const env = deps.env ?? process.env;
  const notifier = await createSdNotifier(env, (err) => log.warn({ err: err.message }, 'sd_notify failed'));
  // Wall time: set from the CSMS when one is configured; records stamped before are marked and corrected then.
  const clock = new StationClock(systemClock, { awaitCsms: config.ocpp.url !== null });

  let hardware: GpioHardware | null = null;
  let meter: EnergyMeter | null = null;
  let mainsMeter: EnergyMeter | null = null;
  let journal: Journal | null = null;
  let station: Station | null = null;
  let uplink: StationUplink | null = null;
  let alertChannels: Notifier | null = null;
  let statusPage: StatusServer | null = null;
  let pruneTimer: ReturnType<typeof setInterval> | undefined;
  let stopWatchdog: () => void = () => undefined;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });

  let shutdownPromise: Promise<void> | null = null;
  // Set once the station runs; SIGHUP before that reloads nothing (and sends systemd no READY=1 early).
  let reloadRunning: (() => void) | null = null;
  const target = {
    reload(): void {
      if (reloadRunning) reloadRunning();
      else log.warn('reload requested before the station is up: nothing reloaded');
    },
    enterSafeState(reason: string): void {
      station?.enterSafeState(reason);
      // Also the bare drivers: before the station is up, and for the cable lock the station does not know.
      hardware?.enterSafeState();
    },
    shutdown(reason: string): Promise<void> {
      reloadRunning = null;
      shutdownPromise ??= (async () => {
        log.info({ reason }, 'shutting down');
        notifier.stopping(reason);
        stopWatchdog();
        if (pruneTimer !== undefined) clearInterval(pruneTimer);
        const steps: Array<() => Promise<void> | undefined> = [
          // First: no alert channel is mid-send while the station, the uplink and the journal close (cursors stay).
          () => alertChannels?.stop(),
          () => statusPage?.close(),
          () => station?.shutdown(reason),
          // After the station: the stop it just journaled may still reach the CSMS while the link is up.
          () => uplink?.stop(),
          () => hardware?.dispose(),
          () => meter?.close(),
          () => mainsMeter?.close(),
          () => journal?.close(),
          () => {
            lock.release();
            return undefined;
          },
        ];
        for (const step of steps) {
          try {
            await step();
          } catch (err) {
            log.error({ err: (err as Error).message }, 'shutdown step failed');
          }
        }
        notifier.close();
        resolveStopped();
      })();
      return shutdownPromise;
    },
  };
  const failSafe = installFailSafe(target, deps.proc ?? process, {
    shutdownTimeoutMs: deps.shutdownTimeoutMs ?? 5000,
    log: (line) => log.warn(line),
  });

  try {
    // The fallback for a hard death (SIGKILL, OOM, watchdog), which ExecStopPost runs: before any output is driven.
    const scriptPath = failSafeScriptPath(env, stateDir);
    writeFailSafeScript(gpio, scriptPath, source);
    log.info({ path: scriptPath }, 'fail-safe script written');
    hardware = await createGpioHardware(gpio, {
      ...(deps.Gpio ? { Gpio: deps.Gpio } : {}),
      onListenerError: (err) => log.error({ err: (err as Error).message }, 'listener of a GPIO driver threw'),
    });
    const meterConfig = config.meter;
    if (meterConfig.driver !== 'modbus') throw new Error('unreachable: checked by requireHardwareConfig');
    // The mains meter of load management may share the EV meter's RS-485 line (same port, its own unit id): then
    // both drivers take turns on one bus.
    const mainsConfig = config.loadManagement?.meter.driver === 'modbus' ? config.loadManagement.meter : null;
    const sharedBus =
      mainsConfig !== null && mainsConfig.port === meterConfig.port && deps.openMeter === undefined && deps.meterDeps?.link === undefined
        ? await ModbusBus.open(
            await openSerialLink({ path: meterConfig.port, baudRate: meterConfig.baudRate, parity: meterConfig.parity, stopBits: meterConfig.stopBits }),
            interFrameGapMs(meterConfig.baudRate),
          )
        : undefined;
    meter = deps.openMeter
      ? await deps.openMeter()
      : await ModbusMeter.open(meterConfig, { ...deps.meterDeps, ...(sharedBus ? { bus: sharedBus } : {}), logger: log, nowMs: () => clock.nowMs() });
    mainsMeter =
      mainsConfig === null
        ? null
        : await ModbusMeter.open(mainsConfig, { ...(sharedBus ? { bus: sharedBus } : {}), logger: log, nowMs: () => clock.nowMs() });
    const openedMeter = meter;
    journal = await openJournal({ ...config.journal, stateDir, clock, logger: log, lock });
    // A storage failure may heal (the next commit that works clears it); a dead journal worker does not: nothing is
    // journaled again, so no session may go on. Safe state, then exit 70 (EX_SOFTWARE) for systemd to restart us.
    journal.onWorkerLost((err) => {
      log.error({ err: err.message }, 'journal worker died: entering the safe state and exiting for a restart');
      try {
        station?.controller.raiseFault('journal-unavailable', err.message);
      } finally {
        failSafe.fail(err.message, ExitCode.Software);
      }
    });
    const recovery = await journal.recover(() => openedMeter.read().then((s) => s.importWh));
    for (const s of recovery.closed) log.warn({ session: s.sessionId, reason: s.reason }, 'recovered an open session');
    const openedJournal = journal;
    // Retention and disk budget at boot and then daily; undelivered data is never pruned.
    const prune = (): void => {
      openedJournal.prune().then(
        (r) => log.info(r, 'journal pruned'),
        (err: unknown) => log.error({ err: (err as Error).message }, 'journal prune failed'),
      );
    };
    prune();
    pruneTimer = setInterval(prune, 24 * 3600 * 1000);
    pruneTimer.unref();
    const ocppConfigured = config.ocpp.url !== null;
    station = await startStation({
      config,
      hardware: {
        meter,
        mainsMeter,
        pilot: hardware.pilot,
        contactor: hardware.contactor,
        inputs: hardware.inputs,
        cableLock: hardware.cableLock,
        ventilation: hardware.ventilation,
      },
      clock,
      logger: log,
      recorder: journal,
      reader: journal,
      monitorJournal: { alerts: journal, stateDir },
      ...(ocppConfigured ? { authorizer: uplinkAuthorizer(() => uplink), stopAuthorizer: uplinkStopAuthorizer(() => uplink) } : {}),
    });
    const running = station;
    // systemctl reload evse (SIGHUP, through the fail-safe): a new tariff from the config file, for sessions that start
    // from now on. An invalid file is refused naming the field; everything in force stays.
    reloadRunning = () => {
      reloadFromConfigFile({
        source,
        running: config,
        tariffs: running.tariffs,
        log,
        notifier,
        runningStatus: `station ${config.station.id} running`,
      });
    };
    if (ocppConfigured) {
      uplink = await createStationUplink({
        station: running,
        journal: openedJournal,
        config,
        clock,
        logger: log,
        // OCPP Reset: journal the kind (boot recovery then closes anything left with it), stop, and let systemd
        // restart the service (Restart=always).
        onReset: async (kind) => {
          const reason = kind === 'Soft' ? 'SoftReset' : 'HardReset';
          await openedJournal.noteCleanShutdown(reason);
          void target.shutdown(reason);
        },
      });
      uplink.start();
      const link = uplink;
      running.monitor.watchCsmsLink(() => Promise.resolve(link.connection.isOpen()));
    }
    // The `alerts` channels: each its own loop on the journal's alert log; nothing here waits on them.
    alertChannels = startAlertNotifier({ config, journal: openedJournal, uplink, mqtt: running.mqtt, logger: log });
    // The status page is optional: a port in use is logged and the station charges on without it. It reads, takes
    // drivers' feedback, and acts for the operator only when a password hash is configured.
    const figures = journalFigures(openedJournal, journalPath(stateDir), {
      onError: (err) => log.warn({ err: err.message }, 'metrics: alert log not readable'),
    });
    const uplinkStatus = ocppConfigured ? { uplinkStatus: () => uplink?.status() ?? Promise.resolve(null) } : {};
    statusPage = await openStatusPage({
      sources: {
        station: running,
        config,
        clock,
        journalFigures: figures,
        ...(ocppConfigured ? { ...uplinkStatus, csmsDefaultPrice: () => uplinkDefaultPrice(uplink) } : {}),
      },
      reader: openedJournal,
      logger: log.child({ module: 'web' }),
      actions: stationPageActions({ station: running, journal: openedJournal, config, clock, logger: log.child({ module: 'web' }), uplink: () => uplink, journalFigures: figures, ...uplinkStatus }),
    });
    if (statusPage) log.info({ url: statusPage.url }, 'status page listening');
    // State changes in the system journal: what an operator reads with journalctl -u evse.
    running.onEvent((event) => log.info({ event }, `station ${event.type}`));
    journal.onUnavailable((err) => running.controller.raiseFault('journal-unavailable', err.message));
    stopWatchdog = startWatchdog(notifier, (l) => running.onTick(l), watchdogIntervalMs(env));
    notifier.ready(`station ${config.station.id} running`);
    log.info({ station: config.station.id, watchdog: notifier.enabled }, 'station running');
  } catch (err) {
    target.enterSafeState('startup failed');
    await target.shutdown('startup failed');
    failSafe();
    throw err;
  }
  await stopped;
}
