import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../src/errors.js';
import { pins, testGpioConfig } from '../hal/gpio/support/config.js';
import { alive, daemonSuite, gpioFiles, logLines, waitFor } from './support/daemon.js';
import { collect, spawnInNamespace } from './support/namespace.js';

const fixture = fileURLToPath(new URL('./fixtures/journal-death-child.ts', import.meta.url));

/**
 * Issue 12 h: the journal worker thread dies under a running station. A storage failure may heal, a dead worker never
 * does: nothing would be journaled again. The station must go safe (relay inactive, pilot F) and exit non-zero, 70
 * (EX_SOFTWARE), so that systemd (Restart=always) starts a fresh process. Before the fix it stayed up, Faulted for good.
 */
describe('evse run whose journal worker dies: safe state, then exit 70 for systemd to restart it', function () {
  this.timeout(60_000);
  const suite = daemonSuite('journal-death', { socat: false });

  it('the relay that was energised is released, the pilot goes to F, and the process exits 70', async () => {
    const { dir, sysfs, socket, children } = suite;
    const { value, set } = gpioFiles(sysfs);
    const configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({ gpio: testGpioConfig('/sys'), meter: { driver: 'modbus', port: '/dev/null', model: 'sdm630' }, web: { enabled: false } }),
    );
    const child = spawnInNamespace(join(sysfs.root, 'class'), fixture, [configFile, join(dir, 'state')], {
      NOTIFY_SOCKET: socket.path,
      EVSE_LOG_LEVEL: 'info',
    });
    children.push(child);
    const io = collect(child);
    const logs = (): string => `stdout:\n${io.stdout()}\nstderr:\n${io.stderr()}\nnotify: ${JSON.stringify(socket.messages)}`;
    await waitFor('READY=1', () => socket.with('READY=1').length === 1 || !alive(child), 30_000, logs);
    assert.ok(alive(child), logs());

    // What a charging station looks like from outside: relay energised (active low: 0), PWM at 53.3 %. Nothing in the
    // station rewrites them by itself while it runs (checked over a while), so only a safe state entered at the
    // worker's death can release them.
    set(pins.relay, 0);
    writeFileSync(join(sysfs.pwmChannelDir(), 'duty_cycle'), '533000');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(value(pins.relay), '0', logs());
    assert.ok(alive(child), logs());

    child.kill('SIGUSR2');
    const code = await io.exited;
    assert.equal(code, ExitCode.Software, logs());
    assert.ok(io.stdout().includes('"workers":1'), `the journal's worker was found and terminated\n${logs()}`);
    assert.equal(logLines(io.stdout(), 'journal worker died: entering the safe state and exiting for a restart').length, 1, logs());
    assert.equal(value(pins.relay), '1', 'relay inactive (active low): contactor open');
    assert.equal(sysfs.pwm('duty_cycle'), '0', 'pilot in F');
    assert.equal(sysfs.pwm('enable'), '0', 'PWM off');
    assert.equal(socket.with('STOPPING=1').length, 1, logs());
  });
});
