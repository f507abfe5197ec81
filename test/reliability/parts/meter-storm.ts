/**
 * Meter fault storm: the simulated station charging in real time, its meter read by the real Modbus RTU driver over a
 * virtual line, while the simulated meter answers 10 % of the requests with a bad frame (a flipped CRC, a short frame,
 * another unit's answer, an exception) and goes silent now and then: outages shorter than the configured meter-lost
 * threshold (5 s against 10 s of silence; failures in a row set out of reach of the bad frames), and outages
 * longer than it. No meter-lost may be raised for the short ones, a meter-lost must come for every long one (by the
 * threshold, plus a poll and a read timeout), and the contactor is never closed while a fault that requires it open
 * is active (checked at every contactor command and every 20 ms).
 */
import { systemClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/logger.js';
import { createSimStation } from '../../../src/commands/sim/sim-station.js';
import type { SlaveFault } from '../../../simulator/modbus/rtu-slave.js';
import { benchConfigInput } from '../../../simulator/bench-config.js';
import { info, zero, type PartOptions, type Row } from './row.js';
import { sleep } from './journal-uplink.js';

const part = 'meter fault storm';
const badFrames: readonly SlaveFault[] = ['bad-crc', 'short-frame', 'wrong-unit', 'exception'];

export async function run(options: PartOptions): Promise<Row[]> {
  const full = options.scale === 'full';
  // The quick run keeps the proportions at a smaller scale: 3 s threshold, 1 s and 4.5 s outages.
  const thresholdS = full ? 10 : 3;
  const shortOutageMs = full ? 5_000 : 1_000;
  const longOutageMs = full ? 15_000 : 4_500;
  const cycles = full ? 12 : 1;
  const longOutages = full ? 4 : 1;
  const stormMs = full ? 15_000 : 2_000;
  const config = parseConfig({
    ...benchConfigInput,
    control: { meterMaxSilenceS: thresholdS, meterMaxFailures: 20 },
    simulator: { ev: { batteryWh: 200_000, startSocPercent: 10, targetSocPercent: 100 } },
  });
  const sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), meterPath: 'modbus' });
  const slave = sim.meterSlave;
  if (!slave) throw new Error('no simulated Modbus meter');
  let seed = 0x3e7e;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let outage = false;
  let requests = 0;
  let bad = 0;
  /**
   * When the station last got a good sample: meter-lost is false when it comes sooner than the threshold after this.
   * A sample takes several Modbus requests; one bad frame on all attempts fails the whole read, so the last good
   * answered frame can be later than the last good sample.
   */
  let lastGoodAt = Date.now();
  let samples = 0;
  sim.station.controller.meterPoller.onSample(() => {
    samples++;
    lastGoodAt = Date.now();
  });
  // Decides each request's answer as it arrives (reaching the simulator's private request handler, a test-only hook).
  const hook = slave as unknown as { handle: (req: unknown) => void };
  const handle = hook.handle.bind(slave);
  hook.handle = (req) => {
    requests++;
    let fault: SlaveFault | null = null;
    if (outage) fault = 'no-answer';
    else if (random() < 0.1) {
      fault = badFrames[Math.floor(random() * badFrames.length)] ?? 'bad-crc';
      bad++;
    }
    slave.setFault(fault);
    handle(req);
  };

  let falseLost = 0;
  const stopFaults = new Map<string, number>();
  const meterLost: number[] = [];
  let violations = 0;
  sim.station.onEvent((e) => {
    if (e.type === 'fault' && e.event.type === 'raised') {
      if (e.event.fault.definition.name === 'meter-lost') {
        meterLost.push(Date.now());
        // Sooner than the threshold after the last good sample (less a control tick of rounding): a false alarm.
        if (Date.now() - lastGoodAt < thresholdS * 1000 - 150) falseLost++;
      }
      if (e.event.fault.definition.severity === 'stop') stopFaults.set(e.event.fault.definition.name, Date.now());
    } else if (e.type === 'fault' && e.event.type === 'cleared') {
      stopFaults.delete(e.event.name);
    }
  });
  sim.world.contactor.onCommand = (position) => {
    if (position === 'closed' && stopFaults.size > 0) violations++;
  };
  // Between commands: a stop fault active for more than a control tick with the contactor still commanded closed.
  let lateOpen = 0;
  const watcher = setInterval(() => {
    const oldest = Math.min(...stopFaults.values());
    if (stopFaults.size > 0 && Date.now() - oldest > 300 && sim.world.contactor.commanded() === 'closed') lateOpen++;
  }, 20);

  let shortRaised = 0;
  let missedLost = 0;
  let lateLost = 0;
  let worstRaiseMs = 0;
  try {
    sim.world.plug();
    await sleep(300);
    await sim.station.tap(config.simulator.idTag);
    const deadline = Date.now() + 20_000;
    while (sim.world.contactor.commanded() !== 'closed') {
      if (Date.now() > deadline) throw new Error('the session never started charging');
      await sleep(20);
    }
    const outageOf = async (ms: number): Promise<void> => {
      outage = true;
      await sleep(ms);
      outage = false;
    };
    for (let i = 0; i < cycles; i++) {
      // Bad frames only, then a short outage inside the storm, then bad frames again.
      const before = meterLost.length;
      await sleep(stormMs / 2);
      await outageOf(shortOutageMs);
      await sleep(stormMs / 2);
      // Below the threshold: the silence is the outage, plus at most a poll interval and a failed read before it.
      shortRaised += meterLost.length - before;
      options.log?.(`${part}: cycle ${i + 1}/${cycles}: ${requests} requests, ${bad} bad frames, ${meterLost.length} meter-lost`);
    }
    for (let i = 0; i < longOutages; i++) {
      const before = meterLost.length;
      const start = Date.now();
      await outageOf(longOutageMs);
      const raised = meterLost.slice(before)[0];
      if (raised === undefined) missedLost++;
      else {
        worstRaiseMs = Math.max(worstRaiseMs, raised - start);
        // Due by the threshold, plus one poll interval and one read (timeout and retry) in flight.
        if (raised - start > thresholdS * 1000 + config.meter.pollIntervalMs + config.meter.timeoutMs * (config.meter.retries + 1) + 500) lateLost++;
      }
      // The meter answers again: it must clear, and the storm of bad frames goes on.
      await sleep(stormMs);
    }
  } finally {
    clearInterval(watcher);
    await sim.close();
  }
  return [
    info(part, 'meter requests', requests),
    info(part, 'bad frames answered', bad),
    info(part, 'good samples', samples),
    info(part, `short outages (${shortOutageMs / 1000} s, threshold ${thresholdS} s of silence)`, cycles),
    zero(part, 'false meter-lost (raised sooner than the threshold after the last good sample)', falseLost),
    zero(part, 'meter-lost during the bad frames and short outages', shortRaised),
    info(part, `long outages (${longOutageMs / 1000} s)`, longOutages),
    zero(part, 'long outages without a meter-lost, or with a late one', missedLost + lateLost),
    info(part, 'meter-lost raised after the outage began (worst)', worstRaiseMs, 'ms'),
    zero(part, 'contactor closed while a stop fault was active', violations),
    zero(part, 'contactor left closed > 300 ms under a stop fault (20 ms checks)', lateOpen),
  ];
}
