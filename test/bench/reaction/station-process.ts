/**
 * One simulated station of the reaction benchmark, a process of its own (the coordinator starts it in a session of its
 * own, so the kernel schedules it as any other program): the real control core on the simulator, on this process's
 * main thread, the meter read by the real Modbus driver over a virtual RTU line, every controller event and meter
 * sample logged through pino. It brings itself to Charging and says `ready`; on the coordinator's `go` it asks its
 * edge thread for a pilot edge, which comes a random 0–3 ms later stamped with the absolute time (as a GPIO interrupt
 * queued from epoll), applies it to the simulated pilot and reports the time from the stamp to `contactor.open()`.
 * Then it recovers (unplug, state-F hold) and starts over. argv[2]: the StationSetup as JSON.
 */
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { systemClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import type { StationConfig } from '../../../src/config/schema.js';
import { openJournal } from '../../../src/journal/journal.js';
import { silentLogger } from '../../../src/logger.js';
import { MemoryRecorder } from '../../../src/session/memory-recorder.js';
import type { SessionRecorder } from '../../../src/session/recorder.js';
import { buildStatusApp } from '../../../src/web/app.js';
import { startStatusServer } from '../../../src/web/server.js';
import { localStatusData } from '../../../src/web/status-data.js';
import type { Station } from '../../../src/wiring/station.js';
import { createSimStation } from '../../../src/commands/sim/sim-station.js';
import { openEventStreams, pollStatusPage } from '../status-page-clients.js';
import type { FromStation, Kind, StationSetup, ToStation } from './protocol.js';

const send = (message: FromStation): void => {
  if (process.send === undefined) throw new Error('station-process.ts runs as a child with an IPC channel');
  process.send(message);
};
const setup = JSON.parse(process.argv[2] ?? '{}') as StationSetup;
const now = (): number => performance.timeOrigin + performance.now();

/** A thread that sends pilot "edges" a random 0–3 ms after being asked, stamped with the absolute time. */
function edgeSource(): Worker {
  return new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', (m) => {
       if (m === 'stop') { parentPort.close(); return; }
       setTimeout(() => parentPort.postMessage(performance.timeOrigin + performance.now()), Math.random() * 3);
     });`,
    { eval: true },
  );
}

/** The status page on loopback, polled back to back by `clients` fetch loops in a worker thread of their own. */
async function statusPageLoad(
  station: Station,
  config: StationConfig,
  clients: number,
  where: 'worker' | 'control thread',
  streams: number,
): Promise<() => Promise<string>> {
  const sources = { station, config, clock: systemClock };
  let server: { url: string; close(): Promise<void> };
  if (where === 'worker') {
    server = await startStatusServer({ sources, logger: silentLogger(), host: '127.0.0.1', port: 0 });
  } else {
    const app = buildStatusApp(localStatusData(sources, null), () => undefined);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    server = { url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/`, close: () => app.close() };
  }
  const load = clients > 0 ? pollStatusPage(`${server.url}api/status`, clients) : null;
  const live = streams > 0 ? await openEventStreams(`${server.url}api/events`, streams) : null;
  const started = Date.now();
  return async () => {
    const count = (await load?.stop()) ?? 0;
    const events = (await live?.stop()) ?? 0;
    await server.close();
    const seconds = (Date.now() - started) / 1000;
    return `status page (${where}): ${count} answers to ${clients} polling clients, ${events} events to ${streams} live streams in ${seconds.toFixed(0)} s`;
  };
}

async function main(): Promise<void> {
  const config = parseConfig({ control: { pilotDebounceMs: 2 }, meter: { driver: 'sim', pollIntervalMs: setup.meterPollMs } });
  // Logging load: every controller event and a status line per meter sample, through pino to /dev/null.
  const log = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  let recorder: SessionRecorder;
  let closeRecorder: () => Promise<void> = () => Promise.resolve();
  if (setup.recorder === 'journal') {
    if (setup.journalDir === undefined) throw new Error('journal variant without a folder');
    const journal = await openJournal({ stateDir: setup.journalDir, synchronous: 'FULL', commitDelayMs: 30 });
    recorder = journal;
    closeRecorder = () => journal.close();
  } else {
    recorder = new MemoryRecorder();
  }
  const sim = await createSimStation({
    config,
    clock: systemClock,
    logger: log,
    recorder,
    meterPath: 'modbus',
    tickMs: 5,
    contactorTiming: { minCloseIntervalMs: setup.minCloseIntervalMs },
  });
  const { world, station } = sim;
  world.replaceEv({ ...config.simulator.ev, batteryWh: 200_000, startSocPercent: 10, reactionMs: 0 });
  station.onEvent((e) => log.info({ event: e.type }, 'controller event'));
  station.controller.meterPoller.onSample((s) => log.info({ w: s.totalPowerW, wh: s.importWh }, 'sample'));
  const stopLoad = setup.statusPage
    ? await statusPageLoad(station, config, setup.statusPage.clients, setup.statusPage.where, setup.statusPage.streams ?? 0)
    : null;

  // Waits are woken by the station's own events (and a 10 ms fallback), not by a 1 ms polling loop: the old loop cost
  // a wake-up per millisecond of every wait, which paced nothing but the CPU. No wait is pending while an edge is in
  // flight, in the old run or here.
  const waiters = new Set<() => void>();
  const wakeWaiters = (): void => {
    for (const check of [...waiters]) check();
  };
  station.onEvent(() => void setImmediate(wakeWaiters));
  let openAt = 0;
  world.contactor.onCommand = (p) => {
    if (p === 'open' && openAt === 0) openAt = now();
    setImmediate(wakeWaiters);
  };
  const edges = edgeSource();
  let stopping = false;
  let onGo: ((kind: Kind) => void) | null = null;
  let onStop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    onStop = resolve;
  });
  process.on('message', (m: ToStation) => {
    if (m.type === 'stop') {
      stopping = true;
      onStop();
    } else {
      onGo?.(m.kind);
    }
  });
  const waitUntil = (pred: () => boolean, what: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 20_000;
      const check = (): void => {
        if (pred()) {
          done();
          resolve();
        } else if (Date.now() > deadline) {
          done();
          const faults = station.controller.faults.summary().active.map((f) => `${f.definition.name} ${f.detail ?? ''}`).join('; ');
          reject(new Error(`bench stuck waiting for ${what} (status ${station.controller.snapshot().status}, faults: ${faults})`));
        }
      };
      const fallback = setInterval(check, 10);
      const done = (): void => {
        clearInterval(fallback);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const charging = (): boolean => world.contactor.commanded() === 'closed';

  while (!stopping) {
    // Bring the station back to Charging.
    if (world.pilot.cpShorted) world.inject('cp-short', false);
    if (!world.ev.plugged) {
      station.controller.resetFaults();
      world.plug();
    }
    if (station.controller.snapshot().session === 'none') await station.tap('BENCH');
    await waitUntil(charging, 'Charging');
    openAt = 0;
    send({ type: 'ready' });
    const kind = await Promise.race([
      new Promise<Kind>((resolve) => {
        onGo = resolve;
      }),
      stopped.then(() => null),
    ]);
    onGo = null;
    if (kind === null) break;
    const edge = new Promise<number>((resolve) => edges.once('message', (t: number) => resolve(t)));
    edges.postMessage('fire');
    const edgeAt = await edge;
    // The edge arrived: apply it to the simulated pilot (the driver's interrupt handler).
    if (kind === 'C→B') {
      world.ev.s2Closed = false;
      world.pilot.refresh();
    } else if (kind === 'unplug') {
      world.unplug();
    } else {
      world.inject('cp-short');
    }
    if (openAt === 0) throw new Error(`contactor did not open on ${kind}`);
    send({ type: 'sample', kind, ms: openAt - edgeAt });
    if (kind === 'E') {
      // Pilot faults recover on unplug.
      world.unplug();
      world.inject('cp-short', false);
    }
    if (kind !== 'C→B') {
      // While state F is held after a fault the pilot cannot see the unplug; wait until it has.
      await waitUntil(
        () => station.controller.snapshot().session === 'none' && station.controller.snapshot().pilot === 'A',
        'session stopped and EV seen unplugged',
      );
    }
  }
  const loadReport = stopLoad ? await stopLoad() : null;
  edges.postMessage('stop');
  await edges.terminate();
  await sim.close();
  await closeRecorder();
  send({ type: 'done', loadReport });
}

main().then(
  () => process.disconnect(),
  (err: unknown) => {
    send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.disconnect();
  },
);
