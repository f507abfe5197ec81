import assert from 'node:assert/strict';
import { parseConfig } from '../src/config/load.js';
import { EvseError, EvseErrorCode } from '../src/errors.js';

describe('config', () => {
  it('fills every default from an empty object', () => {
    const cfg = parseConfig({});
    assert.equal(cfg.limits.hardwareMaxA, 32);
    assert.equal(cfg.control.softOvercurrentS, 7);
  });

  it('names the field path and the bad value', () => {
    assert.throws(
      () => parseConfig({ limits: { cableMaxA: 3 } }),
      (err: unknown) =>
        err instanceof EvseError &&
        err.code === EvseErrorCode.ConfigInvalid &&
        err.message.includes('limits.cableMaxA') &&
        err.message.includes('(got 3)'),
    );
  });

  it('charging completion: defaults, and an out-of-range time named by its path', () => {
    const cfg = parseConfig({});
    assert.equal(cfg.control.chargingCompleteBelowA, 0.5);
    assert.equal(cfg.control.chargingCompleteAfterS, 60);
    assert.throws(
      () => parseConfig({ control: { chargingCompleteAfterS: 7200 } }),
      (err: unknown) =>
        err instanceof EvseError &&
        err.code === EvseErrorCode.ConfigInvalid &&
        err.message.includes('control.chargingCompleteAfterS') &&
        err.message.includes('(got 7200)'),
    );
    assert.throws(() => parseConfig({ control: { chargingCompleteBelowA: 0 } }), /control\.chargingCompleteBelowA/);
  });

  it('station.timeZone must be a zone Intl knows: a typo is refused naming the field and the value', () => {
    for (const zone of ['Europe/Berln', 'CET+1', 'Mars/Olympus_Mons', 'Europe/Berlin ']) {
      assert.throws(
        () => parseConfig({ station: { timeZone: zone } }),
        (err: unknown) =>
          err instanceof EvseError &&
          err.code === EvseErrorCode.ConfigInvalid &&
          err.message.includes('station.timeZone') &&
          err.message.includes(`(got ${JSON.stringify(zone)})`),
        zone,
      );
    }
    for (const zone of ['Europe/Berlin', 'UTC', 'America/Argentina/Buenos_Aires', 'Etc/GMT-2']) {
      assert.equal(parseConfig({ station: { timeZone: zone } }).station.timeZone, zone);
    }
    assert.equal(parseConfig({}).station.timeZone, 'UTC', 'the default passes its own check');
  });

  it('rejects unknown keys instead of ignoring a typo', () => {
    assert.throws(() => parseConfig({ limits: { cabelMaxA: 20 } }), /cabelMaxA/);
  });
});

describe('config: web (status page)', () => {
  it('defaults to loopback port 8080, enabled, with /metrics', () => {
    assert.deepEqual(parseConfig({}).web, { enabled: true, host: '127.0.0.1', port: 8080, metrics: true });
  });

  it('a bad host or port is refused naming the field', () => {
    for (const [web, path] of [
      [{ host: 'http://x' }, 'web.host'],
      [{ port: 70000 }, 'web.port'],
      [{ port: 80.5 }, 'web.port'],
    ] as const) {
      assert.throws(
        () => parseConfig({ web }),
        (err: unknown) => err instanceof EvseError && err.code === EvseErrorCode.ConfigInvalid && err.message.includes(path),
        JSON.stringify(web),
      );
    }
    assert.equal(parseConfig({ web: { host: '::' } }).web.host, '::');
    assert.equal(parseConfig({ web: { host: 'evse.local' } }).web.host, 'evse.local');
  });
});
