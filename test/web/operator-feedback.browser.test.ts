import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { silentLogger } from '../../src/logger.js';
import type { OcppClient } from '../../src/ocpp/client.js';
import { driverFeedbackMessageId, driverFeedbackVendorId } from '../../src/web/feedback-service.js';
import { hashPassword } from '../../src/web/operator/password.js';
import { startStatusServer, type StatusServer } from '../../src/web/server.js';
import { stationPageActions } from '../../src/wiring/page-actions.js';
import { createUplink, uplinkAuthorizer } from '../../src/wiring/uplink.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { createBenchCsms, type BenchCsms } from '../../simulator/csms/bench-csms.js';
import { tempStateDir } from '../journal/support/helpers.js';
import { launchChromium } from '../support/browser.js';
import { seriousAxeViolations } from './support/axe.js';
import { until } from './support/page-rig.js';

const PASSWORD = 'operator pass 360';
const ARTIFACTS = 'test-artifacts';
const hostile = '<img src=x onerror="document.title=\'pwned\'">connector was loose';

/**
 * Driver feedback and the operator view in a real headless Chromium at 360 px, against a simulated station with a
 * real SQLite journal, its uplink to the bench CSMS (real websocket on loopback) and the page in its worker thread.
 */
describe('feedback and operator view in headless Chromium', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let page: Page;
  let state: ReturnType<typeof tempStateDir>;
  let csms: BenchCsms;
  let journal: Journal;
  let sim: SimStation | undefined;
  let uplink: OcppClient | null = null;
  let server: StatusServer;
  let sessionId: number;
  let idTag: string;

  before(async function () {
    browser = await launchChromium(this);
    mkdirSync(ARTIFACTS, { recursive: true });
    state = tempStateDir('evse-operator-');
    csms = await createBenchCsms({ port: 0 });
    const config = parseConfig({
      ...benchConfigInput,
      ocpp: { url: csms.url, chargePointId: 'CP-PAGE' },
      web: { operatorPasswordHash: await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 }) },
    });
    idTag = config.simulator.idTag;
    journal = await openJournal({ stateDir: state.dir });
    sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), recorder: journal, reader: journal, meterPath: 'direct', authorizer: uplinkAuthorizer(() => uplink) });
    const station = sim.station;
    uplink = await createUplink({ station, journal, config, clock: systemClock, logger: silentLogger(), onReset: () => Promise.resolve() });
    uplink.start();
    const link = uplink;
    const uplinkStatus = (): ReturnType<OcppClient['status']> => link.status();
    server = await startStatusServer({
      sources: { station, config, clock: systemClock, uplinkStatus },
      reader: journal,
      logger: silentLogger(),
      host: '127.0.0.1',
      port: 0,
      actions: stationPageActions({ station, journal, config, clock: systemClock, logger: silentLogger(), uplink: () => uplink, uplinkStatus }),
    });
    page = await browser.newPage({ viewport: { width: 360, height: 780 } });
    await until(() => link.registration.isAccepted(), 'BootNotification accepted');
  });

  after(async () => {
    await browser?.close();
    if (sim !== undefined) {
      await server.close().catch(() => undefined);
      await uplink?.stop();
      await sim.close();
      await journal.close();
      await csms.close();
      state.cleanup();
    }
  });

  it('a driver rates the running session: stored in the journal, the comment shown back as text, DataTransfer DriverFeedback at the CSMS', async () => {
    const s = sim as SimStation;
    s.world.plug();
    await until(() => s.station.controller.snapshot().pilot === 'B', 'plugged in');
    assert.equal(await s.station.tap(idTag), 'started');
    await until(() => s.station.controller.activeSessionId() !== null, 'session started');
    sessionId = s.station.controller.activeSessionId() as number;
    await page.goto(server.url);
    await page.locator('#feedback-form').waitFor({ timeout: 10_000 });
    await page.locator('label[for="rating-2"]').click();
    await page.locator('label[for="outcome-could-not-charge"]').click();
    await page.selectOption('#feedback-problem', 'connector');
    await page.fill('#feedback-comment', hostile);
    await page.screenshot({ path: `${ARTIFACTS}/feedback-form-360.png`, fullPage: true });
    assert.deepEqual((await seriousAxeViolations(page)).filter((v) => v.targets.some((t) => t.includes('feedback'))), [], 'the feedback form');
    const answered = page.waitForResponse((r) => r.url().endsWith(`/api/sessions/${sessionId}/feedback`));
    await page.locator('#feedback-form button[type="submit"]').click();
    assert.equal((await answered).status(), 201);
    await page.locator('#feedback-echo').waitFor();
    assert.equal(await page.locator('#feedback-echo').textContent(), hostile, 'shown back as text');
    assert.equal(await page.locator('#feedback img').count(), 0, 'the comment never became markup');
    assert.notEqual(await page.title(), 'pwned');
    await page.screenshot({ path: `${ARTIFACTS}/feedback-360.png`, fullPage: true });

    const stored = await journal.feedback({ fromMs: 0, toMs: Date.now() + 60_000 });
    assert.deepEqual(stored.map((f) => [f.sessionId, f.rating, f.outcome, f.problem, f.comment, f.clientAddress]), [[sessionId, 2, 'could-not-charge', 'connector', hostile, '127.0.0.1']]);
    await csms.waitFor(() => csms.callsOf('DataTransfer').some((c) => c['messageId'] === driverFeedbackMessageId), 10_000, 'the feedback DataTransfer');
    const call = csms.callsOf('DataTransfer').find((c) => c['messageId'] === driverFeedbackMessageId) as Record<string, unknown>;
    assert.equal(call['vendorId'], driverFeedbackVendorId);
    const data = JSON.parse(call['data'] as string) as Record<string, unknown>;
    const start = csms.callsOf('StartTransaction').length;
    assert.ok(start >= 1);
    assert.deepEqual({ ...data, timestamp: 'T' }, { rating: 2, outcome: 'could-not-charge', problem: 'connector', comment: hostile, timestamp: 'T', transactionId: data['transactionId'] });
    assert.equal(typeof data['transactionId'], 'number', 'tied to the CSMS transaction');

    // A German browser gets the form in German.
    const german = await (browser as Browser).newContext({ locale: 'de-DE', viewport: { width: 360, height: 780 } });
    const dePage = await german.newPage();
    await dePage.goto(server.url);
    await dePage.locator('#feedback h2', { hasText: `Sagen Sie dem Betreiber, wie es war (Ladevorgang #${sessionId})` }).waitFor({ timeout: 10_000 });
    assert.equal(await dePage.locator('label[for="outcome-could-not-charge"]').textContent(), 'Konnte nicht laden');
    await german.close();
  });

  it('the operator logs in, acknowledges the could-not-charge alert and stops the session (a local stop)', async () => {
    await page.goto(`${server.url}operator`);
    await page.fill('#password', PASSWORD);
    await page.locator('#login-form button').click();
    const alert = page.locator('#alert-list li', { hasText: `session ${sessionId}` });
    await alert.waitFor({ timeout: 10_000 });
    assert.match((await alert.locator('.guidance').textContent()) ?? '', /check the connector/);
    assert.match((await alert.locator('.evidence').textContent()) ?? '', /connector was loose/, 'the evidence, as text');
    assert.equal(await page.locator('#alert-list img').count(), 0);
    await alert.locator('button.acknowledge').click();
    await page.locator('#action-status', { hasText: 'acknowledged' }).waitFor({ timeout: 10_000 });
    const [acked] = await journal.listAlerts({ codePrefix: 'driver-could-not-charge' });
    assert.equal(acked?.state, 'acknowledged');
    assert.equal(acked?.stateBy, 'operator@127.0.0.1');
    assert.equal(acked?.dedupKey, `driver-could-not-charge:${sessionId}`);

    await page.locator('#stop-session').click();
    await page.locator('#action-status', { hasText: `Session ${sessionId} is stopping` }).waitFor({ timeout: 10_000 });
    await until(async () => (await journal.session(sessionId))?.stopReason != null, 'the stop journaled');
    assert.equal((await journal.session(sessionId))?.stopReason, 'Local');
    await csms.waitFor(() => csms.callsOf('StopTransaction').length > 0, 10_000, 'StopTransaction');
    assert.equal(csms.callsOf('StopTransaction')[0]?.['reason'], 'Local');
    await page.locator('#action-log li', { hasText: 'stop-session' }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: `${ARTIFACTS}/operator-360.png`, fullPage: true });
    assert.deepEqual(await seriousAxeViolations(page), [], 'the operator page');
    const width = await page.evaluate('document.documentElement.scrollWidth');
    assert.ok(Number(width) <= 360, `no sideways scrolling at 360 px (scrollWidth ${String(width)})`);
    const actions = await journal.operatorActions(10);
    assert.deepEqual(actions.slice(0, 3).map((a) => [a.action, a.ok, a.clientAddress]), [['stop-session', true, '127.0.0.1'], ['alert-state', true, '127.0.0.1'], ['login', true, '127.0.0.1']]);
  });

  it('a wrong password gets 401, and after 5 failures the rate limit (429)', async () => {
    await page.locator('#logout').click();
    await page.locator('#login').waitFor();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      await page.fill('#password', `guess ${i}`);
      const response = page.waitForResponse((r) => r.url().endsWith('/operator/login'));
      await page.locator('#login-form button').click();
      statuses.push((await response).status());
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
    await page.locator('#login-status', { hasText: /Too many failed logins: wait \d+ s/ }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/operator-throttled-360.png`, fullPage: true });
  });
});
