import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boardNamespaceArgv, startBoardSerialMeter, VirtualBoard, type BoardSerialMeter } from '../../../simulator/board/index.js';
import { createBenchCsms, type BenchCsms } from '../../../simulator/csms/bench-csms.js';
import { describeEvent, type ScenarioResult } from '../sim/run-scenario.js';
import { collectSummary, scenarioContext, type Scenario } from '../sim/scenarios.js';
import { acceleratedClock, systemClock, type Clock } from '../../clock.js';
import type { StationConfig } from '../../config/schema.js';
import { BoardScenarioWorld } from '../../../simulator/board/world.js';
import { DaemonEvents, DaemonStation } from './daemon-station.js';
import { openPtyPair, type PtyPair } from '../../../simulator/modbus/pty-pair.js';

export interface BoardSimOptions {
  readonly scenario: Scenario;
  /** The validated config (its `gpio` wires the board). */
  readonly config: StationConfig & { readonly gpio: NonNullable<StationConfig['gpio']> };
  /** The config file as written: the daemon's config is derived from it (meter, ocpp, web replaced). */
  readonly configInput: Record<string, unknown>;
  /** Scenario waits and the EV/energy physics run this many times faster than real time; the daemon runs in real time. */
  readonly speed: number;
  /** One human line per event. */
  readonly out: (line: string) => void;
}

export interface BoardSimResult extends ScenarioResult {
  readonly daemon: { readonly exitCode: number | null; readonly signal: string | null; readonly relayInactiveAfterExit: boolean };
  readonly uplink: {
    readonly csms: string;
    readonly delivered: { readonly startTransactions: number; readonly stopTransactions: number; readonly meterValues: number };
    readonly statusErrorCodes: string[];
  };
}

/** One run of the daemon process. */
interface RunningDaemon {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  readonly stderr: () => string;
  readonly statusUrl: URL;
}

/** Least real time a scenario wait lasts before it may time out: the daemon's I/O (Modbus, OCPP, status page) is real. */
const REAL_TIME_FLOOR_MS = 20_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * `exited`, or null after `ms`. The timer is cleared once the daemon exits: a pending one held the command open for
 * the whole 20 s after every run (and after every OCPP Reset) although the daemon had long exited.
 */
export async function exitWithin<T>(exited: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([exited, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The command line that starts this same `evse` in a child: `src/cli.ts` through tsx when running from source (the
 * tests), `dist/src/cli.js` when built. Found beside this module, so it does not depend on how this process was started.
 */
export function evseCliCommand(): { argv: string[]; cwd: string } {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const srcDir = dirname(dirname(dirname(here)));
  const cli = join(srcDir, `cli${ext}`);
  return ext === '.ts' ? { argv: [process.execPath, '--import', 'tsx', cli], cwd: dirname(srcDir) } : { argv: [process.execPath, cli], cwd: process.cwd() };
}

/** The daemon's config: the file's, with the meter on the pty, the OCPP uplink on the bench CSMS and the page on a free loopback port. */
export function deriveDaemonConfig(input: Record<string, unknown>, meter: { port: string; model: string }, csmsUrl: string, chargePointId: string): Record<string, unknown> {
  const ocpp = { ...((input['ocpp'] as Record<string, unknown> | undefined) ?? {}) };
  delete ocpp['securityProfile'];
  delete ocpp['authorizationKey'];
  return {
    ...input,
    meter: { driver: 'modbus', port: meter.port, model: meter.model },
    ocpp: { ...ocpp, url: csmsUrl, chargePointId },
    web: { ...(input['web'] ?? {}), enabled: true, host: '127.0.0.1', port: 0 },
  };
}

/**
 * Runs one scenario with the real daemon (`evse run`, a child process in a private mount namespace) on the virtual
 * board (run here), its meter served over a socat pty pair, its uplink on a bench CSMS here. A small variant of
 * `runScenario`: the same context and checks, but the station is the daemon (driven through the CSMS and read through
 * its status page), its events come from its log, waits run on an accelerated clock with a real-time floor, and the end
 * is a SIGTERM whose exit code and relay are checked. Needs root and socat (the caller checks).
 */
export async function runBoardSim(opts: BoardSimOptions): Promise<BoardSimResult> {
  const { scenario, config, out } = opts;
  const clock: Clock = opts.speed === 1 ? systemClock : acceleratedClock(opts.speed);
  const work = mkdtempSync(join(tmpdir(), 'evse-board-sim-'));
  const board = VirtualBoard.create({ gpio: config.gpio, options: { root: join(work, 'board'), speed: opts.speed } });
  let pair: PtyPair | null = null;
  let meter: BoardSerialMeter | null = null;
  let csms: BenchCsms | null = null;
  const daemons: ChildProcess[] = [];
  let poller: DaemonStation | null = null;
  try {
    board.start();
    pair = await openPtyPair();
    // The board serves a built-in register map: the config's model when it names one, else an SDM630.
    const model = config.meter.driver === 'modbus' && config.meter.model !== 'custom' ? config.meter.model : 'sdm630';
    meter = await startBoardSerialMeter(board, { port: pair.a, model });
    csms = await createBenchCsms({ port: 0 });
    const identity = config.ocpp.chargePointId ?? config.station.id;
    const configPath = join(work, 'daemon-config.json');
    writeFileSync(configPath, JSON.stringify(deriveDaemonConfig(opts.configInput, { port: pair.b, model }, csms.url, identity), null, 2));
    out(`board at ${board.root}, meter ${model} on ${pair.a} ↔ ${pair.b}, bench CSMS ${csms.url}/${identity}`);

    // The daemon, as systemd would run it, but in a namespace where /sys/class/{gpio,pwm} are the board's; started
    // again after an OCPP Reset, as systemd does (Restart=always).
    const cli = evseCliCommand();
    const argv = boardNamespaceArgv(board.classDir, [...cli.argv, 'run', '--config', configPath, '--state-dir', join(work, 'state')]);
    const env: NodeJS.ProcessEnv = { ...process.env, EVSE_LOG_LEVEL: 'info' };
    delete env['NOTIFY_SOCKET'];
    delete env['WATCHDOG_USEC'];
    const events = new DaemonEvents();
    const launch = async (): Promise<RunningDaemon> => {
      const child = spawn(argv[0] ?? 'unshare', argv.slice(1), { cwd: cli.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      daemons.push(child);
      const seen: { pageUrl: string | null; running: boolean } = { pageUrl: null, running: false };
      let stderr = '';
      let partial = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (line.includes('"status page listening"')) seen.pageUrl = (JSON.parse(line) as { url?: string }).url ?? null;
          if (line.includes('"station running"')) seen.running = true;
          events.feed(line);
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      const deadline = Date.now() + 60_000;
      while (!(seen.running && seen.pageUrl !== null && csms?.connectedIdentities().includes(identity) === true)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the daemon exited while starting (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`);
        if (Date.now() > deadline) throw new Error(`the daemon did not come up within 60 s: ${stderr.trim()}`);
        await sleep(50);
      }
      out(`daemon running (pid ${child.pid ?? '?'}), status page ${seen.pageUrl ?? ''}`);
      return { child, exited, stderr: () => stderr, statusUrl: new URL('api/status', seen.pageUrl ?? '') };
    };
    let current = await launch();
    const restart = async (): Promise<URL> => {
      const end = await exitWithin(current.exited, 20_000);
      if (end === null) throw new Error('the daemon did not stop within 20 s of OCPP Reset');
      if (end.code !== 0) throw new Error(`the daemon exited with ${end.code ?? end.signal ?? '?'} after OCPP Reset: ${current.stderr().trim()}`);
      // The bench CSMS must see the new connection, not the old one still closing.
      await csms?.waitFor(() => !(csms?.connectedIdentities().includes(identity) ?? false), 10_000, 'the old connection to close');
      current = await launch();
      return current.statusUrl;
    };

    // The scenario, on the context runScenario gives, over the board's world and the daemon.
    const summary = collectSummary(scenario.name, events, clock);
    const startMono = clock.monotonicMs();
    const stamp = (): string => new Date(clock.monotonicMs() - startMono).toISOString().slice(11, 19);
    events.onEvent((e) => {
      let line: string | null;
      try {
        line = describeEvent(e);
      } catch {
        line = `${e.type} ${JSON.stringify(e)}`;
      }
      if (line) out(`[${stamp()}] ${line}`);
    });
    const station = new DaemonStation(csms, identity, current.statusUrl, (line) => out(`[${stamp()}] ${line}`), restart);
    poller = station;
    await station.start();
    const world = new BoardScenarioWorld(board, (silent) => meter?.slave.setFault(silent ? 'no-answer' : null));
    const wait = (ms: number): Promise<void> => new Promise((resolve) => clock.setTimeout(resolve, ms));
    const waitFor = async (predicate: () => boolean, what: string, timeoutMs: number): Promise<void> => {
      const end = clock.monotonicMs() + timeoutMs;
      const realEnd = Date.now() + REAL_TIME_FLOOR_MS;
      while (!predicate()) {
        const { child } = current;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the daemon died while waiting for ${what}: ${current.stderr().trim()}`);
        if (clock.monotonicMs() >= end && Date.now() >= realEnd) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        await wait(100);
      }
    };
    const ctx = scenarioContext({
      world,
      station,
      clock,
      idTag: config.simulator.idTag,
      wait,
      waitFor,
      evProfile: config.simulator.ev,
      note: (message) => {
        summary.notes.push(message);
        out(`[${stamp()}] note: ${message}`);
      },
      stopping: () => false,
    });
    const problems: string[] = [];
    try {
      await scenario.run(ctx);
    } catch (err) {
      problems.push(`scenario failed: ${(err as Error).message}`);
    }
    summary.simulatedSeconds = Math.round((clock.monotonicMs() - startMono) / 1000);
    station.stop();
    // The status before the SIGTERM, as the station's page last showed it (a restarted daemon logs no transition into
    // the state it boots in, so its event log alone can be stale).
    const lastStatus = station.latest()?.status ?? events.controller.snapshot().status;

    // Every journaled stop should reach the CSMS before the daemon is stopped.
    const stopped = summary.sessions.filter((s) => s.stopReason !== null).length;
    await csms.waitFor(() => (csms?.callsOf('StopTransaction').length ?? 0) >= stopped, 15_000, 'StopTransaction').catch((err: unknown) => {
      problems.push((err as Error).message);
    });

    // SIGTERM: the daemon must end cleanly (exit 0) and leave the relay inactive.
    current.child.kill('SIGTERM');
    const end = await exitWithin(current.exited, 20_000);
    if (end === null) {
      current.child.kill('SIGKILL');
      problems.push('the daemon did not exit within 20 s of SIGTERM (killed)');
    } else if (end.code !== 0) {
      problems.push(`the daemon exited with ${end.code ?? end.signal ?? '?'} after SIGTERM: ${current.stderr().trim().split('\n').slice(-3).join(' | ')}`);
    }
    await sleep(50); // a few board polls, so the relay reads what the exit left
    const relayInactive = !board.relayCoilActive();
    if (!relayInactive) problems.push('the relay coil is still active after the daemon exited');
    summary.finalStatus = lastStatus;

    // The daemon has no card reader: a tap is a RemoteStopTransaction, which it reports as Remote. Such a stop is the
    // driver's tap, i.e. the Local stop the scenarios expect; any other Remote stop stays Remote.
    for (const s of summary.sessions) {
      if (s.stopReason === 'Remote' && station.stoppedByTap.has(s.sessionId)) {
        s.stopReason = 'Local';
        summary.notes.push(`session ${s.sessionId}: stopped by a tap, played as RemoteStopTransaction (the daemon reports Remote)`);
      }
    }
    problems.push(...station.refusals.map((r) => `the daemon refused ${r}`));
    problems.push(...(scenario.check?.(summary) ?? []));
    const starts = csms.callsOf('StartTransaction').length;
    if (starts !== summary.sessions.length) problems.push(`the CSMS received ${starts} StartTransaction for ${summary.sessions.length} session(s)`);
    const statusErrorCodes = [
      ...new Set(csms.callsOf('StatusNotification').map((p) => String(p['errorCode'])).filter((c) => c !== 'NoError')),
    ];
    return {
      ...summary,
      problems,
      daemon: { exitCode: end?.code ?? null, signal: end?.signal ?? null, relayInactiveAfterExit: relayInactive },
      uplink: {
        csms: csms.url,
        delivered: { startTransactions: starts, stopTransactions: csms.callsOf('StopTransaction').length, meterValues: csms.callsOf('MeterValues').length },
        statusErrorCodes,
      },
    };
  } finally {
    poller?.stop();
    for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
    await csms?.close();
    await meter?.close();
    await pair?.close();
    board.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The config file as written (JSON), for deriving the daemon's. */
export function readConfigInput(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}
