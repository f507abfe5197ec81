import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeSysfs } from '../hal/gpio/support/fake-sysfs.js';
import { pins, testGpioConfig } from '../hal/gpio/support/config.js';
import { collect, requireNamespace, spawnInNamespace } from './support/namespace.js';

const fixture = fileURLToPath(new URL('./fixtures/gpio-child.ts', import.meta.url));

/** A fake tree with every configured line already exported, as onoff on a real kernel would find after export. */
function preparedTree(): FakeSysfs {
  const sysfs = new FakeSysfs();
  for (const n of Object.values(pins)) sysfs.exportGpio(n);
  return sysfs;
}

describe('fail-safe exit of a real process on real onoff (private mount namespace over /sys/class)', function () {
  this.timeout(30_000);
  let sysfs: FakeSysfs;
  before(function () {
    requireNamespace(this);
  });
  beforeEach(() => {
    sysfs = preparedTree();
  });
  afterEach(() => sysfs.remove());

  const relayValue = (): string => readFileSync(join(sysfs.root, 'class', 'gpio', `gpio${pins.relay}`, 'value'), 'utf8').trim();

  async function startHolding(mode: 'hold' | 'crash') {
    const child = spawnInNamespace(join(sysfs.root, 'class'), fixture, [mode, JSON.stringify(testGpioConfig('/sys'))]);
    const io = collect(child);
    const deadline = Date.now() + 20_000;
    while (!io.stdout().includes('ready')) {
      if (Date.now() > deadline) throw new Error(`child never got ready: ${io.stderr()}`);
      if (child.exitCode !== null) throw new Error(`child exited ${child.exitCode}: ${io.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // relay active low: closed = 0; PWM at 53.3 % = 533000 ns
    assert.match(io.stdout(), /ready relay=0 duty=533000/);
    return { child, io };
  }

  it('SIGTERM: the relay goes to its inactive level and the pilot PWM to duty 0, disabled and unexported; exit 0', async () => {
    const { child, io } = await startHolding('hold');
    assert.equal(relayValue(), '0', 'relay energised before the signal');
    child.kill('SIGTERM');
    const code = await io.exited;
    assert.equal(code, 0, io.stderr());
    assert.equal(relayValue(), '1', 'relay inactive (active low wiring)');
    assert.equal(sysfs.pwm('duty_cycle'), '0');
    assert.equal(sysfs.pwm('enable'), '0');
    assert.equal(sysfs.lastWritten('class/pwm/pwmchip0/unexport'), '0', 'the channel we exported is unexported');
    assert.match(io.stderr(), /received SIGTERM: outputs safe, shutting down/);
  });

  it('an uncaught exception: outputs safe the same way, exit 1', async () => {
    const { io } = await startHolding('crash');
    const code = await io.exited;
    assert.equal(code, 1, io.stderr());
    assert.equal(relayValue(), '1');
    assert.equal(sysfs.pwm('duty_cycle'), '0');
    assert.equal(sysfs.pwm('enable'), '0');
    assert.match(io.stderr(), /uncaught exception: Error: simulated bug in the control loop/);
  });
});

