import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { acceleratedClock, systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { startStatusServer, type StatusServer } from '../../src/web/server.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';
import { launchChromium } from '../support/browser.js';
import { screenshot, seriousAccessibilityViolations } from '../support/page-checks.js';

interface PageGlobals {
  readonly document: { querySelector(selector: string): { readonly textContent: string | null; getAttribute(name: string): string | null; readonly hidden?: boolean } | null };
}

/** Runs in the page: the building chart is shown with at least `n` points on its mains line. */
const buildingPoints = (n: number): boolean => {
  const doc = (globalThis as unknown as PageGlobals).document;
  const d = doc.querySelector('#building-chart path.mains')?.getAttribute('d') ?? '';
  return doc.querySelector('#building')?.hidden === false && (d.match(/[ML]/g) ?? []).length >= n;
};

/**
 * Load management on the station page (issue 18, deliverable 4): the building's day — mains, EV and PV surplus power
 * per minute — drawn by the page and kept going from the live stream, on a simulated solar noon at ×120.
 */
describe('station page: the building chart (load management) in headless Chromium', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let page: Page;
  let sim: SimStation;
  let server: StatusServer;

  before(async function () {
    browser = await launchChromium(this);
    const config = parseConfig({
      ...benchConfigInput,
      loadManagement: { mode: 'solar', pvInstalled: true, meter: { driver: 'sim', model: 'sdm630', unitId: 2 } },
      simulator: { building: { profile: 'solar-day', startHour: 12 } },
    });
    const clock = acceleratedClock(120);
    sim = await createSimStation({ config, clock, ioClock: systemClock, logger: silentLogger(), meterPath: 'modbus' });
    server = await startStatusServer({ sources: { station: sim.station, config, clock }, logger: silentLogger(), host: '127.0.0.1', port: 0 });
    page = await browser.newPage({ viewport: { width: 360, height: 800 } });
  });

  after(async () => {
    await browser?.close();
    if (server !== undefined) await server.close().catch(() => undefined);
    if (sim !== undefined) await sim.close();
  });

  it('draws mains, EV and surplus over the minutes and keeps adding to it live, with a sentence for screen readers', async () => {
    await page.goto(server.url);
    sim.world.plug();
    await page.waitForFunction(buildingPoints, 3, { timeout: 20_000 });
    const desc = (await page.textContent('#building-chart-desc')) ?? '';
    assert.match(desc, /surplus/);
    assert.match(desc, /mode solar/);
    for (const cls of ['ev', 'surplus']) assert.ok(await page.$(`#building-chart path.${cls}`), `${cls} line`);
    const before = (await page.getAttribute('#building-chart path.mains', 'd')) ?? '';
    await page.waitForFunction(buildingPoints, (before.match(/[ML]/g) ?? []).length + 1, { timeout: 20_000 });
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await screenshot(page, 'building-chart-360');
  });
});
