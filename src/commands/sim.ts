import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidArgumentError, type Command } from 'commander';
import { acceleratedClock, StationClock, systemClock, type Clock } from '../clock.js';
import { loadConfigFile, parseConfig } from '../config/load.js';
import type { StationConfig } from '../config/schema.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { openJournal, type Journal } from '../journal/journal.js';
import { journalPath } from '../journal/open.js';
import { journalFigures } from '../wiring/journal-figures.js';
import { createLogger } from '../logger.js';
import { describeDrain, waitForOutboxDrain } from '../ocpp/drain.js';
import { startAlertNotifier, type Notifier } from '../wiring/notify.js';
import { OCPP_VERSIONS, type OcppVersion } from '../ocpp/config.js';
import { createStationUplink, uplinkAuthorizer, uplinkStopAuthorizer, uplinkDefaultPrice, type StationUplink } from '../wiring/uplink.js';
import { openStatusPage, type StatusServer } from '../web/server.js';
import { stationPageActions } from '../wiring/page-actions.js';
import { createBenchCsms, type BenchCsms } from '../../simulator/csms/bench-csms.js';
import { runScenario, type RunStation, type ScenarioResult } from './sim/run-scenario.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { findScenario, scenarios } from './sim/scenarios.js';
import { simFaults, type SimFault } from '../../simulator/world.js';
import { checkOutages, parseCsmsOutage, scheduleCsmsOutages, type CsmsOutage, type ScheduledOutages } from './sim/csms-outage.js';
import { deliveredTransactions } from './sim/delivered.js';
import { boardGpioConfig, boardRootEnv, boardStationFactory, runInBoardNamespace } from './sim/board-station.js';

interface SimOptions {
  scenario: string;
  csms?: string;
  id?: string;
  uplink: boolean;
  drainTimeout: number;
  speed: number;
  json?: boolean;
  config?: string;
  stateDir?: string;
  statusInterval: number;
  interactive?: boolean;
  web: boolean;
  webPort?: number;
  board?: boolean;
  ocpp?: OcppVersion;
  csmsOutage?: CsmsOutage[];
}

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number > 0, got "${value}"`);
    return n;
  };
}

function ocppVersion(value: string): OcppVersion {
  if (!(OCPP_VERSIONS as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${OCPP_VERSIONS.join(', ')}, got "${value}"`);
  return value as OcppVersion;
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`must be a port number 0–65535, got "${value}"`);
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`must be a number ≥ 0, got "${value}"`);
  return n;
}

const commandHelp = `commands on stdin while it runs:
  plug | unplug             the simulated EV plugs in or leaves
  tap [ID]                  an RFID card at the reader (starts or stops a session)
  fault NAME [off]          inject or clear: ${simFaults.join(', ')}
  reset                     operator reset of latched faults
  limit AMPS | limit off    external current limit (as smart charging would set it)
  target KWH | target off   the driver's energy target (the progress line shows the estimated completion)
  tariff FILE               replace the tariff with the one in a JSON file (refused if invalid; the old one stays)
  status                    one line with the station's state
  help`;

/** `evse sim`: the whole station on simulated hardware, the meter read over a virtual Modbus RTU line. */
export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('run the station on the simulator (EV, meter over Modbus RTU, pilot, contactor)')
    .option('--scenario <name>', `one of: ${scenarios.map((s) => s.name).join(', ')}`, 'continuous')
    .option('--speed <n>', 'time acceleration (60 = one simulated minute per second)', positiveNumber('--speed'), 1)
    .option('--json', 'print a JSON summary of the session(s) at the end (log lines go to stderr)')
    .option('--config <file>', 'JSON config file (defaults fit the bench)')
    .option('--state-dir <dir>', 'keep the journal in DIR, so a run survives a kill and a restart')
    .option('--status-interval <s>', 'seconds of station time between progress lines (0: none)', nonNegativeNumber, 60)
    .option('--interactive', 'read commands from stdin even when it is not a terminal')
    .option('--csms <url>', 'report to this CSMS (OCPP-J endpoint is URL/ID) instead of the in-process bench CSMS')
    .option('--id <id>', 'charge point identity at the CSMS (default: station.id of the config)')
    .option('--ocpp <version>', `OCPP version of the uplink: ${OCPP_VERSIONS.join(' or ')} (default: ocpp.version of the config)`, ocppVersion)
    .option('--no-uplink', 'run without any CSMS (sessions are journaled, nothing is reported)')
    .option(
      '--csms-outage <startS+durationS>',
      'take the in-process bench CSMS down STARTS seconds of station time after the start, for DURATIONS seconds (repeatable; sessions go on offline and are delivered after)',
      (value: string, previous: CsmsOutage[] | undefined) => parseCsmsOutage(value, previous),
    )
    .option('--drain-timeout <s>', 'seconds to wait for the outbox to drain at the end', nonNegativeNumber, 30)
    .option('--web-port <port>', 'status page port (default: web.port of the config, 8080; taken when free, else any free port)', portNumber)
    .option('--no-web', 'run without the status page')
    .option(
      '--board',
      'run on the virtual board: the real GPIO drivers (onoff, sysfs PWM) in a private mount namespace (needs root), the gpio section of the config or a built-in bench wiring',
    )
    .addHelpText('after', `\n${commandHelp}\n`)
    .action(async (opts: SimOptions) => {
      const scenario = findScenario(opts.scenario);
      if (!scenario) {
        throw new EvseError(
          EvseErrorCode.UnknownScenario,
          `unknown scenario "${opts.scenario}"; valid scenarios: ${scenarios.map((s) => s.name).join(', ')}`,
        );
      }
      const outages = opts.csmsOutage ?? [];
      if (outages.length > 0 && (opts.csms !== undefined || !opts.uplink)) {
        // Only the in-process bench CSMS can be taken down; an outside CSMS is the tester's to stop.
        throw new EvseError(EvseErrorCode.InvalidArgument, `--csms-outage takes the in-process bench CSMS down: it does not go with ${opts.csms !== undefined ? '--csms' : '--no-uplink'}`);
      }
      checkOutages(outages);
      const loaded: StationConfig = opts.config ? loadConfigFile(opts.config) : parseConfig(benchConfigInput);
      const config: StationConfig = opts.ocpp ? { ...loaded, ocpp: { ...loaded.ocpp, version: opts.ocpp } } : loaded;
      const boardRoot = opts.board ? process.env[boardRootEnv] : undefined;
      if (opts.board && boardRoot === undefined) {
        // The drivers must see the board at /sys/class: run this command line again in a private mount namespace.
        boardGpioConfig(config);
        process.exitCode = await runInBoardNamespace((line) => process.stderr.write(`${line}\n`));
        return;
      }
      const boardProblems: string[] = [];
      // In real time the CSMS sets the clock (records before that are marked and corrected); an accelerated run is
      // deliberately not real time, so no CSMS may pull it back.
      const clock: Clock = opts.speed === 1 ? new StationClock(systemClock, { awaitCsms: opts.uplink }) : acceleratedClock(opts.speed);
      const write = (line: string): void => {
        (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
      };
      const logger = createLogger({ level: process.env['EVSE_LOG_LEVEL'] ?? 'warn', destination: process.stderr });

      // The journal: in --state-dir, or a scratch folder for this run (the uplink reads its outbox).
      const stateDir = opts.stateDir ?? (opts.uplink ? mkdtempSync(join(tmpdir(), 'evse-sim-')) : null);
      const scratch = opts.stateDir === undefined ? stateDir : null;
      let journal: Journal | null = null;
      let initialRegisterWh: number | undefined;
      if (stateDir !== null) {
        // Takes the state directory's lock first: a second station on it exits 75 naming the holder, touching nothing.
        journal = await openJournal({ ...config.journal, stateDir, clock, logger: logger.child({ module: 'journal' }), holder: 'evse sim' });
        initialRegisterWh = (await journal.lastMeterWh()) ?? undefined;
        if (journal.openReport.corruptMovedTo) write(`journal was corrupt; moved to ${journal.openReport.corruptMovedTo}`);
      }

      let csms: BenchCsms | null = null;
      const page: { server: StatusServer | null } = { server: null };
      // Set once the station is up (inside onReady); a holder, since it is assigned in a callback.
      const link: { uplink: StationUplink | null; notifier: Notifier | null } = { uplink: null, notifier: null };
      let uplinkConfig: StationConfig = config;
      if (opts.uplink) {
        if (opts.csms) {
          uplinkConfig = { ...config, ocpp: { ...config.ocpp, url: opts.csms, chargePointId: opts.id ?? config.ocpp.chargePointId } };
        } else {
          csms = await createBenchCsms({ port: 0 });
          uplinkConfig = { ...config, ocpp: { ...config.ocpp, url: csms.url, chargePointId: opts.id ?? config.station.id } };
          write(`bench CSMS listening on ${csms.url} (OCPP ${config.ocpp.version})`);
        }
      }

      let interrupt: () => void = () => undefined;
      const interrupted = new Promise<void>((resolve) => {
        interrupt = resolve;
      });
      const onSignal = (): void => {
        write('stopping (signal received)…');
        interrupt();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);

      write(`evse sim: scenario ${scenario.name} — ${scenario.description} (speed ×${opts.speed}${boardRoot !== undefined ? ', on the virtual board' : ''})`);
      let stdinClose: () => void = () => undefined;
      // Set inside onReady (a holder, since it is assigned in a callback).
      const outage: { run: ScheduledOutages | null } = { run: null };
      let result: ScenarioResult;
      try {
        result = await runScenario({
          scenario,
          ...(boardRoot !== undefined
            ? {
                createStation: boardStationFactory({
                  root: boardRoot,
                  gpio: boardGpioConfig(config),
                  speed: opts.speed,
                  onBoardError: (message) => {
                    write(`virtual board failed: ${message}`);
                    boardProblems.push(`virtual board failed: ${message}`);
                  },
                }),
              }
            : {}),
          config,
          clock,
          realClock: systemClock,
          logger,
          ...(journal ? { recorder: journal, reader: journal, alerts: journal } : {}),
          out: write,
          statusIntervalS: opts.statusInterval,
          interrupted,
          ...(initialRegisterWh !== undefined ? { initialRegisterWh } : {}),
          beforeStart: async (meter) => {
            if (!journal) return;
            const report = await journal.recover(() => meter.read().then((s) => s.importWh));
            for (const s of report.closed) {
              write(`recovered session ${s.sessionId}: closed with ${s.reason}, meterStop ${s.meterStopWh} Wh (from the ${s.meterSource})`);
            }
          },
          ...(opts.uplink ? { authorizer: uplinkAuthorizer(() => link.uplink), stopAuthorizer: uplinkStopAuthorizer(() => link.uplink) } : {}),
          onReady: async (sim) => {
            journal?.onUnavailable((err) => sim.station.controller.raiseFault('journal-unavailable', err.message));
            if (journal && opts.uplink) {
              const uplink = await createStationUplink({
                station: sim.station,
                journal,
                config: uplinkConfig,
                clock,
                logger,
                onReset: (kind) => {
                  write(`OCPP Reset (${kind}): the session stops; the simulator keeps running instead of restarting`);
                  sim.station.controller.stop(kind === 'Soft' ? 'SoftReset' : 'HardReset', undefined, true);
                  return Promise.resolve();
                },
              });
              link.uplink = uplink;
              uplink.start();
            }
            if (csms !== null && link.uplink !== null) {
              // Under --speed the station's seconds outrun the link's connecting: a card tapped in the first moments
              // would be judged offline (2.0.1's tap waits MessageTimeout of station time for the boot's answer). With
              // the bench CSMS the scenario begins once it accepted the boot, at most 10 s of real time later.
              if (!(await acceptedWithin(link.uplink, 10_000))) write('the bench CSMS did not accept the boot within 10 s: the scenario begins offline');
              // Outage times count from here, the scenario's start.
              if (outages.length > 0) outage.run = scheduleCsmsOutages(outages, clock, csms.controls, write);
            }
            // The `alerts` channels (webhook, email, MQTT, and the CSMS when there is an uplink) on the journal's alerts.
            if (journal) link.notifier = startAlertNotifier({ config: uplinkConfig, journal, uplink: link.uplink, mqtt: sim.station.mqtt, logger });
            if (opts.web) {
              const uplinkNow = (): StationUplink | null => link.uplink;
              const figures = journal && stateDir !== null ? { journalFigures: journalFigures(journal, journalPath(stateDir)) } : {};
              const uplinkStatus = opts.uplink ? { uplinkStatus: () => uplinkNow()?.status() ?? Promise.resolve(null) } : {};
              page.server = await openStatusPage({
                sources: {
                  station: sim.station,
                  config,
                  clock,
                  ...figures,
                  ...(opts.uplink ? { ...uplinkStatus, csmsDefaultPrice: () => uplinkDefaultPrice(uplinkNow()) } : {}),
                },
                reader: journal,
                logger,
                ...(journal ? { actions: stationPageActions({ station: sim.station, journal, config, clock, logger, uplink: uplinkNow, ...figures, ...uplinkStatus }) } : {}),
                fallbackToFreePort: opts.webPort === undefined,
                ...(opts.webPort !== undefined ? { port: opts.webPort } : {}),
              });
              if (page.server) write(`status page: ${page.server.url}`);
            }
            if (process.stdin.isTTY || opts.interactive) stdinClose = attachStdin(sim, config, write);
          },
        });
      } finally {
        // The drain needs the CSMS: an outage still running at the scenario's end ends here.
        await outage.run?.end();
        stdinClose();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      let undelivered: string[] = [];
      let registration: string | null = null;
      try {
        if (link.uplink !== null && journal !== null) {
          // The scenario is only done once every journaled message reached the CSMS.
          link.uplink.outboxChanged();
          const drain = await waitForOutboxDrain(link.uplink, journal, opts.drainTimeout * 1000, systemClock);
          write(describeDrain(drain));
          registration = drain.registration;
          if (!drain.drained) undelivered = [describeDrain(drain)];
        }
      } finally {
        await link.notifier?.stop();
        await page.server?.close();
        await link.uplink?.stop();
        await journal?.close();
        await csms?.close();
        if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
      }
      const delivered = csms
        ? config.ocpp.version === '2.0.1'
          ? {
              bootNotifications: csms.callsOf('BootNotification').length,
              statusNotifications: csms.callsOf('StatusNotification').length,
              transactionEvents: csms.callsOf('TransactionEvent').length,
              notifyEvents: csms.callsOf('NotifyEvent').length,
              transactions: deliveredTransactions(csms.callsOf('TransactionEvent')),
            }
          : { startTransactions: csms.callsOf('StartTransaction').length, stopTransactions: csms.callsOf('StopTransaction').length, meterValues: csms.callsOf('MeterValues').length }
        : null;
      const report = {
        ...result,
        uplink: opts.uplink
          ? {
              csms: opts.csms ?? csms?.url ?? null,
              ocppVersion: config.ocpp.version,
              registration,
              undelivered,
              ...(delivered ? { delivered } : {}),
              ...(outage.run !== null ? { csmsOutages: outage.run.reports } : {}),
            }
          : null,
      };
      result.problems.push(...boardProblems);
      // Over 2.0.1 the station numbers its events: what the bench CSMS got must be each transaction's 0, 1, 2 … in order.
      if (delivered?.transactions) result.problems.push(...delivered.transactions.flatMap((t) => t.problems));
      if (undelivered.length > 0) result.problems.push(`outbox not drained after ${opts.drainTimeout} s: ${undelivered.join('; ')}`);

      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        for (const s of result.sessions) {
          write(
            `session ${s.sessionId}: ${s.energyWh ?? '?'} Wh${s.cost ? `, ${s.cost}` : ''}, ${s.startedAt} → ${s.stoppedAt ?? 'open'}, ${s.stopReason ?? 'not stopped'}${s.faults.length ? `, faults: ${s.faults.join(', ')}` : ''}`,
          );
        }
        write(result.problems.length === 0 ? 'scenario done' : `scenario problems:\n  ${result.problems.join('\n  ')}`);
      }
      if (result.problems.length > 0) process.exitCode = 1;
    });
}

/** Resolves true once the uplink's link is open and its boot Accepted, false after `realMs` of real time. */
async function acceptedWithin(uplink: StationUplink, realMs: number): Promise<boolean> {
  const deadline = Date.now() + realMs;
  while (!(uplink.registration.isAccepted() && uplink.connection.isOpen())) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Reads bench commands from stdin; returns a function that stops reading. */
function attachStdin(sim: RunStation, config: StationConfig, write: (line: string) => void): () => void {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const { world, station } = sim;
  rl.on('line', (raw) => {
    const [cmd, arg, flag] = raw.trim().split(/\s+/);
    switch (cmd) {
      case undefined:
      case '':
        return;
      case 'plug':
        world.plug();
        return;
      case 'unplug':
        world.unplug();
        return;
      case 'tap':
        station.tap(arg ?? config.simulator.idTag).then(
          (r) => write(`tap ${arg ?? config.simulator.idTag}: ${r}`),
          (err: unknown) => write(`tap failed: ${(err as Error).message}`),
        );
        return;
      case 'fault':
        if (!arg || !(simFaults as readonly string[]).includes(arg)) {
          write(`unknown fault "${arg ?? ''}"; one of: ${simFaults.join(', ')}`);
          return;
        }
        try {
          world.inject(arg as SimFault, flag !== 'off');
        } catch (err) {
          write(`fault ${arg}: ${(err as Error).message}`);
        }
        return;
      case 'reset':
        write(`reset cleared: ${station.controller.resetFaults().join(', ') || 'nothing'}`);
        return;
      case 'limit': {
        const amps = arg === 'off' ? null : Number(arg);
        if (amps !== null && !(amps >= 0)) {
          write(`limit needs amperes or "off", got "${arg ?? ''}"`);
          return;
        }
        station.controller.setExternalLimit(amps);
        return;
      }
      case 'target': {
        const kwh = arg === 'off' ? null : Number(arg);
        if (kwh !== null && !(kwh > 0)) {
          write(`target needs kWh > 0 or "off", got "${arg ?? ''}"`);
          return;
        }
        station.setEnergyTarget(kwh === null ? null : Math.round(kwh * 1000));
        return;
      }
      case 'tariff': {
        if (!arg) {
          write('tariff needs a JSON file');
          return;
        }
        let candidate: unknown;
        try {
          candidate = JSON.parse(readFileSync(arg, 'utf8'));
        } catch (err) {
          write(`tariff: cannot read ${arg}: ${(err as Error).message}`);
          return;
        }
        const r = station.tariffs.replace(candidate, arg);
        write(r.accepted ? `tariff ${r.tariff.id} in force for new sessions` : `tariff refused, the old one stays: ${r.reason}`);
        return;
      }
      case 'status': {
        const s = station.controller.snapshot();
        const sample = station.controller.meterPoller.latest();
        write(
          `status ${s.status}, pilot ${s.pilot}, contactor ${s.contactor}, ${station.controller.currentOffer().reason}, meter ${sample?.importWh ?? '?'} Wh, ${((sample?.totalPowerW ?? 0) / 1000).toFixed(1)} kW, SoC ${world.ev.socPercent.toFixed(1)} %`,
        );
        return;
      }
      case 'help':
        write(commandHelp);
        return;
      default:
        write(`unknown command "${cmd}" (try: help)`);
    }
  });
  return () => rl.close();
}
