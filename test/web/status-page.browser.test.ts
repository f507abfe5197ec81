import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { acceleratedClock, systemClock, type Clock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { faultDefinition } from '../../src/control/faults.js';
import { openJournal, type Journal } from '../../src/journal/journal.js';
import { silentLogger } from '../../src/logger.js';
import { startStatusServer, type StatusServer } from '../../src/web/server.js';
import type { StationStatusView } from '../../src/web/status-view.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';
import { launchChromium } from '../support/browser.js';
import { screenshot, seriousAccessibilityViolations } from '../support/page-checks.js';

/** The little of the DOM the predicates below use (the project compiles without the DOM library). */
interface PageGlobals {
  readonly document: {
    querySelector(selector: string): { readonly textContent: string | null; getAttribute(name: string): string | null } | null;
    readonly documentElement: { readonly scrollWidth: number; readonly clientWidth: number };
  };
  /** Set by a test once the page is loaded: still there later proves the page never reloaded. */
  sameDocument?: boolean;
}

/** Runs in the page: the power shown differs from `shown`. */
const powerNot = (shown: string): boolean => (globalThis as unknown as PageGlobals).document.querySelector('#power')?.textContent !== shown;

/** Runs in the page: the power curve has at least `n` points (line segments after the first move). */
const curvePoints = (n: number): boolean =>
  (((globalThis as unknown as PageGlobals).document.querySelector('#power-chart path.power')?.getAttribute('d') ?? '').match(/[ML]/g) ?? []).length >= n;

/** Runs in the page: the cost shown is above `amount`. */
const costAbove = (amount: number): boolean =>
  Number(((globalThis as unknown as PageGlobals).document.querySelector('#cost')?.textContent ?? '').replace(/[^0-9.]/g, '')) > amount;

/** Runs in the page: the newest listed session shows a final cost. */
const listedCostShown = (): boolean =>
  (globalThis as unknown as PageGlobals).document.querySelector('#sessions tbody tr td:nth-child(4)')?.textContent?.startsWith('€') === true;

/** The number in a money text such as "€1.23". */
/** "€0.60" (the English page writes amounts the English way) → 0.6. */
const amountOf = (text: string | null): number => Number((text ?? '').replace(/[^0-9.]/g, ''));

/**
 * The status page in a real headless Chromium against a simulated station (accelerated ×60, real SQLite journal,
 * real HTTP on loopback): what a driver sees while charging, when the operator's price arrives, on a fault, after the
 * session, and when the station stops answering.
 */
describe('status page in headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let page: Page;
  let dir: string;
  let journal: Journal;
  let sim: SimStation;
  let server: StatusServer;
  let clock: Clock;
  const config = parseConfig(benchConfigInput);

  before(async function () {
    browser = await launchChromium(this);
    dir = mkdtempSync(join(tmpdir(), 'evse-web-'));
    clock = acceleratedClock(60);
    journal = await openJournal({ ...config.journal, stateDir: dir, clock });
    sim = await createSimStation({ config, clock, ioClock: systemClock, logger: silentLogger(), recorder: journal, reader: journal, meterPath: 'direct' });
    server = await startStatusServer({ sources: { station: sim.station, config, clock }, reader: journal, logger: silentLogger(), host: '127.0.0.1', port: 0 });
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    if (sim !== undefined) {
      await server.close().catch(() => undefined);
      await sim.close();
      await journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const text = (selector: string): Promise<string | null> => page.locator(selector).textContent();
  const waitForText = (selector: string, expected: string | RegExp): Promise<void> =>
    page.locator(selector).filter({ hasText: expected }).first().waitFor({ timeout: 20_000 });
  const apiStatus = async (): Promise<StationStatusView> => (await (await fetch(`${server.url}api/status`)).json()) as StationStatusView;

  let port = 0;
  const restartServer = async (): Promise<void> => {
    server = await startStatusServer({ sources: { station: sim.station, config, clock }, reader: journal, logger: silentLogger(), host: '127.0.0.1', port });
  };
  const noSeriousViolations = async (state: string): Promise<void> => {
    const violations = await seriousAccessibilityViolations(page);
    assert.deepEqual(violations, [], `axe-core, ${state}: ${JSON.stringify(violations, null, 1)}`);
  };

  it('shows the free station and the price in force before anyone plugs in', async () => {
    port = server.port;
    await page.goto(server.url);
    await waitForText('#headline', 'Ready');
    assert.match((await text('#action')) ?? '', /Plug in your car and tap your card/);
    assert.equal(await page.locator('#session').isHidden(), true);
    assert.match((await text('#price-energy')) ?? '', /^0\.(39|29) EUR per kWh/);
    assert.match((await text('#price-other')) ?? '', /0\.10 per minute idle after 30 min .*plus 19 % tax/);
    await screenshot(page, 'ready');
    await noSeriousViolations('ready');
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).sameDocument = true;
    });
  });

  it('while charging: the running cost of the API, rising, with energy and the card masked', async () => {
    const plugged = Date.now();
    sim.world.plug();
    await waitForText('#headline', 'Car connected');
    const shownAfterMs = Date.now() - plugged;
    // The state change came over the live stream (no polling); the bench measures its latency (page-stream.bench.ts).
    assert.ok(shownAfterMs < 1000, `the plug-in took ${shownAfterMs} ms to show`);
    assert.equal(await sim.station.tap(config.simulator.idTag), 'started');
    await waitForText('#headline', 'Charging');
    await page.locator('#session').waitFor({ state: 'visible' });
    assert.match((await text('#session-id')) ?? '', /^#1 · card \*\*\*\*RD01$/);
    // 0.50 EUR flat fee + tax: the cost starts at 0.60 and grows with every kWh (11 kW × 60 = 3 kWh per real second).
    await page.waitForFunction(costAbove, 0.6, { timeout: 20_000 });
    const first = amountOf(await text('#cost'));
    const api = await apiStatus();
    assert.ok(api.session?.cost, 'the API has a running cost');
    assert.ok(api.session.cost.total.minor >= Math.round(first * 100), `page ${first} is not ahead of the API ${api.session.cost.total.text}`);
    await page.waitForFunction(costAbove, first, { timeout: 20_000 });
    assert.match((await text('#energy')) ?? '', /^\d+\.\d\d kWh$/);
    assert.match((await text('#power')) ?? '', /^1\d\.\d kW$/);
    assert.equal(await text('#cost-source'), 'computed at the station');
  });

  it('the power curve grows live, and a lower offer shows without a reload', async () => {
    await page.waitForFunction(curvePoints, 3, { timeout: 20_000 });
    assert.match((await text('#power-chart-energy')) ?? '', /^\d+\.\d\d kWh so far$/);
    assert.match((await text('#power-chart-desc')) ?? '', /^Power from .* kW, offered current up to \d+ A, over \d+ min; \d+\.\d\d kWh so far\.$/);
    const before = (await text('#power')) ?? '';
    // The station gets warm: it derates, the car draws less, and the page follows with no reload.
    sim.world.inject('high-temperature', true);
    await page.locator('#fault-list li[data-fault="high-temperature"]').waitFor({ timeout: 20_000 });
    assert.match((await text('#fault-list li[data-fault="high-temperature"] strong')) ?? '', /^The station is warm, so it charges more slowly/);
    await page.waitForFunction(powerNot, before, { timeout: 20_000 });
    assert.ok(Number.parseFloat((await text('#power')) ?? '') < Number.parseFloat(before), `power ${await text('#power')} did not fall from ${before}`);
    await screenshot(page, 'charging-derated');
    await noSeriousViolations('charging, charts drawn');
    sim.world.inject('high-temperature', false);
    await page.locator('#fault-list li[data-fault="high-temperature"]').waitFor({ state: 'detached', timeout: 20_000 });
    assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).sameDocument), true, 'the page reloaded');
    const series = (await (await fetch(`${server.url}api/sessions/1/series?points=20`)).json()) as { points: unknown[] };
    assert.ok(series.points.length > 0 && series.points.length <= 20);
  });

  it("the operator's figure replaces ours once the CSMS sends one, and its text stays text", async () => {
    const id = sim.station.controller.activeSessionId();
    assert.ok(id !== null);
    sim.station.csmsCost(id, 9.99, '<img src=x onerror="document.title=1">0.25 EUR/kWh');
    await waitForText('#cost', '€9.99');
    assert.equal(await text('#cost-source'), 'from the operator');
    assert.equal(await text('#price-energy'), '<img src=x onerror="document.title=1">0.25 EUR/kWh');
    assert.equal(await page.locator('#price img').count(), 0, 'the CSMS text became markup');
  });

  it('a fault: the headline says so in plain words, the operator detail beside it', async () => {
    sim.world.inject('rcd-trip', true);
    await waitForText('#headline', 'Fault');
    assert.equal(await text('#action'), faultDefinition('rcd-trip').driverMessage);
    const item = page.locator('#fault-list li[data-fault="rcd-trip"]');
    await item.waitFor();
    assert.match((await item.textContent()) ?? '', /For the operator: Residual current device tripped/);
    assert.match((await page.locator('#state').getAttribute('class')) ?? '', /tone-fault/);
    // The fault ended the session: the driver still sees its final figures, with a link to the receipt.
    await page.locator('#receipt').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#receipt-link').getAttribute('href'), '/api/sessions/1/receipt?format=text');
    await screenshot(page, 'fault');
  });

  it('after the session: the list holds it with its final cost, and its receipt opens', async () => {
    sim.world.unplug();
    sim.world.inject('rcd-trip', false);
    await page.locator('#sessions tbody tr').first().waitFor({ timeout: 20_000 });
    await page.waitForFunction(listedCostShown, undefined, { timeout: 20_000 });
    const cells = await page.locator('#sessions tbody tr').first().locator('td').allTextContents();
    assert.equal(cells[0], '1');
    assert.match(cells[2] ?? '', /kWh$/);
    assert.equal(cells[4], 'EmergencyStop');
    await page.locator('#sessions tbody tr a').first().click();
    await page.waitForURL(/\/api\/sessions\/1\/receipt\?format=text$/);
    const receipt = (await page.locator('body').textContent()) ?? '';
    assert.match(receipt, /^Charging receipt — session 1\n/);
    assert.match(receipt, /TOTAL +\d+\.\d\d EUR/);
    assert.match(receipt, /\*\*\*\*RD01/);
    assert.doesNotMatch(receipt, /SIMCARD01/, 'the id tag is masked on the receipt');
  });

  it('the day and hour charts hold the finished session, with a table for screen readers', async () => {
    await page.goto(server.url);
    await page.locator('#daily-chart rect.bar').first().waitFor({ timeout: 20_000 });
    assert.match((await text('#daily-chart-desc')) ?? '', /^\d+\.\d\d kWh in 1 sessions over 30 days; revenue €\d+\.\d\d\./);
    assert.equal(await page.locator('#daily-table tbody tr').count(), 1);
    await page.locator('#hours-chart rect.bar').first().waitFor({ timeout: 20_000 });
    assert.match((await text('#hours-chart-desc')) ?? '', /busiest hour \d+:00/);
    await screenshot(page, 'after-session');
  });

  it('on a 360 px phone in German: the German texts, the curve and fault guidance, no sideways scroll, 44 px targets', async () => {
    assert.ok(browser);
    const phone = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const german = await phone.newPage();
    const fitsThePhone = async (state: string): Promise<void> => {
      const widths = await german.evaluate(() => {
        const root = (globalThis as unknown as PageGlobals).document.documentElement;
        return { scroll: root.scrollWidth, client: root.clientWidth };
      });
      assert.ok(widths.scroll <= widths.client, `${state}: the page scrolls sideways at 360 px: ${widths.scroll} > ${widths.client}`);
      const small = [];
      for (const target of await german.locator('a:visible, summary:visible, button:visible').all()) {
        const box = await target.boundingBox();
        if (box !== null && (box.height < 44 || box.width < 44)) small.push(`${(await target.textContent()) ?? ''} ${box.width}×${box.height}`);
      }
      assert.deepEqual(small, [], `${state}: touch targets under 44 px`);
      const violations = await seriousAccessibilityViolations(german);
      assert.deepEqual(violations, [], `${state}: ${JSON.stringify(violations, null, 1)}`);
    };
    try {
      // The residual-current trip of the earlier test is latched until an operator resets it.
      sim.station.controller.resetFaults();
      await german.goto(server.url);
      assert.equal(await german.getAttribute('html', 'lang'), 'de');
      await german.locator('#headline').filter({ hasText: /^Bereit$/ }).waitFor({ timeout: 20_000 });
      assert.match((await german.locator('#action').textContent()) ?? '', /^Stecken Sie Ihr Auto an und halten Sie Ihre Karte/);
      assert.equal(await german.locator('#price h2').textContent(), 'Preis');
      assert.equal(await german.locator('#history h2').textContent(), 'Letzte Ladevorgänge');
      sim.world.plug();
      assert.equal(await sim.station.tap(config.simulator.idTag), 'started');
      await german.locator('#headline').filter({ hasText: /^Lädt$/ }).waitFor({ timeout: 20_000 });
      await german.waitForFunction(curvePoints, 3, { timeout: 20_000 });
      assert.match((await german.locator('#power-chart-energy').textContent()) ?? '', /^bisher \d+,\d\d kWh$/);
      // The limit and the money in German too, not the station's English words and decimal points.
      assert.match((await german.locator('#offer').textContent()) ?? '', /^\d+(,\d)? A jetzt, begrenzt durch: (Hardware|Kabel|Einstellung|Betreiber) \d+(,\d)? A$/);
      assert.match((await german.locator('#price-energy').textContent()) ?? '', /^\d+,\d+ EUR pro kWh/);
      await german.waitForFunction(() => /^\d+,\d\d\s€$/.test((globalThis as unknown as PageGlobals).document.querySelector('#cost')?.textContent ?? ''), undefined, { timeout: 20_000 });
      await fitsThePhone('charging');
      await screenshot(german, 'phone-de-charging');
      sim.world.inject('emergency-stop', true);
      await german.locator('#headline').filter({ hasText: 'Störung' }).waitFor({ timeout: 20_000 });
      assert.match((await german.locator('#action').textContent()) ?? '', /^Der Not-Aus wurde gedrückt/);
      await fitsThePhone('fault');
      await screenshot(german, 'phone-de-fault');
    } finally {
      sim.world.inject('emergency-stop', false);
      sim.world.unplug();
      await phone.close();
    }
  });

  it('says so plainly when the live stream breaks, reconnects by itself and clears the banner', async () => {
    await page.goto(server.url);
    await waitForText('#headline', /Ready|Fault/);
    assert.equal(await page.locator('#stream-banner').isHidden(), true);
    await server.close();
    await page.locator('#stream-banner').waitFor({ state: 'visible', timeout: 10_000 });
    assert.match((await text('#stream-banner')) ?? '', /^Live updates are interrupted; reconnecting… The figures below are from /);
    assert.equal(await page.locator('#stream-status').getAttribute('aria-live'), 'assertive');
    await screenshot(page, 'stream-broken');
    await restartServer();
    await page.locator('#stream-banner').waitFor({ state: 'hidden', timeout: 10_000 });
    await waitForText('#headline', /Ready|Fault/);
  });
});
