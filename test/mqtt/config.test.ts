import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { baseTopicOf } from '../../src/mqtt/config.js';
import { parseChargingCommand, parseLimitCommand } from '../../src/mqtt/commands.js';
import { loggableUrl } from '../../src/mqtt/publisher.js';

const refusedNaming = (input: unknown, field: RegExp): void => {
  assert.throws(
    () => parseConfig(input),
    (err: unknown) => {
      assert.ok(err instanceof EvseError, String(err));
      assert.equal(err.code, EvseErrorCode.ConfigInvalid);
      assert.match(err.message, field);
      return true;
    },
  );
};

describe('mqtt config section', () => {
  it('absent: MQTT is off; present: discovery on and commands off by default, base topic evse/<station id>', () => {
    assert.equal(parseConfig({}).mqtt, undefined);
    const cfg = parseConfig({ station: { id: 'Bay 1/A' }, mqtt: { url: 'mqtt://broker.local' } });
    assert.ok(cfg.mqtt);
    assert.equal(cfg.mqtt.discovery, true);
    assert.equal(cfg.mqtt.commands, false);
    assert.equal(baseTopicOf(cfg.mqtt, cfg.station.id), 'evse/Bay_1_A', 'the station id is made one safe topic level');
    assert.equal(parseConfig({ mqtt: { url: 'mqtts://b:8883', baseTopic: 'home/garage/evse' } }).mqtt?.baseTopic, 'home/garage/evse');
  });

  for (const topic of ['evse/#', 'evse/+/x', '+', '#', '', '/evse', 'evse/', 'evse//x', '$SYS/evse']) {
    it(`refuses the base topic ${JSON.stringify(topic)}, naming mqtt.baseTopic`, () => {
      refusedNaming({ mqtt: { url: 'mqtt://b', baseTopic: topic } }, /mqtt\.baseTopic/);
    });
  }

  for (const url of ['http://b:1883', 'ws://b', 'b:1883', 'mqtt://', 'mqtt:///x']) {
    it(`refuses the url ${JSON.stringify(url)}, naming mqtt.url`, () => {
      refusedNaming({ mqtt: { url } }, /mqtt\.url/);
    });
  }

  it('refuses unknown keys and a missing url', () => {
    refusedNaming({ mqtt: { url: 'mqtt://b', pasword: 'x' } }, /mqtt/);
    refusedNaming({ mqtt: {} }, /mqtt\.url/);
  });

  it('the logged URL carries no credentials', () => {
    const logged = loggableUrl('mqtts://user:s3cret@broker.local:8883');
    assert.ok(!logged.includes('s3cret') && !logged.includes('user'), logged);
    assert.match(logged, /^mqtts:\/\/broker\.local:8883/);
  });
});

describe('mqtt command payloads', () => {
  it('a limit: bare amperes, JSON with a TTL, or none', () => {
    assert.deepEqual(parseLimitCommand('16', 32), { ok: true, value: { kind: 'set', amps: 16, ttlS: null } });
    assert.deepEqual(parseLimitCommand('{"amps": 10, "ttlS": 60}', 32), { ok: true, value: { kind: 'set', amps: 10, ttlS: 60 } });
    assert.deepEqual(parseLimitCommand('none', 32), { ok: true, value: { kind: 'clear' } });
    assert.deepEqual(parseLimitCommand('', 32), { ok: true, value: { kind: 'clear' } });
  });

  for (const bad of ['abc', '-1', '33', '0x10', '1e3', 'NaN', '{"amps": "8"}', '{"amps": 8, "ttlS": 0}', '{"amps": 8, "ttlS": 1.5}', '{"amps": 8, "x": 1}', '{oops', '[8]', 'null']) {
    it(`refuses the limit payload ${JSON.stringify(bad)}`, () => {
      assert.equal(parseLimitCommand(bad, 32).ok, false);
    });
  }

  it('charging: pause or resume only', () => {
    assert.deepEqual(parseChargingCommand(' Pause '), { ok: true, value: 'pause' });
    assert.deepEqual(parseChargingCommand('resume'), { ok: true, value: 'resume' });
    assert.equal(parseChargingCommand('stop').ok, false);
    assert.equal(parseChargingCommand('').ok, false);
  });
});
