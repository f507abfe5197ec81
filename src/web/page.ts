/**
 * The status page: one HTML document, a stylesheet and a script, served by src/web/server.ts. No framework and
 * nothing from the internet: the station is often offline, and the page must load on a phone over the station's
 * Wi-Fi in a second. The script polls /api/status every second and renders with textContent only, so no text from
 * the station (fault details, price texts from the CSMS) can become markup.
 */

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The document; everything in it is filled by /app.js. */
export function pageHtml(stationId: string): string {
  const id = escapeHtml(stationId);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${id} · charging station</title>
<link rel="stylesheet" href="/style.css">
<script src="/app.js" defer></script>
<script src="/feedback.js" defer></script>
</head>
<body>
<header>
  <h1><span id="station-id">${id}</span></h1>
  <span id="uplink" class="badge">…</span>
  <span id="clock" class="muted"></span>
</header>
<div id="stale" class="banner" hidden>The station is not answering. The figures below are from <span id="stale-since"></span>.</div>
<main>
  <section id="state" class="card tone-busy" aria-live="polite">
    <h2 id="headline">Loading…</h2>
    <p id="action"></p>
  </section>

  <section id="faults" class="card" hidden>
    <h2>Faults</h2>
    <ul id="fault-list"></ul>
  </section>

  <section id="session" class="card" hidden>
    <h2>This session <span id="session-id" class="muted"></span></h2>
    <div class="figures">
      <div><span class="label">Cost so far</span><span id="cost" class="big">–</span><span id="cost-source" class="muted"></span></div>
      <div><span class="label">Energy</span><span id="energy" class="big">–</span></div>
      <div><span class="label">Power</span><span id="power" class="big">–</span></div>
      <div><span class="label">Charging time</span><span id="charging-time">–</span></div>
      <div><span class="label">Connected</span><span id="connected-time">–</span></div>
      <div><span class="label">Done about</span><span id="eta">–</span></div>
    </div>
    <p id="idle-fee" class="notice" hidden></p>
    <p id="receipt" hidden><a id="receipt-link" href="#">Your receipt</a></p>
    <details>
      <summary>Cost breakdown</summary>
      <table id="breakdown"><tbody></tbody></table>
      <p id="clock-note" class="muted" hidden>Times were taken before the station's clock was set and may be off.</p>
    </details>
  </section>

  <section id="feedback" hidden></section>

  <section id="price" class="card">
    <h2>Price</h2>
    <p id="price-energy">–</p>
    <p id="price-other" class="muted"></p>
  </section>

  <section id="technical" class="card">
    <h2>Station</h2>
    <table><tbody>
      <tr><th>Status</th><td id="ocpp-status">–</td></tr>
      <tr><th>Offered current</th><td id="offer">–</td></tr>
      <tr><th>Pilot / contactor</th><td id="pilot">–</td></tr>
      <tr><th>Meter</th><td id="meter">–</td></tr>
      <tr><th>Phases</th><td id="phases">–</td></tr>
    </tbody></table>
  </section>

  <section id="history" class="card">
    <h2>Recent sessions</h2>
    <p id="history-note" class="muted" hidden></p>
    <table id="sessions"><thead><tr><th>#</th><th>Started</th><th>Energy</th><th>Cost</th><th>Ended by</th><th></th></tr></thead><tbody></tbody></table>
  </section>
</main>
</body>
</html>
`;
}

export const pageStyle = `
:root { font-family: system-ui, sans-serif; color: #1b1f24; background: #f3f5f7; }
body { margin: 0; }
header { display: flex; gap: 1rem; align-items: center; padding: .75rem 1rem; background: #1b1f24; color: #fff; flex-wrap: wrap; }
header h1 { font-size: 1.1rem; margin: 0; flex: 1; }
main { max-width: 48rem; margin: 0 auto; padding: 1rem; display: grid; gap: 1rem; }
.card { background: #fff; border-radius: .5rem; padding: 1rem 1.25rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
.card h2 { margin: 0 0 .5rem; font-size: 1.05rem; }
#state h2 { font-size: 1.8rem; }
#state p { font-size: 1.1rem; margin: .25rem 0 0; }
.tone-ready { border-left: .5rem solid #2e7d32; }
.tone-busy { border-left: .5rem solid #1565c0; }
.tone-done { border-left: .5rem solid #6a1b9a; }
.tone-paused { border-left: .5rem solid #ef6c00; }
.tone-fault { border-left: .5rem solid #c62828; background: #fff5f5; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; }
.figures div { display: flex; flex-direction: column; }
.label { font-size: .8rem; color: #5b6570; text-transform: uppercase; letter-spacing: .03em; }
.big { font-size: 1.5rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.muted { color: #5b6570; font-size: .9rem; }
header .muted { color: #c9d1d9; }
.badge { padding: .15rem .6rem; border-radius: 1rem; font-size: .85rem; background: #5b6570; }
.badge.online { background: #2e7d32; }
.badge.offline { background: #c62828; }
.banner { background: #c62828; color: #fff; padding: .5rem 1rem; text-align: center; }
.notice { background: #fff8e1; border-radius: .25rem; padding: .5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .5rem .25rem 0; vertical-align: top; font-variant-numeric: tabular-nums; }
#faults li { margin-bottom: .5rem; }
#faults .operator { color: #5b6570; font-size: .9rem; }
`;

/** The page's script (plain ES2020, runs in any current browser). */
export const pageScript = `'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const text = (id, value) => { $(id).textContent = value; };
  let zone = 'UTC';
  let lastOk = null;
  let lastSessionsFetch = 0;
  let lastStatus = null;

  const time = (iso) => iso ? new Intl.DateTimeFormat(undefined, { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(new Date(iso)) : '–';
  const dateTime = (iso) => iso ? new Intl.DateTimeFormat(undefined, { timeZone: zone, dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso)) : '–';
  const kwh = (wh) => (wh / 1000).toFixed(2) + ' kWh';
  const kw = (w) => (w / 1000).toFixed(1) + ' kW';
  const duration = (ms) => {
    const minutes = Math.floor(ms / 60000);
    return minutes >= 60 ? Math.floor(minutes / 60) + ' h ' + String(minutes % 60).padStart(2, '0') + ' min' : minutes + ' min';
  };
  // Exact decimal texts as the tariff has them, padded to the currency's minor unit: "0.1" reads "0.10".
  const padPrice = (t, units) => {
    const [whole, fraction = ''] = t.split('.');
    return fraction.length >= units ? t : whole + '.' + fraction.padEnd(units, '0');
  };
  const row = (cells) => {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const td = document.createElement('td');
      if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell;
      tr.appendChild(td);
    }
    return tr;
  };

  function renderSession(s, status) {
    $('session').hidden = s === null;
    if (s === null) return;
    text('session-id', '#' + s.id + (s.idTag ? ' · card ' + s.idTag : ''));
    text('cost', s.cost ? s.cost.total.text : '–');
    text('cost-source', s.cost ? (s.cost.source === 'csms' ? 'from the operator' : (s.cost.final ? 'final' : 'computed at the station')) : '');
    text('energy', kwh(s.energyWh));
    const charging = status.status === 'Charging';
    text('power', status.meter && charging ? kw(status.meter.powerW) : '0.0 kW');
    text('charging-time', duration(s.chargingMs));
    text('connected-time', duration(s.connectedMs));
    text('eta', s.estimatedCompletion ? time(s.estimatedCompletion.at) + (s.estimatedCompletion.basis === 'energy-target' ? ' (your target of ' + kwh(s.energyTargetWh) + ')' : ' (from the power trend)') : (s.chargingCompletedAt ? 'done ' + time(s.chargingCompletedAt) : '–'));
    $('idle-fee').hidden = s.idleFeeFrom === null;
    if (s.idleFeeFrom !== null) text('idle-fee', 'Idle fee of ' + padPrice(status.price.idleFeePerMinute, status.price.minorUnits) + ' ' + status.price.currency + ' per minute from ' + time(s.idleFeeFrom) + ' while the car stays plugged in after charging.');
    const body = $('breakdown').tBodies[0];
    body.replaceChildren();
    if (s.cost) {
      const b = s.cost.breakdown;
      const lines = [['Energy', b.energy], ['Charging time', b.chargingTime], ['Idle fee', b.idle], ['Session fee', b.flatFee], ['Minimum / maximum price', b.capAdjustment], ['Tax', b.tax]];
      for (const [label, amount] of lines) if (amount.minor !== 0) body.appendChild(row([label, amount.text]));
      body.appendChild(row(['Total at the station', b.localTotal.text]));
      if (s.cost.priceText) body.appendChild(row(['Operator price', s.cost.priceText]));
    }
    $('clock-note').hidden = s.clockTrusted;
    $('receipt').hidden = s.stoppedAt === null;
    $('receipt-link').href = '/api/sessions/' + s.id + '/receipt?format=text';
  }

  function renderPrice(p) {
    const m = (t) => padPrice(t, p.minorUnits);
    const band = p.bandLabel ? ' (' + p.bandLabel + ')' : '';
    const change = p.changesAt ? ', ' + m(p.nextPricePerKwh) + ' from ' + time(p.changesAt) : '';
    text('price-energy', p.csmsText !== null ? p.csmsText : m(p.pricePerKwh) + ' ' + p.currency + ' per kWh' + band + change);
    if (p.csmsText !== null) { text('price-other', 'Price set by the operator.'); return; }
    const other = [];
    if (Number(p.pricePerChargingHour) > 0) other.push(m(p.pricePerChargingHour) + ' per hour charging');
    if (Number(p.idleFeePerMinute) > 0) other.push(m(p.idleFeePerMinute) + ' per minute idle after ' + p.idleGraceMinutes + ' min');
    if (Number(p.flatFee) > 0) other.push(m(p.flatFee) + ' per session');
    if (Number(p.minPrice) > 0) other.push('at least ' + m(p.minPrice));
    if (p.maxPrice !== null) other.push('at most ' + m(p.maxPrice));
    other.push(Number(p.taxRatePercent) > 0 ? 'plus ' + p.taxRatePercent + ' % tax' : 'no tax added');
    text('price-other', p.currency + ': ' + other.join(' · ') + ' (tariff ' + p.tariffId + ')');
  }

  function renderFaults(faults) {
    $('faults').hidden = faults.length === 0;
    const list = $('fault-list');
    list.replaceChildren();
    for (const f of faults) {
      const li = document.createElement('li');
      li.dataset.fault = f.name;
      const strong = document.createElement('strong');
      strong.textContent = f.driverMessage;
      const op = document.createElement('div');
      op.className = 'operator';
      op.textContent = 'For the operator: ' + f.operatorMessage + ' [' + f.name + ', ' + f.ocppErrorCode + '/' + f.vendorErrorCode + ', since ' + time(f.raisedAt) + '; ' + f.recovery + (f.detail ? '; ' + f.detail : '') + ']';
      li.append(strong, op);
      list.appendChild(li);
    }
  }

  function render(status) {
    zone = status.station.timeZone;
    const state = $('state');
    state.className = 'card tone-' + status.guidance.tone;
    text('headline', status.guidance.headline);
    text('action', status.guidance.action);
    text('clock', dateTime(status.at) + (status.clockTrusted ? '' : ' (clock not yet set)'));
    const up = $('uplink');
    if (status.uplink === null) { up.className = 'badge'; up.textContent = 'standalone'; }
    else {
      up.className = 'badge ' + (status.uplink.connected ? 'online' : 'offline');
      up.textContent = (status.uplink.connected ? 'online' : 'offline') + (status.uplink.outboxDepth > 0 ? ' · ' + status.uplink.outboxDepth + ' queued' : '');
    }
    renderFaults(status.faults);
    renderSession(status.session, status);
    renderPrice(status.price);
    text('ocpp-status', status.status);
    text('offer', status.offer.offeredNowA + ' A now, ' + status.offer.reason);
    text('pilot', 'state ' + status.pilot + ', contactor ' + status.contactor);
    text('meter', status.meter ? kwh(status.meter.importWh) + ' register, ' + kw(status.meter.powerW) + (status.meter.frequencyHz !== null ? ', ' + status.meter.frequencyHz.toFixed(2) + ' Hz' : '') : 'no reading yet');
    text('phases', status.meter ? status.meter.phases.map((p, i) => 'L' + (i + 1) + ' ' + p.voltageV.toFixed(0) + ' V ' + p.currentA.toFixed(1) + ' A').join(' · ') : '–');
  }

  async function refreshSessions() {
    lastSessionsFetch = Date.now();
    const response = await fetch('/api/sessions?limit=10');
    const body = await response.json();
    const note = $('history-note');
    const tbody = $('sessions').tBodies[0];
    if (!response.ok) { note.hidden = false; note.textContent = body.error; tbody.replaceChildren(); return; }
    note.hidden = body.sessions.length > 0;
    note.textContent = 'No sessions yet.';
    tbody.replaceChildren(...body.sessions.map((s) => {
      const link = document.createElement('a');
      link.href = '/api/sessions/' + s.id + '/receipt?format=text';
      link.textContent = 'receipt';
      return row(['' + s.id, dateTime(s.start), s.energyWh === null ? 'running' : kwh(s.energyWh), s.total ?? '–', s.stopReason ?? '', link]);
    }));
  }

  async function tick() {
    try {
      const response = await fetch('/api/status');
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const status = await response.json();
      lastOk = new Date();
      $('stale').hidden = true;
      const changed = lastStatus === null || lastStatus.status !== status.status || (lastStatus.session && lastStatus.session.id) !== (status.session && status.session.id);
      lastStatus = status;
      render(status);
      if (changed || Date.now() - lastSessionsFetch > 15000) await refreshSessions();
    } catch (err) {
      $('stale').hidden = false;
      text('stale-since', lastOk ? lastOk.toLocaleTimeString() : 'never');
    } finally {
      setTimeout(() => { void tick(); }, 1000);
    }
  }
  void tick();
})();
`;
