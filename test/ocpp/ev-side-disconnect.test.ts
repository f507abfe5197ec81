import assert from 'node:assert/strict';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { silentLogger } from '../../src/logger.js';
import type { TransactionEventRequest } from '../../src/ocpp/v201/transactions/types.js';
import { createStationUplink, uplinkAuthorizer, type StationUplink } from '../../src/wiring/uplink.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { createBenchCsms, type BenchCsms } from '../../simulator/csms/bench-csms.js';
import { tempStateDir } from '../journal/support/helpers.js';
import { assertSchema } from './v201/schemas.js';

/** Polls in real time (sockets and the journal worker do not run on fake timers). */
async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ID = 'CP-E10';

/**
 * E10 end to end: the simulated station (real control core, journal on SQLite, the wiring's charge-point adapter)
 * behind either uplink, against the bench CSMS in strict mode on loopback. The CSMS turns StopTransactionOnEVSideDisconnect
 * (1.6) / TxCtrlr.StopTxOnEVSideDisconnect (2.0.1) off; the EV leaves, comes back, charges, leaves again; a remote stop
 * ends the one transaction.
 */
describe('StopTxOnEVSideDisconnect false over both uplinks: the EV leaves and the transaction stays (real station, bench CSMS)', function () {
  this.timeout(60_000);
  let state: ReturnType<typeof tempStateDir>;
  let csms: BenchCsms;
  let journal: Journal;
  let sim: SimStation | null = null;
  let uplink: StationUplink | null = null;

  beforeEach(async () => {
    state = tempStateDir('evse-e10-');
    csms = await createBenchCsms({ port: 0 });
    journal = await openJournal({ stateDir: state.dir });
  });

  afterEach(async () => {
    await sim?.close();
    sim = null;
    await uplink?.stop();
    uplink = null;
    await journal.close();
    await csms.close();
    state.cleanup();
  });

  async function start(version: '1.6' | '2.0.1'): Promise<SimStation> {
    const config = parseConfig({ ...benchConfigInput, ocpp: { url: csms.url, chargePointId: ID, version } });
    const logger = silentLogger();
    sim = await createSimStation({ config, clock: systemClock, logger, recorder: journal, reader: journal, meterPath: 'direct', authorizer: uplinkAuthorizer(() => uplink) });
    uplink = await createStationUplink({ station: sim.station, journal, config, clock: systemClock, logger, onReset: () => Promise.resolve() });
    uplink.start();
    await until(() => csms.callsOf('BootNotification').length > 0 && csms.callsOf('StatusNotification').length > 0, 'boot');
    return sim;
  }

  async function chargeAgain(s: SimStation): Promise<void> {
    s.world.plug();
    await until(() => s.station.controller.snapshot().status === 'Charging', 'Charging');
  }

  async function leave(s: SimStation): Promise<void> {
    s.world.unplug();
    await until(() => s.station.controller.snapshot().status === 'SuspendedEV', 'SuspendedEV without the EV');
    assert.equal(s.station.controller.snapshot().contactor, 'open');
    assert.notEqual(s.station.controller.activeSession(), null, 'the transaction is kept');
  }

  it('2.0.1: Updated EVCommunicationLost/Idle, CablePluggedIn/EVConnected, ChargingStateChanged/Charging, Ended Remote; one transactionId, seqNos without gap', async () => {
    const s = await start('2.0.1');
    const set = (await csms.controls.call(ID, 'SetVariables', {
      setVariableData: [{ attributeValue: 'false', component: { name: 'TxCtrlr' }, variable: { name: 'StopTxOnEVSideDisconnect' } }],
    })) as { setVariableResult: { attributeStatus: string }[] };
    assert.equal(set.setVariableResult[0]?.attributeStatus, 'Accepted');
    s.world.plug();
    // Cable first (E02): the tap only once the station saw the EV.
    await until(() => s.station.controller.snapshot().status === 'Preparing', 'Preparing');
    await until(async () => (await s.station.tap('SIMCARD01')) === 'started', 'an accepted tap');
    await until(() => s.station.controller.snapshot().status === 'Charging', 'Charging');
    await leave(s);
    await chargeAgain(s);
    await leave(s);
    const events = (): TransactionEventRequest[] => csms.callsOf('TransactionEvent') as unknown as TransactionEventRequest[];
    await until(() => events().filter((e) => e.triggerReason === 'EVCommunicationLost').length === 2, 'the second EVCommunicationLost');
    // F06 while the EV is away: the triggered Updated says Idle too.
    assert.deepEqual(await csms.controls.call(ID, 'TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } }), { status: 'Accepted' });
    await until(() => events().some((e) => e.triggerReason === 'Trigger'), 'the triggered Updated');
    const transactionId = events()[0]?.transactionInfo.transactionId;
    assert.deepEqual(await csms.controls.call(ID, 'RequestStopTransaction', { transactionId }), { status: 'Accepted' });
    await until(() => events().some((e) => e.eventType === 'Ended'), 'Ended');

    const all = events();
    for (const e of all) assertSchema('TransactionEvent', 'req', e);
    const story = all
      .filter((e) => e.triggerReason !== 'MeterValuePeriodic' && e.triggerReason !== 'MeterValueClock')
      .map((e) => `${e.eventType} ${e.triggerReason} ${e.transactionInfo.chargingState ?? '-'}`);
    assert.deepEqual(story, [
      'Started Authorized EVConnected',
      // The simulated EV waits in B a moment before it asks for power.
      'Updated ChargingStateChanged SuspendedEV',
      'Updated ChargingStateChanged Charging',
      'Updated EVCommunicationLost Idle',
      'Updated CablePluggedIn EVConnected',
      'Updated ChargingStateChanged Charging',
      'Updated EVCommunicationLost Idle',
      'Updated Trigger Idle',
      // Ended while the EV is away: Idle (the station keeps that fact with the session, so a reboot keeps it too).
      'Ended RemoteStop Idle',
    ]);
    assert.equal(all[all.length - 1]?.transactionInfo.stoppedReason, 'Remote');
    assert.equal(new Set(all.map((e) => e.transactionInfo.transactionId)).size, 1);
    assert.deepEqual(all.map((e) => e.seqNo), all.map((_, i) => i));
    const sessions = await journal.sessions({ fromMs: 0, toMs: Date.now() + 60_000 });
    assert.equal(sessions.length, 1, 'one session in the journal');
  });

  it('1.6: StatusNotification SuspendedEV while the EV is away, Charging when it is back, StopTransaction Remote; no EVDisconnected stop', async () => {
    const s = await start('1.6');
    assert.deepEqual(await csms.controls.call(ID, 'ChangeConfiguration', { key: 'StopTransactionOnEVSideDisconnect', value: 'false' }), { status: 'Accepted' });
    s.world.plug();
    // Cable first (E02): the tap only once the station saw the EV.
    await until(() => s.station.controller.snapshot().status === 'Preparing', 'Preparing');
    await until(async () => (await s.station.tap('SIMCARD01')) === 'started', 'an accepted tap');
    await until(() => s.station.controller.snapshot().status === 'Charging', 'Charging');
    await until(() => csms.callsOf('StartTransaction').length === 1, 'StartTransaction');
    const sessionId = s.station.controller.activeSessionId();
    assert.ok(sessionId !== null);
    await until(async () => (await journal.transactionIdFor(sessionId)) !== null, 'StartTransaction.conf');
    await leave(s);
    await chargeAgain(s);
    await leave(s);
    const statuses = (): string[] => csms.callsOf('StatusNotification').filter((n) => n['connectorId'] === 1).map((n) => String(n['status']));
    await until(() => statuses().filter((x) => x === 'SuspendedEV').length === 2, 'the second SuspendedEV');
    assert.equal(csms.callsOf('StopTransaction').length, 0, 'the EV leaving stopped nothing');
    const transactionId = await journal.transactionIdFor(sessionId);
    assert.deepEqual(await csms.controls.call(ID, 'RemoteStopTransaction', { transactionId }), { status: 'Accepted' });
    await until(() => csms.callsOf('StopTransaction').length === 1 && statuses().at(-1) === 'Available', 'StopTransaction and Available');
    assert.equal(csms.callsOf('StopTransaction')[0]?.['reason'], 'Remote');
    assert.deepEqual(
      statuses().filter((x, i, all) => x !== all[i - 1]),
      ['Available', 'Preparing', 'SuspendedEV', 'Charging', 'SuspendedEV', 'Charging', 'SuspendedEV', 'Available'],
    );
    assert.equal(csms.callsOf('StartTransaction').length, 1);
  });
});
