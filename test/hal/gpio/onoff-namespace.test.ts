import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collect, namespaceUnavailable, spawnInNamespace } from '../../daemon/support/namespace.js';
import { FakeSysfs } from './support/fake-sysfs.js';
import { pins, testGpioConfig } from './support/config.js';

const fixture = fileURLToPath(new URL('../../daemon/fixtures/gpio-child.ts', import.meta.url));

describe('hal/gpio on real onoff against a fake sysfs tree (private mount namespace)', function () {
  this.timeout(30_000);
  before(function () {
    const why = namespaceUnavailable();
    if (why !== null) {
      process.stdout.write(`      skipped: ${why}\n`);
      this.skip();
    }
  });

  it('writes directions and values through onoff, reads comparators, drives the PWM, and releases', async () => {
    const sysfs = new FakeSysfs();
    try {
      for (const n of Object.values(pins)) sysfs.exportGpio(n);
      const child = spawnInNamespace(join(sysfs.root, 'class'), fixture, ['io', JSON.stringify(testGpioConfig('/sys'))]);
      const io = collect(child);
      const code = await io.exited;
      assert.equal(code, 0, io.stderr());
      const result = JSON.parse(io.stdout().trim()) as Record<string, unknown>;
      assert.deepEqual(result, {
        // an active-low relay comes up with direction "high": raw 1, inactive, without a glitch
        relayDirectionAtStart: 'high',
        relayValueAtStart: '1',
        // read while the generator is in F: no PWM, so the negative level is unknown
        pilot: { state: 'B', negativeLevel: 'unknown' },
        relayValueClosed: '0',
        relayValueOpen: '1',
        dutyNs: '266700',
        periodNs: '1000000',
        // the PWM channel was exported by us and is unexported; the GPIO lines were exported before and stay
        pwmUnexport: '0',
        gpioUnexport: '',
      });
    } finally {
      sysfs.remove();
    }
  });
});
