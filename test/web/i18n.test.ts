import assert from 'node:assert/strict';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { allFaults } from '../../src/control/faults.js';
import { silentLogger } from '../../src/logger.js';
import { buildStatusApp } from '../../src/web/app.js';
import { catalogue, fillIn, languageOf, supportedLanguages } from '../../src/web/i18n/catalogue.js';
import { localStatusData } from '../../src/web/status-data.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { createSimStation } from '../../src/commands/sim/sim-station.js';

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

describe('web: driver texts in the browser language (src/web/i18n)', () => {
  const en = catalogue('en');

  for (const lang of supportedLanguages.filter((l) => l !== 'en')) {
    it(`${lang}: every English key, nothing else, the same placeholders, no English left in the fault texts`, () => {
      const other = catalogue(lang);
      assert.deepEqual(Object.keys(other).sort(), Object.keys(en).sort());
      for (const [key, text] of Object.entries(en)) {
        assert.deepEqual(placeholders((other as Record<string, string>)[key] ?? ''), placeholders(text), key);
      }
      for (const f of allFaults()) assert.notEqual(other[`fault.${f.name}`], f.driverMessage, `fault.${f.name} is not translated`);
    });
  }

  it("English fault guidance is the fault catalogue's own driver message", () => {
    for (const f of allFaults()) assert.equal(en[`fault.${f.name}`], f.driverMessage);
  });

  it('picks the best shipped language from Accept-Language, English otherwise', () => {
    assert.equal(languageOf(undefined), 'en');
    assert.equal(languageOf('de-DE,de;q=0.9,en;q=0.8'), 'de');
    assert.equal(languageOf('fr-FR, de;q=0.5, en;q=0.4'), 'de');
    assert.equal(languageOf('en-GB, de;q=0.9'), 'en');
    assert.equal(languageOf('de;q=0, en;q=0.1'), 'en');
    assert.equal(languageOf('fr, nl'), 'en');
    assert.equal(languageOf('*'), 'en');
  });

  it('fills in placeholders; an unknown one stays visible', () => {
    assert.equal(fillIn('{a} and {b}', { a: 1 }), '1 and {b}');
  });

  it('serves the page in the browser language, with its catalogue inert in a data block and as /i18n/<lang>.json', async () => {
    const config = parseConfig({ ...benchConfigInput, station: { id: 'Bay </script><b>' } });
    const sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), meterPath: 'direct' });
    const app = buildStatusApp(localStatusData({ station: sim.station, config, clock: systemClock }, null), () => undefined);
    try {
      const german = await app.inject({ url: '/', headers: { 'accept-language': 'de-AT,de;q=0.9' } });
      assert.match(german.body, /<html lang="de">/);
      assert.match(german.body, /<h2>Preis<\/h2>/);
      assert.match(german.body, /<title>Bay &lt;\/script&gt;&lt;b&gt; · Ladestation<\/title>/);
      assert.equal(german.headers['vary'], 'accept-language');
      const block = /<script type="application\/json" id="i18n-catalogue">(.*?)<\/script>/s.exec(german.body)?.[1] ?? '';
      assert.doesNotMatch(block, /</);
      assert.equal((JSON.parse(block) as Record<string, string>)['price.title'], 'Preis');
      const english = await app.inject({ url: '/' });
      assert.match(english.body, /<html lang="en">/);
      assert.match(english.body, /<h2>Price<\/h2>/);
      const json = await app.inject({ url: '/i18n/de.json' });
      assert.equal(json.statusCode, 200);
      assert.equal(json.json<Record<string, string>>()['guidance.ready.headline'], 'Bereit');
    } finally {
      await app.close();
      await sim.close();
    }
  });
});
