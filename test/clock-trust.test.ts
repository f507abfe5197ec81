import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StationClock, systemClock, type Clock } from '../src/clock.js';
import { parseConfig } from '../src/config/load.js';
import { openJournal, type Journal } from '../src/journal/journal.js';
import { silentLogger } from '../src/logger.js';
import type { OcppClient } from '../src/ocpp/client.js';
import { createUplink } from '../src/wiring/uplink.js';
import { createBenchCsms, type BenchCsms } from '../simulator/csms/bench-csms.js';
import { createSimStation, type SimStation } from '../src/commands/sim/sim-station.js';

const sample = (atMs: number, importWh: number) => ({
  phases: [{ voltageV: 230, currentA: 16, powerW: 3680 }],
  totalPowerW: 3680,
  importWh,
  frequencyHz: 50,
  readAtMs: atMs,
});

/** A host whose clock is 56 years behind (a controller without a real-time clock, just booted). */
const behindMs = Date.UTC(2026, 0, 1) - Date.UTC(1970, 0, 1);
const bootedNear1970: Clock = { ...systemClock, nowMs: () => systemClock.nowMs() - behindMs };

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('clock trust: records made before the CSMS set the clock are marked and corrected', function () {
  this.timeout(60_000);
  let dir: string;
  let journal: Journal;
  /** The journal stamps its own rows (outbox created_at) with the station's clock, as in the real wiring. */
  async function open(clock: Clock): Promise<void> {
    journal = await openJournal({ stateDir: dir, clock });
  }
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evse-clock-'));
  });
  afterEach(async () => {
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('journal: correctClock shifts this boot’s untrusted session, its samples, events and queued timestamps', async () => {
    const t0 = Date.UTC(1970, 0, 2, 8, 0);
    let fakeNow = t0 - 9e6;
    await open({ ...systemClock, nowMs: () => fakeNow });
    const earlier = await journal.startSession({ connectorId: 1, idTag: 'A', plugInAtMs: t0 - 9e6, authorizedAtMs: t0 - 9e6, startAtMs: t0 - 9e6, meterStartWh: 10, clockTrusted: false });
    await journal.stopSession(earlier, { stopAtMs: t0 - 8e6, meterStopWh: 20, reason: 'Local' });
    fakeNow = t0; // this boot
    const id = await journal.startSession({ connectorId: 1, idTag: 'B', plugInAtMs: t0, authorizedAtMs: t0, startAtMs: t0, meterStartWh: 100, clockTrusted: false });
    await journal.recordSample(id, sample(t0 + 1000, 101));
    await journal.recordEvent(id, { kind: 'energy-flow-started', atMs: t0 + 1000 });
    await journal.stopSession(id, { stopAtMs: t0 + 60_000, meterStopWh: 160, reason: 'Local' });
    const offset = Date.UTC(2026, 10, 21, 9, 0) - t0;

    const changed = await journal.correctClock(offset, t0 - 1000);
    assert.deepEqual(changed, { sessions: 1, samples: 1, events: 1, outbox: 2 });
    const s = await journal.session(id);
    assert.equal(s?.clockTrusted, true);
    assert.equal(s?.startAtMs, t0 + offset);
    assert.equal(s?.stopAtMs, t0 + 60_000 + offset);
    assert.equal((await journal.samples(id))[0]?.atMs, t0 + 1000 + offset);
    assert.equal((await journal.events(id))[0]?.atMs, t0 + 1000 + offset);
    assert.equal((await journal.session(earlier))?.clockTrusted, false, 'an earlier boot had another clock error');
    // The queued StartTransaction of the corrected session carries the corrected time.
    await journal.markDelivered((await journal.head())!.seq, { transactionId: 1, raw: {} });
    await journal.markDelivered((await journal.head())!.seq, { raw: {} });
    const start = await journal.head();
    assert.equal(start?.kind, 'StartTransaction');
    assert.equal(start?.payload['timestamp'], new Date(t0 + offset).toISOString());
  });

  describe('end to end: a session started offline with the clock near 1970', () => {
    let csms: BenchCsms;
    let sim: SimStation;
    let uplink: OcppClient | null = null;
    afterEach(async () => {
      await sim.close();
      await uplink?.stop();
      await csms.close();
    });

    it('reaches the CSMS with corrected timestamps, never 1970, and the session ends up trusted', async () => {
      csms = await createBenchCsms({ port: 0 });
      await csms.controls.goDown();
      const clock = new StationClock(bootedNear1970, { awaitCsms: true });
      await open(clock);
      const config = parseConfig({
        control: { freeVend: true },
        ocpp: { url: csms.url, chargePointId: 'CP-CLOCK', reconnectInitialS: 0.2, reconnectMaxS: 1 },
      });
      sim = await createSimStation({ config, clock, logger: silentLogger(), recorder: journal, reader: journal, meterPath: 'direct' });
      uplink = await createUplink({ station: sim.station, journal, config, clock, logger: silentLogger(), onReset: () => Promise.resolve() });
      uplink.start();
      sim.world.plug();
      await until(() => sim.station.controller.snapshot().status === 'Charging', 'Charging');
      const id = sim.station.controller.activeSessionId()!;
      assert.equal((await journal.session(id))?.clockTrusted, false);
      assert.ok(((await journal.session(id))?.startAtMs ?? 0) < Date.UTC(1971, 0, 1));

      await csms.controls.comeBack();
      await until(() => csms.callsOf('StartTransaction').length > 0, 'StartTransaction at the CSMS');
      // A free-vend session has no card: the configured free-vend tag goes on the wire (strict schema needs one).
      assert.equal(csms.callsOf('StartTransaction')[0]?.['idTag'], 'FREEVEND');
      const stamp = Date.parse(String(csms.callsOf('StartTransaction')[0]?.['timestamp']));
      assert.ok(Math.abs(stamp - Date.now()) < 60_000, `StartTransaction stamped ${new Date(stamp).toISOString()}`);
      const row = await journal.session(id);
      assert.equal(row?.clockTrusted, true);
      assert.ok(Math.abs((row?.startAtMs ?? 0) - Date.now()) < 60_000);
      assert.ok(Math.abs(clock.nowMs() - Date.now()) < 5_000, 'the station clock follows the CSMS');
    });
  });
});
