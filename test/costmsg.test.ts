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
import { createUplink, uplinkAuthorizer, uplinkDefaultPrice } from '../src/wiring/uplink.js';
import { buildStatusView } from '../src/web/status-view.js';
import { benchConfigInput } from '../simulator/bench-config.js';
import { createBenchCsms, type BenchCsms } from '../simulator/csms/bench-csms.js';
import { createSimStation, type SimStation } from '../src/commands/sim/sim-station.js';

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

  it('SetUserPrice: the text is what the card\'s driver is shown as the price', async () => {
    const call = { vendorId: 'org.openchargealliance.costmsg', messageId: 'SetUserPrice', data: JSON.stringify({ idToken: 'SIMCARD01', priceText: '0.25 EUR/kWh for members' }) };
    assert.equal(((await csms.controls.call('CP-COST', 'DataTransfer', call)) as { status: string }).status, 'Accepted');
    assert.equal(sim.station.userPrice('SIMCARD01'), '0.25 EUR/kWh for members');
    const view = await buildStatusView({ station: sim.station, config: parseConfig(benchConfigInput), clock: systemClock });
    assert.equal(view.price.csmsText, '0.25 EUR/kWh for members');
    assert.equal(view.price.source, 'csms');
  });

  it('DefaultPrice: a valid JSON price is accepted and shown (its offline text while offline); a bad one is refused', async () => {
    const change = async (key: string, value: string): Promise<string> =>
      ((await csms.controls.call('CP-COST', 'ChangeConfiguration', { key, value })) as { status: string }).status;
    const price = { priceText: '0.30 EUR/kWh', priceTextOffline: 'Offline: 0.30 EUR/kWh', chargingPrice: { kWhPrice: 0.3 } };
    assert.equal(await change('DefaultPrice', JSON.stringify(price)), 'Accepted');
    assert.deepEqual(uplinkDefaultPrice(uplink), price);
    assert.equal(await change('DefaultPrice', '{"priceTextOffline":"x"}'), 'Rejected', 'priceText is required');
    assert.equal(await change('DefaultPrice', 'not json'), 'Rejected');
    assert.deepEqual(uplinkDefaultPrice(uplink), price, 'a refused value leaves the old one');
    assert.equal(await change('CustomDisplayCostAndPrice', 'false'), 'Rejected', 'read-only');
    const keys = (await csms.controls.call('CP-COST', 'GetConfiguration', { key: ['CustomDisplayCostAndPrice', 'DefaultPrice', 'CustomIdleFeeAfterStop'] })) as {
      configurationKey: { key: string; value: string; readonly: boolean }[];
    };
    assert.deepEqual(
      keys.configurationKey.map((k) => [k.key, k.readonly, k.value]),
      [
        ['CustomDisplayCostAndPrice', true, 'true'],
        ['DefaultPrice', false, JSON.stringify(price)],
        ['CustomIdleFeeAfterStop', false, 'false'],
      ],
    );
    // Without a card at the station, the default price is what a driver walking up sees.
    const config = parseConfig(benchConfigInput);
    const sources = { station: sim.station, config, clock: systemClock, csmsDefaultPrice: () => uplinkDefaultPrice(uplink) };
    const online = { connected: true, registration: 'Accepted' as const, lastAnswerAtMs: null, connectedSinceMs: null, outboxDepth: 0, deadLetters: 0 };
    const idle = { ...sources, station: { ...sim.station, userPrice: () => null } };
    assert.equal((await buildStatusView({ ...idle, uplinkStatus: () => Promise.resolve(online) })).price.csmsText, '0.30 EUR/kWh');
    assert.equal((await buildStatusView({ ...idle, uplinkStatus: () => Promise.resolve({ ...online, connected: false }) })).price.csmsText, 'Offline: 0.30 EUR/kWh');
  });

  it('CustomIdleFeeAfterStop: after the stop, the unplug reaches the CSMS as ConnectorUnplugged with the transactionId', async () => {
    const tid = await transactionId();
    assert.equal(((await csms.controls.call('CP-COST', 'ChangeConfiguration', { key: 'CustomIdleFeeAfterStop', value: 'true' })) as { status: string }).status, 'Accepted');
    assert.equal(await sim.station.tap('SIMCARD01'), 'stopped');
    await until(() => csms.callsOf('StopTransaction').length > 0, 'StopTransaction');
    const unpluggedAt = Date.now();
    sim.world.unplug();
    await until(() => csms.callsOf('DataTransfer').some((c) => c['messageId'] === 'ConnectorUnplugged'), 'ConnectorUnplugged');
    const call = csms.callsOf('DataTransfer').find((c) => c['messageId'] === 'ConnectorUnplugged')!;
    assert.equal(call['vendorId'], 'org.openchargealliance.costmsg');
    const data = JSON.parse(String(call['data'])) as { transactionId: number; timestamp: string };
    assert.equal(data.transactionId, tid);
    assert.ok(Math.abs(Date.parse(data.timestamp) - unpluggedAt) < 2000, data.timestamp);
    const stop = csms.callsOf('StopTransaction')[0]!;
    assert.equal(stop['transactionId'], tid);
    const inbound = csms.messages.filter((m) => !m.outbound && m.type === 'CALL');
    const stopAt = inbound.findIndex((m) => m.method === 'StopTransaction');
    const unplugAt = inbound.findIndex((m) => m.method === 'DataTransfer' && (m.payload as { messageId?: string }).messageId === 'ConnectorUnplugged');
    assert.ok(stopAt >= 0 && unplugAt > stopAt, 'ConnectorUnplugged follows the StopTransaction');
  });
});
