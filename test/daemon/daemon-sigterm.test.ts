import assert from 'node:assert/strict';
import { pins } from '../hal/gpio/support/config.js';
import { daemonSuite, gpioFiles, startDaemon, waitFor } from './support/daemon.js';

/**
 * The whole daemon as systemd runs it: `evse run` on real onoff (fake /sys/class in a private mount namespace), the
 * meter answered by `evse meter-sim` over a socat pty pair, NOTIFY_SOCKET and WATCHDOG_USEC set. After SIGTERM the relay
 * must be at its inactive level and the pilot PWM at duty 0 and disabled. (No EV charges here: meter-sim's demo model
 * draws current whatever the contactor does, which the station rightly calls a welded contactor. The relay-closed
 * case is covered by fail-safe-child.test.ts.)
 */
describe('evse run under SIGTERM (the daemon, end to end)', function () {
  this.timeout(60_000);
  const suite = daemonSuite('daemon', { socat: true });

  it('sends READY=1 and WATCHDOG=1; SIGTERM leaves the relay off and the pilot in F (duty 0, disabled); exit 0', async () => {
    const { dir, sysfs, socket, children } = suite;
    const { value } = gpioFiles(sysfs);
    const { daemon, exited, logs } = await startDaemon({ dir, sysfs, socket, children });

    await waitFor('READY=1', () => socket.with('READY=1').length === 1, 30_000, logs);
    await waitFor('WATCHDOG=1 twice', () => socket.with('WATCHDOG=1').length >= 2, 10_000, logs);
    assert.equal(value(pins.relay), '1', 'relay off (active low) without an EV');

    // The generator runs (steady +12 V: no EV) before the signal.
    assert.equal(sysfs.pwm('duty_cycle'), '1000000');
    assert.equal(sysfs.pwm('enable'), '1');

    daemon.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 0, logs());
    assert.equal(value(pins.relay), '1', 'relay at its inactive level after SIGTERM');
    assert.equal(sysfs.pwm('duty_cycle'), '0', 'pilot in F: duty 0');
    assert.equal(sysfs.pwm('enable'), '0', 'PWM disabled');
    assert.equal(socket.with('STOPPING=1').length, 1);
  });
});
