import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { makeTestPki } from '../support/certs.js';
import { STATION } from '../support/harness.js';
import { Rig201, sleep, waitFor } from './rig.js';

describe('OCPP 2.0.1 security: BasicAuthPassword (A01) and security events (A04) on loopback', function () {
  this.timeout(20_000);
  let rig: Rig201 | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  it('A01: a new BasicAuthPassword is stored, the link reconnects with it (no new boot), and a restart keeps using it', async () => {
    const passwords: Record<string, string> = { [STATION.id]: 'old-password-0001' };
    rig = await Rig201.create({ config: { securityProfile: 1, authorizationKey: 'old-password-0001' }, csms: { passwords } });
    const r = rig;
    await r.waitRegistered();
    const connections = r.csms.acceptedConnections();

    const tooShort = (await r.call('SetVariables', {
      setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'short' }],
    })) as { setVariableResult: { attributeStatus: string }[] };
    assert.equal(tooShort.setVariableResult[0]?.attributeStatus, 'Rejected');
    await sleep(200);
    assert.equal(r.csms.acceptedConnections(), connections, 'a refused password changes nothing');

    // The CSMS expects the new password from now on, as a real one would after setting it.
    passwords[STATION.id] = 'new-password-0002';
    const answer = (await r.call('SetVariables', {
      setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'new-password-0002' }],
    })) as { setVariableResult: { attributeStatus: string }[] };
    assert.equal(answer.setVariableResult[0]?.attributeStatus, 'Accepted');
    await waitFor(() => r.csms.acceptedConnections() > connections && r.client.connection.isOpen(), 5000, 'reconnected with the new password');
    assert.equal(r.csms.callsOf('BootNotification').length, 1, 'a reconnect is not a reboot');
    await r.csms.waitFor(
      () => r.csms.callsOf('SecurityEventNotification').some((e) => e['type'] === 'ReconfigurationOfSecurityParameters'),
      3000,
      'ReconfigurationOfSecurityParameters',
    );
    const read = (await r.call('GetVariables', { getVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } }] })) as {
      getVariableResult: { attributeStatus: string; attributeValue?: string }[];
    };
    assert.deepEqual(read.getVariableResult.map((x) => [x.attributeStatus, x.attributeValue]), [['Rejected', undefined]], 'write-only');

    await r.restart();
    await r.waitRegistered();
    assert.equal(r.csms.callsOf('BootNotification').length, 2, 'the restart logged in with the stored password, not the config one');
  });

  it('security profile 3 (mutual TLS) over ocpp2.0.1: the trusted client certificate registers, a stranger one is refused', async () => {
    const pki = makeTestPki();
    try {
      const tls = { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey), ca: pki.read(pki.caCert), requireClientCert: true };
      rig = await Rig201.create({ csms: { tls }, config: { securityProfile: 3, caFile: pki.caCert, clientCertFile: pki.clientCert, clientKeyFile: pki.clientKey } });
      const r = rig;
      await r.waitRegistered();
      assert.equal(r.csms.protocolOf(STATION.id), 'ocpp2.0.1');
      await r.restart({ clientCertFile: pki.strangerCert, clientKeyFile: pki.strangerKey });
      await sleep(500);
      assert.equal(r.client.connection.isOpen(), false, 'a certificate of another CA gets no link');
      assert.equal(r.csms.callsOf('BootNotification').length, 1);
    } finally {
      rmSync(pki.dir, { recursive: true, force: true });
    }
  });

  it('A04: a refused login is journaled as FailedToAuthenticateAtCsms (2.0.1 name) and delivered once the link works', async () => {
    const passwords: Record<string, string> = { [STATION.id]: 'csms-expects-this-1' };
    rig = await Rig201.create({ config: { securityProfile: 1, authorizationKey: 'station-has-this-01' }, csms: { passwords } });
    const r = rig;
    await sleep(400);
    assert.equal(r.client.connection.isOpen(), false, 'refused: wrong password');
    passwords[STATION.id] = 'station-has-this-01';
    await r.waitRegistered();
    await r.csms.waitFor(() => r.csms.callsOf('SecurityEventNotification').length >= 2, 3000, 'security events');
    const types = r.csms.callsOf('SecurityEventNotification').map((e) => e['type']);
    assert.deepEqual(types.filter((t) => t === 'FailedToAuthenticateAtCsms'), ['FailedToAuthenticateAtCsms'], 'once per outage, under its 2.0.1 name');
    assert.ok(types.includes('StartupOfTheDevice'));
    assert.ok(!types.includes('FailedToAuthenticateAtCentralSystem'));
  });
});
