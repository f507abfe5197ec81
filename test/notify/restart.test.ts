import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { startAlertNotifier, type Notifier } from '../../src/wiring/notify.js';
import { freePort } from '../mqtt/support/mosquitto.js';
import { capturedLogger, fastTuning, HookServer, sleep, waitUntil } from './support/helpers.js';

describe('notify: a channel’s backlog survives a restart (the cursor lives in the journal)', function () {
  this.timeout(20_000);
  let dir: string;
  let hook: HookServer;
  let journal: Journal | null = null;
  let notifier: Notifier | null = null;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'evse-notify-restart-'));
    hook = new HookServer(await freePort());
  });
  afterEach(async () => {
    await notifier?.stop();
    await journal?.close();
    await hook.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an alert raised while the webhook is down is delivered once after the station restarts; one already delivered is not sent again', async () => {
    const config = parseConfig({ station: { id: 'R-1' }, alerts: { webhook: { url: hook.url, secret: 's' } } });
    const boot = async (): Promise<ReturnType<typeof capturedLogger>> => {
      const log = capturedLogger();
      journal = await openJournal({ stateDir: dir, clock: systemClock });
      notifier = startAlertNotifier({ config, journal, uplink: null, mqtt: null, logger: log.logger, tuning: fastTuning });
      await waitUntil('registered', () => log.text().includes('alert channel started'));
      return log;
    };
    const shutdown = async (): Promise<void> => {
      await notifier?.stop();
      await journal?.close();
      notifier = null;
      journal = null;
    };

    await hook.start();
    await boot();
    const first = await journal!.raiseAlert({ severity: 'warn', code: 'first', message: 'delivered before the restart' });
    await waitUntil('first delivered', () => hook.accepted.length === 1);
    await hook.stop();
    const second = await journal!.raiseAlert({ severity: 'warn', code: 'second', message: 'raised while the webhook is down' });
    await sleep(200);
    await shutdown();

    await hook.start();
    const log = await boot();
    await waitUntil('second delivered', () => hook.accepted.length === 2);
    await sleep(300);
    assert.deepEqual(hook.accepted.map((b) => b['id']), [first, second]);
    assert.match(log.text(), /"channel":"webhook"/);
  });
});
