import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EvseErrorCode } from '../../../hal/base/errors.js';
import { FakeSysfs } from './support/fake-sysfs.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/pwm-no-permission.ts', import.meta.url));

describe('hal/gpio: a PWM chip without permission', function () {
  this.timeout(30_000);

  it('is a startup error naming pilot.pwm and EACCES, with the relay already off and released', function () {
    if (process.getuid?.() !== 0) {
      process.stdout.write('      skipped: needs root to run the child as an unprivileged user\n');
      this.skip();
    }
    // The child must be able to read the checkout and run node as uid 65534 (not so under a 0700 home folder).
    const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(join(repoRoot, 'package.json'))})`], {
      uid: 65534,
      gid: 65534,
    });
    if (probe.status !== 0) {
      process.stdout.write(`      skipped: uid 65534 cannot read ${repoRoot} (a parent folder is private)\n`);
      this.skip();
    }
    const sysfs = new FakeSysfs();
    try {
      chmodSync(sysfs.root, 0o755); // readable by everyone, writable by root only: like /sys without the udev rule
      const run = spawnSync(process.execPath, ['--import', 'tsx', fixture, sysfs.root], {
        cwd: repoRoot,
        uid: 65534,
        gid: 65534,
        // no tsx cache folder owned by uid 65534 left in /tmp
        env: { ...process.env, TSX_DISABLE_CACHE: '1' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(run.status, 0, run.stderr);
      const result = JSON.parse(run.stdout.trim()) as { code: number; message: string; relayLevel: number; relayExported: boolean };
      assert.equal(result.code, EvseErrorCode.PinUnavailable);
      assert.match(result.message, /^pilot\.pwm: pwmchip0 channel 0: writing export=0 failed: permission denied \(EACCES\)/);
      assert.equal(result.relayLevel, 1, 'active-low relay at its inactive level');
      assert.equal(result.relayExported, false);
    } finally {
      sysfs.remove();
    }
  });
});
