import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigurationKeys, KEY_DEFINITIONS, CONFIG_NAMESPACE } from '../../src/ocpp/config-keys.js';
import { EvseError } from '../../src/errors.js';
import { MemoryKeyValueStore } from './support/memory-kv.js';

describe('OCPP configuration keys', () => {
  it('has every key REFERENCE.md lists, with defaults', async () => {
    const keys = await ConfigurationKeys.load(new MemoryKeyValueStore());
    const reported = keys.getConfiguration().configurationKey.map((k) => k.key);
    for (const name of ['HeartbeatInterval', 'MeterValuesSampledData', 'TransactionMessageAttempts', 'WebSocketPingInterval', 'SecurityProfile']) {
      assert.ok(reported.includes(name), name);
    }
    assert.equal(keys.int('TransactionMessageAttempts'), 3);
    assert.equal(keys.bool('LocalAuthorizeOffline'), true);
    assert.deepEqual(keys.measurands('MeterValuesSampledData'), ['Energy.Active.Import.Register']);
  });

  it('persists an accepted change and reloads it', async () => {
    const kv = new MemoryKeyValueStore();
    const keys = await ConfigurationKeys.load(kv);
    assert.equal(await keys.change('HeartbeatInterval', '120'), 'Accepted');
    assert.equal(await keys.change('LocalPreAuthorize', 'TRUE'), 'Accepted');
    const reloaded = await ConfigurationKeys.load(kv);
    assert.equal(reloaded.int('HeartbeatInterval'), 120);
    assert.equal(reloaded.bool('LocalPreAuthorize'), true);
  });

  it('answers NotSupported for unknown keys, Rejected for read-only and invalid values, and stores nothing', async () => {
    const kv = new MemoryKeyValueStore();
    const keys = await ConfigurationKeys.load(kv);
    assert.equal(await keys.change('NoSuchKey', '1'), 'NotSupported');
    assert.equal(await keys.change('NumberOfConnectors', '2'), 'Rejected');
    assert.equal(await keys.change('HeartbeatInterval', 'soon'), 'Rejected');
    assert.equal(await keys.change('HeartbeatInterval', '-5'), 'Rejected');
    assert.equal(await keys.change('LocalPreAuthorize', 'yes'), 'Rejected');
    assert.equal(await keys.change('MeterValuesSampledData', 'Energy.Active.Import.Register,Smell'), 'Rejected');
    assert.equal(await keys.change('TransactionMessageAttempts', '0'), 'Rejected');
    assert.equal(kv.writes, 0);
    assert.equal(keys.int('HeartbeatInterval'), 300);
  });

  it('never reveals AuthorizationKey and refuses lowering SecurityProfile', async () => {
    const keys = await ConfigurationKeys.load(new MemoryKeyValueStore());
    assert.equal(await keys.change('AuthorizationKey', 'short'), 'Rejected');
    assert.equal(await keys.change('AuthorizationKey', '0123456789abcdef0123'), 'Accepted');
    const all = keys.getConfiguration();
    assert.ok(!all.configurationKey.some((k) => k.key === 'AuthorizationKey'));
    assert.deepEqual(keys.getConfiguration(['AuthorizationKey']).unknownKey, ['AuthorizationKey']);
    assert.equal(await keys.change('SecurityProfile', '2'), 'Accepted');
    assert.equal(await keys.change('SecurityProfile', '1'), 'Rejected');
  });

  it('reports requested unknown keys in unknownKey', async () => {
    const keys = await ConfigurationKeys.load(new MemoryKeyValueStore());
    const r = keys.getConfiguration(['HeartbeatInterval', 'Bogus']);
    assert.deepEqual(r.configurationKey, [{ key: 'HeartbeatInterval', readonly: false, value: '300' }]);
    assert.deepEqual(r.unknownKey, ['Bogus']);
  });

  it('names a bad seed from the config file', async () => {
    await assert.rejects(ConfigurationKeys.load(new MemoryKeyValueStore(), { HeartbeatInterval: 'x' }), (e: unknown) => e instanceof EvseError && /initialKeys\.HeartbeatInterval/.test(e.message));
    const keys = await ConfigurationKeys.load(new MemoryKeyValueStore(), { HeartbeatInterval: '30' });
    assert.equal(keys.int('HeartbeatInterval'), 30);
  });

  it('any string sent to an integer key is either stored as that integer or rejected with nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.integer().map(String)), async (value) => {
        const kv = new MemoryKeyValueStore();
        const keys = await ConfigurationKeys.load(kv);
        const status = await keys.change('MeterValueSampleInterval', value);
        const stored = kv.data.get(CONFIG_NAMESPACE)?.get('MeterValueSampleInterval');
        if (status === 'Accepted') return stored !== undefined && keys.int('MeterValueSampleInterval') === Number(value);
        return status === 'Rejected' && stored === undefined && keys.get('MeterValueSampleInterval') === KEY_DEFINITIONS.MeterValueSampleInterval.defaultValue;
      }),
    );
  });
});
