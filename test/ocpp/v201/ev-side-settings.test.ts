import assert from 'node:assert/strict';
import { Rig201 } from './rig.js';

/** TxCtrlr.StopTxOnEVSideDisconnect reaches the control core through the port: at start, on SetVariables, after a restart. */
describe('OCPP 2.0.1 TxCtrlr.StopTxOnEVSideDisconnect (strict bench CSMS, real journal)', function () {
  this.timeout(30_000);
  let rig: Rig201;
  afterEach(async () => {
    await rig.close();
  });

  it('ReadWrite and persisted: the station gets the stored value at start, every accepted change, and it again after a restart', async () => {
    rig = await Rig201.create();
    await rig.waitRegistered();
    assert.deepEqual(rig.station.stopOnEvSideDisconnect, [true], 'the default at start');
    const set = (value: string): Promise<unknown> =>
      rig.call('SetVariables', { setVariableData: [{ attributeValue: value, component: { name: 'TxCtrlr' }, variable: { name: 'StopTxOnEVSideDisconnect' } }] });
    const status = (answer: unknown): string | undefined => (answer as { setVariableResult: { attributeStatus: string }[] }).setVariableResult[0]?.attributeStatus;
    assert.equal(status(await set('sometimes')), 'Rejected');
    assert.deepEqual(rig.station.stopOnEvSideDisconnect, [true], 'a rejected value never reaches the station');
    assert.equal(status(await set('false')), 'Accepted');
    assert.deepEqual(rig.station.stopOnEvSideDisconnect, [true, false]);
    await rig.restart();
    await rig.waitRegistered();
    assert.deepEqual(rig.station.stopOnEvSideDisconnect, [true, false, false], 'the stored value after a restart');
  });
});
