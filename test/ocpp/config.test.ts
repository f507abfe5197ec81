import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { EvseError } from '../../src/errors.js';

describe('ocpp config section', () => {
  it('is optional: {} gives no uplink and profile 0', () => {
    const cfg = parseConfig({});
    assert.equal(cfg.ocpp.url, null);
    assert.equal(cfg.ocpp.securityProfile, 0);
  });

  it('names the field and value of a bad URL', () => {
    assert.throws(
      () => parseConfig({ ocpp: { url: 'http://csms.example' } }),
      (e: unknown) => e instanceof EvseError && e.message.includes('ocpp.url') && e.message.includes('http://csms.example'),
    );
  });

  it('requires an authorizationKey for profile 1 and wss:// for profile 2', () => {
    assert.throws(() => parseConfig({ ocpp: { url: 'ws://h/ocpp', securityProfile: 1 } }), /ocpp\.authorizationKey/);
    assert.throws(
      () => parseConfig({ ocpp: { url: 'ws://h/ocpp', securityProfile: 2, authorizationKey: '0123456789abcdef' } }),
      /ocpp\.url: security profile 2 needs a wss:\/\/ URL/,
    );
  });

  it('requires a client certificate and key for profile 3', () => {
    assert.throws(() => parseConfig({ ocpp: { url: 'wss://h/ocpp', securityProfile: 3 } }), /ocpp\.clientCertFile/);
  });

  it('rejects an out-of-range profile and unknown keys', () => {
    assert.throws(() => parseConfig({ ocpp: { securityProfile: 4 } }), /ocpp\.securityProfile.*\(got 4\)/);
    assert.throws(() => parseConfig({ ocpp: { secProfile: 1 } }), /secProfile/);
  });
});
