import assert from 'node:assert/strict';
import { pins } from '../hal/gpio/support/config.js';
import { alive, daemonSuite, gpioFiles, logLines, startDaemon, waitFor } from './support/daemon.js';

const tariff = (id: string, pricePerKwh: string) => ({
  id,
  currency: 'EUR',
  energyBands: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00', pricePerKwh }],
});

interface StatusDoc {
  status: string;
  pilot: string;
  contactor: string;
  price: { tariffId: string; pricePerKwh: string };
}

/**
 * `systemctl reload evse` is `kill -HUP $MAINPID`. On the real daemon (evse run, real onoff over a fake /sys/class,
 * Modbus meter-sim over socat) SIGHUP must reload the tariff and nothing else: the process lives on, the station keeps
 * its state, systemd hears RELOADING=1 then READY=1, and only SIGTERM ends it.
 */
describe('evse run under SIGHUP (the daemon, end to end): reload, never exit', function () {
  this.timeout(90_000);
  const suite = daemonSuite('reload', { socat: true });

  it('SIGHUP reloads the tariff (RELOADING=1, READY=1), an invalid file is refused, the station runs on; SIGTERM ends it', async () => {
    const { dir, sysfs, socket, children } = suite;
    const { value } = gpioFiles(sysfs);
    const web = { port: 0 };
    const d = await startDaemon({ dir, sysfs, socket, children, config: { tariff: tariff('v1', '0.30'), web } });
    await waitFor('READY=1', () => socket.with('READY=1').length === 1, 30_000, d.logs);
    await waitFor('the status page', () => logLines(d.stdout(), 'status page listening').length === 1, 10_000, d.logs);
    const url = String(logLines(d.stdout(), 'status page listening')[0]?.['url']);
    const status = async (): Promise<StatusDoc> => (await (await fetch(new URL('api/status', url))).json()) as StatusDoc;

    const before = await status();
    assert.equal(before.price.tariffId, 'v1');
    const dutyBefore = sysfs.pwm('duty_cycle');
    assert.equal(value(pins.relay), '1', 'relay off (active low) without an EV');

    // 1. A valid new tariff.
    d.writeConfig({ tariff: tariff('v2', '0.35'), web });
    d.daemon.kill('SIGHUP');
    await waitFor('READY=1 after the reload', () => socket.with('READY=1').length === 2, 10_000, d.logs);
    assert.equal(socket.with('RELOADING=1').length, 1, d.logs());
    assert.match(socket.with('RELOADING=1')[0] ?? '', /^MONOTONIC_USEC=\d+$/m);
    assert.ok(socket.messages.indexOf(socket.with('RELOADING=1')[0] ?? '') < socket.messages.lastIndexOf(socket.with('READY=1')[1] ?? ''));
    await waitFor('the reload in the log', () => logLines(d.stdout(), 'tariff reloaded').length === 1, 10_000, d.logs);
    assert.equal(logLines(d.stdout(), 'tariff reloaded')[0]?.['tariff'], 'v2');
    assert.equal(logLines(d.stdout(), 'received SIGHUP: reloading').length, 1, 'the signal is logged');
    assert.ok(alive(d.daemon), `the daemon must survive SIGHUP\n${d.logs()}`);
    // The page's worker serves a snapshot refreshed every 500 ms: wait for one taken after the reload.
    let after = await status();
    for (let i = 0; i < 50 && after.price.tariffId !== 'v2'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await status();
    }
    assert.equal(after.price.tariffId, 'v2', 'the new tariff is in force');
    assert.equal(after.status, before.status, 'the station state is untouched');
    assert.equal(after.pilot, before.pilot);
    assert.equal(after.contactor, before.contactor);

    // 2. An invalid file: refused, the v2 tariff stays, READY=1 again.
    d.writeConfig({ tariff: tariff('v3', '-1'), web });
    d.daemon.kill('SIGHUP');
    await waitFor('READY=1 after the refused reload', () => socket.with('READY=1').length === 3, 10_000, d.logs);
    await waitFor('the refusal in the log', () => logLines(d.stdout(), 'tariff reload refused; the running tariff stays').length === 1, 10_000, d.logs);
    assert.ok(alive(d.daemon), d.logs());
    await new Promise((r) => setTimeout(r, 600)); // one snapshot later
    assert.equal((await status()).price.tariffId, 'v2', 'the refused file changed nothing');

    // Still the control loop: the watchdog keeps being fed after both reloads, nothing was stopped.
    const pings = socket.with('WATCHDOG=1').length;
    await waitFor('WATCHDOG=1 after the reloads', () => socket.with('WATCHDOG=1').length >= pings + 2, 10_000, d.logs);
    assert.equal(socket.with('STOPPING=1').length, 0, d.logs());
    assert.equal(logLines(d.stdout(), 'shutting down').length, 0);
    assert.equal(sysfs.pwm('duty_cycle'), dutyBefore, 'the pilot generator untouched');
    assert.equal(sysfs.pwm('enable'), '1');

    // 3. Only SIGTERM ends it, the usual way.
    d.daemon.kill('SIGTERM');
    assert.equal(await d.exited, 0, d.logs());
    assert.equal(socket.with('STOPPING=1').length, 1);
    assert.equal(value(pins.relay), '1');
    assert.equal(sysfs.pwm('duty_cycle'), '0');
  });
});
