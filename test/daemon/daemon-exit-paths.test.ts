import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pins, testGpioConfig } from '../hal/gpio/support/config.js';
import { alive, daemonSuite, gpioFiles, logLines, waitFor } from './support/daemon.js';
import { collect, spawnInNamespace } from './support/namespace.js';

const fixture = fileURLToPath(new URL('./fixtures/station-child.ts', import.meta.url));

/**
 * The daemon's exit paths other than a plain SIGTERM, on a real process running the real composition root
 * (runStation on real onoff over a fake /sys/class): an uncaught exception, an unhandled rejection, and a second
 * signal while the graceful shutdown hangs. Each must leave the relay inactive and the pilot in F, with exit code 1.
 * (A relay that was closed: the PWM generator runs at +12 V here; the relay-closed case is daemon-kill's and
 * fail-safe-child's.)
 */
describe('evse daemon exit paths on a real process (uncaught exception, unhandled rejection, second signal)', function () {
  this.timeout(60_000);
  const suite = daemonSuite('exit', { socat: false });

  async function start(mode: 'uncaught' | 'rejection' | 'hang') {
    const { dir, sysfs, socket, children } = suite;
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ gpio: testGpioConfig('/sys'), meter: { driver: 'modbus', port: '/dev/null', model: 'sdm630' }, web: { enabled: false } }));
    const child = spawnInNamespace(join(sysfs.root, 'class'), fixture, [configFile, join(dir, 'state'), mode], {
      NOTIFY_SOCKET: socket.path,
      EVSE_LOG_LEVEL: 'info',
    });
    children.push(child);
    const io = collect(child);
    const logs = (): string => `stdout:\n${io.stdout()}\nstderr:\n${io.stderr()}\nnotify: ${JSON.stringify(socket.messages)}`;
    await waitFor('READY=1', () => socket.with('READY=1').length === 1 || !alive(child), 30_000, logs);
    assert.ok(alive(child), logs());
    assert.equal(sysfs.pwm('enable'), '1', 'the generator runs before the failure');
    return { child, io, logs };
  }

  const assertSafe = (): void => {
    assert.equal(gpioFiles(suite.sysfs).value(pins.relay), '1', 'relay inactive (active low)');
    assert.equal(suite.sysfs.pwm('duty_cycle'), '0', 'pilot in F');
  };

  it('an uncaught exception: safe state, stack logged, graceful shutdown, exit 1', async () => {
    const { socket } = suite;
    const { child, io, logs } = await start('uncaught');
    child.kill('SIGUSR2');
    assert.equal(await io.exited, 1, logs());
    assertSafe();
    assert.equal(logLines(io.stdout(), 'shutting down').length, 1, logs());
    assert.ok(io.stdout().includes('uncaught exception: Error: simulated bug in the control loop'), logs());
    assert.equal(socket.with('STOPPING=1').length, 1);
  });

  it("an unhandled rejection: the same, exit 1 (not Node's default crash without the safe state)", async () => {
    const { child, io, logs } = await start('rejection');
    child.kill('SIGUSR2');
    assert.equal(await io.exited, 1, logs());
    assertSafe();
    assert.ok(io.stdout().includes('unhandled rejection: Error: simulated lost promise'), logs());
    assert.equal(logLines(io.stdout(), 'shutting down').length, 1, logs());
  });

  it('a second SIGTERM while the graceful shutdown hangs: safe again and exit 1 at once', async () => {
    const { child, io, logs } = await start('hang');
    child.kill('SIGTERM');
    await waitFor('the shutdown to start', () => logLines(io.stdout(), 'shutting down').length === 1, 10_000, logs);
    assertSafe();
    assert.ok(alive(child), 'still in its (hanging) shutdown');
    child.kill('SIGTERM');
    assert.equal(await io.exited, 1, logs());
    assertSafe();
    assert.ok(io.stdout().includes('received SIGTERM during shutdown: exiting now'), logs());
  });
});
