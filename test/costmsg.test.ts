import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { systemClock } from '../src/clock.js';
import { parseConfig } from '../src/config/load.js';
import { openJournal, type Journal } from '../src/journal/journal.js';
import type { OcppClient } from '../src/ocpp/client.js';
import { createUplink, uplinkAuthorizer } from '../src/uplink.js';
import { benchConfigInput } from '../simulator/bench-config.js';
import { createBenchCsms, type BenchCsms } from '../simulator/csms/bench-csms.js';
import { createSimStation, type SimStation } from '../simulator/sim-station.js';

/** Polls (real time: ocpp-rpc's sockets do not run on fake timers) until `predicate` holds. */
async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('California Pricing (costmsg) on loopback: the CSMS figure is shown, differences are logged', function () {
  this.timeout(60_000);
  let dir: string;
  let csms: BenchCsms;
  let journal: Journal;
  let sim: SimStation;
  let uplink: OcppClient | null = null;
  const logLines: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'evse-costmsg-'));
    csms = await createBenchCsms({ port: 0 });
    journal = await openJournal({ stateDir: dir });
    const config = parseConfig({ ...benchConfigInput, ocpp: { url: csms.url, chargePointId: 'CP-COST' } });
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          logLines.push(chunk.toString());
          cb();
        },
      }),
    );
    sim = await createSimStation({
      config,
      clock: systemClock,
      logger,
      recorder: journal,
      reader: journal,
      meterPath: 'direct',
      authorizer: uplinkAuthorizer(() => uplink),
    });
    uplink = await createUplink({ station: sim.station, journal, config, clock: systemClock, logger, onReset: () => Promise.resolve() });
    uplink.start();
    await until(() => csms.callsOf('BootNotification').length > 0, 'BootNotification');
    sim.world.plug();
    await until(async () => (await sim.station.tap('SIMCARD01')) === 'started', 'an accepted tap');
    await until(() => sim.station.controller.snapshot().status === 'Charging', 'Charging');
  });

  after(async () => {
    await sim.close();
    await uplink?.stop();
    await journal.close();
    await csms.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function transactionId(): Promise<number> {
    const id = sim.station.controller.activeSessionId();
    assert.ok(id !== null);
    let tid: number | null = null;
    await until(async () => (tid = await journal.transactionIdFor(id)) !== null, 'StartTransaction.conf');
    return tid!;
  }

  function runningCost(tid: number, cost: number): Record<string, unknown> {
    return {
      vendorId: 'org.openchargealliance.costmsg',
      messageId: 'RunningCost',
      data: JSON.stringify({
        transactionId: tid,
        timestamp: new Date().toISOString(),
        meterValue: sim.station.controller.meterPoller.latest()?.importWh ?? 0,
        cost,
        state: 'Charging',
        chargingPrice: { kWhPrice: 0.39, hourPrice: 0, flatFee: 0.5 },
      }),
    };
  }

  it('a RunningCost equal to ours is accepted and agrees (no difference logged)', async () => {
    const tid = await transactionId();
    const id = sim.station.controller.activeSessionId()!;
    const local = sim.station.sessionCost(id)!;
    const answer = (await csms.controls.call('CP-COST', 'DataTransfer', runningCost(tid, local.totalMinor / 100))) as { status: string };
    assert.equal(answer.status, 'Accepted');
    const shown = sim.station.displayedCost(id)!;
    assert.equal(shown.source, 'csms');
    assert.equal(shown.totalMinor, local.totalMinor);
    assert.ok(!logLines.some((l) => l.includes('CSMS cost differs')));
  });

  it('a different CSMS figure is what the driver sees, and the difference is logged', async () => {
    const tid = await transactionId();
    const id = sim.station.controller.activeSessionId()!;
    const answer = (await csms.controls.call('CP-COST', 'DataTransfer', runningCost(tid, 12.34))) as { status: string };
    assert.equal(answer.status, 'Accepted');
    assert.equal(sim.station.displayedCost(id)?.text, '12.34 EUR');
    const line = logLines.find((l) => l.includes('CSMS cost differs'));
    assert.ok(line, 'difference logged');
    assert.equal((JSON.parse(line) as { csmsMinor: number }).csmsMinor, 1234);
  });

  it('a malformed costmsg is Rejected and changes nothing; an unknown transaction too', async () => {
    const tid = await transactionId();
    const id = sim.station.controller.activeSessionId()!;
    const before = sim.station.displayedCost(id);
    const bad = { ...runningCost(tid, 1), data: JSON.stringify({ transactionId: tid, cost: 'lots' }) };
    assert.equal(((await csms.controls.call('CP-COST', 'DataTransfer', bad)) as { status: string }).status, 'Rejected');
    const unknown = runningCost(tid + 1000, 1);
    assert.equal(((await csms.controls.call('CP-COST', 'DataTransfer', unknown)) as { status: string }).status, 'Rejected');
    assert.deepEqual(sim.station.displayedCost(id), before);
    const otherVendor = { vendorId: 'com.example', messageId: 'X' };
    assert.equal(((await csms.controls.call('CP-COST', 'DataTransfer', otherVendor)) as { status: string }).status, 'UnknownVendorId');
  });
});
