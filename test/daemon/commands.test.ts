import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeSysfs } from '../hal/gpio/support/fake-sysfs.js';
import { pins, testGpioConfig } from '../hal/gpio/support/config.js';
import { collect, requireNamespace, spawnInNamespace } from './support/namespace.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'src', 'cli.ts');

function evse(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('evse run and evse safe (processes)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evse-cmd-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeConfig = (config: unknown): string => {
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(config));
    return path;
  };

  it('evse run with an invalid gpio field exits 78 naming the field and the value, before any hardware', () => {
    const cfg = testGpioConfig('/nonexistent');
    const path = writeConfig({ gpio: { ...cfg, contactor: { ...cfg.contactor, relay: { chip: 'gpiochip0', line: 'seventeen' } } } });
    const r = evse(['run', '--config', path]);
    assert.equal(r.status, 78, r.stderr);
    assert.match(r.stderr, /gpio\.contactor\.relay\.line: .*\(got "seventeen"\)/);
  });

  it('evse run without a gpio section exits 78', () => {
    const r = evse(['run', '--config', writeConfig({})]);
    assert.equal(r.status, 78, r.stderr);
    assert.match(r.stderr, /gpio: required by evse run/);
  });

  it('evse safe with a chip that does not exist reports the pin and exits non-zero', () => {
    const sysfs = new FakeSysfs();
    try {
      const cfg = testGpioConfig(sysfs.root);
      const path = writeConfig({ gpio: { ...cfg, contactor: { ...cfg.contactor, relay: { chip: 'gpiochip9', line: 1 } } } });
      const r = evse(['safe', '--config', path]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stdout, /FAILED contactor\.relay: GPIO chip "gpiochip9" not found/);
    } finally {
      sysfs.remove();
    }
  });

  it('evse safe --script prints the fallback for this board (base 512) and touches no output', () => {
    const sysfs = new FakeSysfs();
    try {
      for (const n of Object.values(pins)) sysfs.exportGpio(n);
      sysfs.exportGpio(pins.relay, 0, 'out'); // energised: --script must leave it so
      const path = writeConfig({ gpio: testGpioConfig(sysfs.root) });
      const r = evse(['safe', '--config', path, '--script']);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.startsWith('#!/bin/sh\n'));
      assert.ok(r.stdout.includes(`echo 1 > '${sysfs.root}/class/gpio/gpio${pins.relay}/value'`), r.stdout);
      assert.equal(readFileSync(join(sysfs.root, 'class/gpio', `gpio${pins.relay}`, 'value'), 'utf8').trim(), '0');
      assert.equal(spawnSync('sh', ['-n', '-c', r.stdout]).status, 0, 'a script sh parses');
    } finally {
      sysfs.remove();
    }
  });

  it('evse safe on real onoff (namespace): relay to its inactive level, PWM duty 0, disabled, unexported', async function () {
    requireNamespace(this);
    const sysfs = new FakeSysfs();
    try {
      // What a daemon killed with SIGKILL leaves behind: relay energised (active low → 0), PWM running at 53.3 %.
      for (const n of Object.values(pins)) sysfs.exportGpio(n);
      sysfs.exportGpio(pins.relay, 0, 'out');
      sysfs.exportPwmChannel();
      writeFileSync(join(sysfs.pwmChannelDir(), 'duty_cycle'), '533000');
      writeFileSync(join(sysfs.pwmChannelDir(), 'enable'), '1');
      const path = writeConfig({ gpio: testGpioConfig('/sys') });
      const child = spawnInNamespace(join(sysfs.root, 'class'), cli, ['safe', '--config', path]);
      const io = collect(child);
      assert.equal(await io.exited, 0, io.stderr());
      assert.match(io.stdout(), /safe contactor\.relay: inactive \(gpio529\)/);
      assert.match(io.stdout(), /safe pilot\.pwm: pwmchip0 channel 0: duty 0, disabled, unexported/);
      assert.equal(readFileSync(join(sysfs.root, 'class/gpio', `gpio${pins.relay}`, 'value'), 'utf8').trim(), '1');
      assert.equal(sysfs.pwm('duty_cycle'), '0');
      assert.equal(sysfs.pwm('enable'), '0');
      assert.equal(sysfs.lastWritten('class/pwm/pwmchip0/unexport'), '0');
      // every output line is unexported after being written safe
      assert.match(sysfs.lastWritten('class/gpio/unexport'), /^\d+$/);
    } finally {
      sysfs.remove();
    }
  });
});
