/**
 * The status page: one HTML document, a stylesheet and two scripts, served by src/web/app.ts. No framework and
 * nothing from the internet: the station is often offline, and the page must load on a phone over the station's
 * Wi-Fi in a second. It is laid out for a 360 px wide phone first. The texts are in the browser's language (the
 * catalogues of src/web/i18n); the script listens to the live stream (`/api/events`) and renders with textContent only,
 * so no text from the station (fault details, price texts from the CSMS) can become markup.
 */
import { catalogue, translate, type Language } from './i18n/catalogue.js';
import type { TextKey } from './i18n/en.js';
export { pageScript } from './page-script.js';
export { chartScript } from './page-charts.js';
export { pageStyle } from './page-style.js';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The catalogue as a JSON data block: never run (CSP allows no inline script), `<` escaped so it cannot close the tag. */
function catalogueBlock(lang: Language): string {
  return `<script type="application/json" id="i18n-catalogue">${JSON.stringify(catalogue(lang)).replace(/</g, '\\u003c')}</script>`;
}

/** The document in `lang`; the figures in it are filled by /app.js from the live stream. */
export function pageHtml(stationId: string, lang: Language = 'en'): string {
  const id = escapeHtml(stationId);
  const t = (key: TextKey, params?: Readonly<Record<string, string>>): string => escapeHtml(translate(lang, key, params));
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t('page.title', { station: stationId })}</title>
<link rel="stylesheet" href="/style.css">
${catalogueBlock(lang)}
<script src="/charts.js" defer></script>
<script src="/app.js" defer></script>
<script src="/feedback.js" defer></script>
</head>
<body>
<header>
  <h1><span id="station-id">${id}</span></h1>
  <span id="uplink" class="badge">…</span>
  <span id="clock" class="muted"></span>
</header>
<div id="stream-status" role="status" aria-live="assertive"><p id="stream-banner" class="banner" hidden></p></div>
<main>
  <section id="state" class="card tone-busy" aria-live="polite">
    <h2 id="headline">${t('page.loading')}</h2>
    <p id="action"></p>
  </section>

  <section id="faults" class="card" hidden>
    <h2>${t('faults.title')}</h2>
    <ul id="fault-list"></ul>
  </section>

  <section id="session" class="card" hidden>
    <h2>${t('session.title')} <span id="session-id" class="muted"></span></h2>
    <div class="figures">
      <div><span class="label">${t('session.cost')}</span><span id="cost" class="big">–</span><span id="cost-source" class="muted"></span></div>
      <div><span class="label">${t('session.energy')}</span><span id="energy" class="big">–</span></div>
      <div><span class="label">${t('session.power')}</span><span id="power" class="big">–</span></div>
      <div><span class="label">${t('session.chargingTime')}</span><span id="charging-time">–</span></div>
      <div><span class="label">${t('session.connected')}</span><span id="connected-time">–</span></div>
      <div><span class="label">${t('session.eta')}</span><span id="eta">–</span></div>
    </div>
    <figure class="chart">
      <figcaption><span>${t('chart.power.title')}</span> <span id="power-chart-energy" class="muted"></span></figcaption>
      <svg id="power-chart" viewBox="0 0 320 150" role="img" aria-labelledby="power-chart-title power-chart-desc"><title id="power-chart-title">${t('chart.power.title')}</title><desc id="power-chart-desc">${t('chart.power.empty')}</desc></svg>
      <p class="legend"><span class="key key-power"></span>${t('chart.power.powerLegend')} <span class="key key-offer"></span>${t('chart.power.offerLegend')}</p>
    </figure>
    <p id="idle-fee" class="notice" hidden></p>
    <p id="receipt" hidden><a id="receipt-link" href="#">${t('session.receipt')}</a></p>
    <details>
      <summary>${t('session.breakdown')}</summary>
      <table id="breakdown"><tbody></tbody></table>
      <p id="clock-note" class="muted" hidden>${t('session.clockNote')}</p>
    </details>
  </section>

  <section id="feedback" class="card" hidden></section>

  <section id="price" class="card">
    <h2>${t('price.title')}</h2>
    <p id="price-energy">–</p>
    <p id="price-other" class="muted"></p>
  </section>

  <section id="building" class="card" hidden>
    <h2>${t('chart.building.title')}</h2>
    <svg id="building-chart" viewBox="0 0 320 150" role="img" aria-labelledby="building-chart-title building-chart-desc"><title id="building-chart-title">${t('chart.building.title')}</title><desc id="building-chart-desc">${t('chart.none')}</desc></svg>
    <p class="legend"><span class="key key-mains"></span>${t('chart.building.mainsLegend')} <span class="key key-ev"></span>${t('chart.building.evLegend')} <span class="key key-surplus"></span>${t('chart.building.surplusLegend')}</p>
  </section>

  <section id="energy-days" class="card">
    <h2 id="daily-heading">${t('chart.daily.title', { days: '30' })}</h2>
    <svg id="daily-chart" viewBox="0 0 320 150" role="img" aria-labelledby="daily-chart-title daily-chart-desc"><title id="daily-chart-title">${t('chart.daily.title', { days: '30' })}</title><desc id="daily-chart-desc">${t('chart.none')}</desc></svg>
    <details>
      <summary>${t('chart.daily.table')}</summary>
      <div class="table-wrap"><table id="daily-table"><thead><tr><th scope="col">${t('table.day')}</th><th scope="col">${t('table.energy')}</th><th scope="col">${t('table.revenue')}</th><th scope="col">${t('table.sessions')}</th></tr></thead><tbody></tbody></table></div>
    </details>
  </section>

  <section id="busy-hours" class="card">
    <h2>${t('chart.hours.title', { days: '30' })}</h2>
    <svg id="hours-chart" viewBox="0 0 320 150" role="img" aria-labelledby="hours-chart-title hours-chart-desc"><title id="hours-chart-title">${t('chart.hours.title', { days: '30' })}</title><desc id="hours-chart-desc">${t('chart.none')}</desc></svg>
    <details>
      <summary>${t('chart.hours.table')}</summary>
      <div class="table-wrap"><table id="hours-table"><thead><tr><th scope="col">${t('table.hour')}</th><th scope="col">${t('table.occupied')}</th><th scope="col">${t('table.charging')}</th><th scope="col">${t('table.sessions')}</th></tr></thead><tbody></tbody></table></div>
    </details>
  </section>

  <section id="technical" class="card">
    <h2>${t('station.title')}</h2>
    <table><tbody>
      <tr><th scope="row">${t('station.status')}</th><td id="ocpp-status">–</td></tr>
      <tr><th scope="row">${t('station.offer')}</th><td id="offer">–</td></tr>
      <tr><th scope="row">${t('station.pilot')}</th><td id="pilot">–</td></tr>
      <tr><th scope="row">${t('station.meter')}</th><td id="meter">–</td></tr>
      <tr><th scope="row">${t('station.phases')}</th><td id="phases">–</td></tr>
    </tbody></table>
  </section>

  <section id="history" class="card">
    <h2>${t('history.title')}</h2>
    <p id="history-note" class="muted" hidden></p>
    <div class="table-wrap"><table id="sessions"><thead><tr><th scope="col">${t('history.number')}</th><th scope="col">${t('history.started')}</th><th scope="col">${t('history.energy')}</th><th scope="col">${t('history.cost')}</th><th scope="col">${t('history.endedBy')}</th><th scope="col"><span class="visually-hidden">${t('history.receiptColumn')}</span></th></tr></thead><tbody></tbody></table></div>
  </section>
</main>
</body>
</html>
`;
}
