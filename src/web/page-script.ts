/**
 * The page's script (plain ES2020, runs in any current browser). It listens to the live stream (`/api/events`): the
 * whole status first, then every change and every meter reading, so a change shows within a second and nothing polls.
 * When the stream breaks it says so in a banner (announced to screen readers) and reconnects; the banner goes when
 * the first status arrives again. Texts come from the catalogue the page carries (`#i18n-catalogue`); everything is
 * rendered with textContent, so no text from the station can become markup.
 */
export const pageScript = `'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const text = (id, value) => { $(id).textContent = value; };
  const lang = document.documentElement.lang || 'en';
  const catalogue = JSON.parse($('i18n-catalogue').textContent);
  const t = (key, params) => (catalogue[key] ?? key).replace(/\\{(\\w+)\\}/g, (whole, name) => (params && name in params ? String(params[name]) : whole));
  const HEARTBEAT_GRACE_MS = 40000;
  let zone = 'UTC';
  let lastOk = null;
  let lastStatus = null;

  const number = (v, digits) => new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
  const time = (iso) => iso ? new Intl.DateTimeFormat(lang, { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(new Date(iso)) : '–';
  const dateTime = (iso) => iso ? new Intl.DateTimeFormat(lang, { timeZone: zone, dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso)) : '–';
  const kwh = (wh) => number(wh / 1000, 2) + ' kWh';
  const kw = (w) => number(w / 1000, 1) + ' kW';
  const duration = (ms) => {
    const minutes = Math.floor(ms / 60000);
    return minutes >= 60 ? Math.floor(minutes / 60) + ' h ' + String(minutes % 60).padStart(2, '0') + ' min' : minutes + ' min';
  };
  // Exact decimal texts as the tariff has them, padded to the currency's minor unit ("0.1" reads "0.10"), with the
  // language's decimal mark ("0,10" in German): not through a float, so a price keeps every digit it has.
  const decimalMark = (new Intl.NumberFormat(lang).formatToParts(1.5).find((part) => part.type === 'decimal') || { value: '.' }).value;
  const padPrice = (p, units) => {
    const [whole, fraction = ''] = p.split('.');
    const padded = fraction.length >= units ? fraction : fraction.padEnd(units, '0');
    return padded === '' ? whole : whole + decimalMark + padded;
  };
  // An amount in minor units, written the language's way ("€3.45", "3,45 €"); a code Intl does not know stays a code.
  const money = (minor, units, currency) => {
    try {
      return new Intl.NumberFormat(lang, { style: 'currency', currency, minimumFractionDigits: units, maximumFractionDigits: units }).format(minor / Math.pow(10, units));
    } catch {
      return number(minor / Math.pow(10, units), units) + ' ' + currency;
    }
  };
  const amps = (a) => number(a, Number.isInteger(a) ? 0 : 1) + ' A';
  const kwText = (w) => number(Math.max(0, w) / 1000, 1) + ' kW';
  // Why the offer is what it is (status.offer.words, src/control/limit-words.ts), in the page's language.
  const limitText = (w) => {
    switch (w.kind) {
      case 'source': return t('limit.source.' + w.source, { amps: amps(w.amps) });
      case 'fuse': return t(w.cooling ? 'limit.fuseCooling' : 'limit.fuse', { phase: w.phase, mainsA: amps(Math.round(w.mainsA * 10) / 10), fuseA: amps(w.fuseA) });
      case 'fuse-cut': return t('limit.fuseCut', { phase: w.phase, mainsA: amps(Math.round(w.mainsA * 10) / 10), fuseA: amps(w.fuseA) });
      case 'solar': return t('limit.solar', { surplus: kwText(w.surplusW) });
      case 'solar-min': return t('limit.solarMin', { minA: amps(w.minA), surplus: kwText(w.surplusW) });
      case 'solar-wait': return t('limit.solarWait', { start: kwText(w.startW), surplus: kwText(w.surplusW) });
      case 'mains-lost': return w.safeA === null ? t('limit.mainsLostPaused') : t('limit.mainsLostSafe', { amps: amps(w.safeA) });
      default: return '';
    }
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

  // --- the running session's power curve ---------------------------------------------------------------------
  const curve = { sessionId: null, points: [], energyWh: null };
  function drawPower() {
    const s = lastStatus && lastStatus.session;
    const pts = curve.points;
    const svg = $('power-chart');
    window.evseCharts.line(svg, pts, { start: pts.length ? time(new Date(pts[0].t).toISOString()) : '', end: pts.length ? time(new Date(pts[pts.length - 1].t).toISOString()) : '' });
    const energy = s ? kwh(curve.sessionId === s.id && curve.energyWh !== null ? Math.max(curve.energyWh, s.energyWh) : s.energyWh) : '–';
    text('power-chart-energy', t('chart.power.energySoFar', { energy }));
    if (pts.length === 0) { text('power-chart-desc', t('chart.power.empty')); return; }
    const powers = pts.map((p) => p.power);
    text('power-chart-desc', t('chart.power.desc', {
      minPower: number(Math.min(...powers), 1) + ' kW', maxPower: number(Math.max(...powers), 1) + ' kW',
      maxAmps: Math.max(0, ...pts.map((p) => p.offer ?? 0)) + ' A', duration: duration(pts[pts.length - 1].t - pts[0].t), energy,
    }));
  }
  async function loadCurve(sessionId) {
    curve.sessionId = sessionId;
    curve.points = [];
    curve.energyWh = null;
    try {
      const response = await fetch('/api/sessions/' + sessionId + '/series?points=300');
      if (!response.ok || curve.sessionId !== sessionId) return;
      const body = await response.json();
      const live = curve.points;
      const seeded = body.points.map((p) => ({ t: Date.parse(p.at), power: p.powerW / 1000, offer: p.offeredA }));
      const last = seeded.length ? seeded[seeded.length - 1].t : -Infinity;
      // Samples that came over the stream while the series loaded follow the journal's.
      curve.points = seeded.concat(live.filter((p) => p.t > last));
    } catch (err) { /* the live samples still draw the curve */ }
    drawPower();
  }
  // A new meter reading: the power and energy figures and the curve follow it at once (the whole status comes at most
  // once a second while only such figures change).
  function onSample(sample) {
    const s = lastStatus && lastStatus.session;
    if (s && sample.sessionId === s.id) {
      text('power', kw(lastStatus.status === 'Charging' ? sample.powerW : 0));
      if (sample.energyWh !== null) { curve.energyWh = sample.energyWh; text('energy', kwh(Math.max(sample.energyWh, s.energyWh))); }
    }
    if (sample.sessionId === null || sample.sessionId !== curve.sessionId) return;
    const point = { t: Date.parse(sample.at), power: sample.powerW / 1000, offer: sample.offeredA };
    const last = curve.points[curve.points.length - 1];
    if (last && last.t >= point.t) return;
    curve.points.push(point);
    if (curve.points.length > 1000) curve.points.splice(0, curve.points.length - 1000);
    drawPower();
  }

  // --- energy per day and busy hours (refreshed when a session ends, never on a timer) --------------------------
  async function loadDaily() {
    const response = await fetch('/api/energy/daily?days=30');
    if (!response.ok) return;
    const days = (await response.json()).days;
    window.evseCharts.bars($('daily-chart'), days.map((d) => ({ label: d.date.slice(8), value: d.energyWh / 1000 })), { least: 1, labelEvery: 5, unit: 'kWh' });
    const total = days.reduce((s, d) => s + d.energyWh, 0);
    const sessions = days.reduce((s, d) => s + d.sessions, 0);
    const revenue = {};
    for (const d of days) for (const r of d.revenue) revenue[r.currency] = { minor: ((revenue[r.currency] || {}).minor || 0) + r.minor, units: r.minorUnits };
    const best = days.reduce((a, d) => (d.energyWh > a.energyWh ? d : a), days[0]);
    const revenueText = Object.entries(revenue).map(([c, r]) => money(r.minor, r.units, c)).join(', ') || '0';
    text('daily-chart-desc', sessions === 0 ? t('chart.none') : t('chart.daily.desc', { energy: kwh(total), sessions, days: days.length, revenue: revenueText, bestDay: best.date, bestEnergy: kwh(best.energyWh) }));
    $('daily-table').tBodies[0].replaceChildren(...days.filter((d) => d.sessions > 0).map((d) => row([d.date, kwh(d.energyWh), d.revenue.map((r) => money(r.minor, r.minorUnits, r.currency)).join(', '), String(d.sessions)])));
  }
  async function loadHours() {
    const response = await fetch('/api/utilization/hours?days=30');
    if (!response.ok) return;
    const report = await response.json();
    window.evseCharts.bars($('hours-chart'), report.hours.map((h) => ({ label: String(h.hour), value: h.occupiedMinutes, second: h.chargingMinutes })), { least: 10, labelEvery: 3, unit: 'min' });
    const busiest = report.hours.reduce((a, h) => (h.occupiedMinutes > a.occupiedMinutes ? h : a), report.hours[0]);
    text('hours-chart-desc', report.sessions === 0 ? t('chart.none') : t('chart.hours.desc', { hour: busiest.hour, minutes: busiest.occupiedMinutes }));
    $('hours-table').tBodies[0].replaceChildren(...report.hours.filter((h) => h.occupiedMinutes > 0 || h.sessionsStarted > 0).map((h) => row([h.hour + ':00', String(h.occupiedMinutes), String(h.chargingMinutes), String(h.sessionsStarted)])));
  }

  // --- the building's day (load management): loaded once, then a point per minute from the live status -----------
  const building = { points: [], lastMinute: null, loaded: false };
  function drawBuilding(status) {
    const load = status ? status.load : null;
    if (!building.loaded || !load) return;
    $('building').hidden = false;
    const pts = building.points;
    const first = pts[0], last = pts[pts.length - 1];
    window.evseCharts.lines($('building-chart'), pts, [{ key: 'mains', cls: 'mains' }, { key: 'ev', cls: 'ev' }, { key: 'surplus', cls: 'surplus' }],
      { start: first ? time(new Date(first.t).toISOString()) : '', end: last ? time(new Date(last.t).toISOString()) : '' });
    const mains = load.mainsPowerW === null ? '–' : kw(load.mainsPowerW);
    text('building-chart-desc', t('chart.building.desc', { mains, surplus: kw(load.surplusW ?? 0), mode: load.mode, fuse: String(load.fuseA), minutes: String(pts.length) }));
  }
  async function loadBuilding() {
    const response = await fetch('/api/load/day');
    if (!response.ok) return;
    const day = await response.json();
    building.points = day.points.map((p) => ({ t: Date.parse(p.at), mains: p.mainsW / 1000, ev: p.evW / 1000, surplus: p.surplusW / 1000 }));
    building.loaded = true;
    drawBuilding(lastStatus);
  }
  // The live status carries the building's figures now: one new point a minute keeps the chart going without polling.
  function onBuildingStatus(status) {
    const load = status.load;
    if (!load) return;
    if (!building.loaded) { building.loaded = true; void loadBuilding().catch(() => undefined); return; }
    const minute = Math.floor(Date.parse(status.at) / 60000);
    if (building.lastMinute === minute || load.mainsPowerW === null) return;
    building.lastMinute = minute;
    const ev = status.meter ? status.meter.powerW : 0;
    building.points.push({ t: minute * 60000, mains: load.mainsPowerW / 1000, ev: ev / 1000, surplus: (load.surplusW ?? 0) / 1000 });
    if (building.points.length > 1440) building.points.splice(0, building.points.length - 1440);
    drawBuilding(status);
  }

  // --- status ------------------------------------------------------------------------------------------------
  function renderSession(s, status) {
    $('session').hidden = s === null;
    if (s === null) return;
    text('session-id', '#' + s.id + (s.idTag ? ' · ' + t('session.card', { tag: s.idTag }) : ''));
    const cash = (amount) => money(amount.minor, s.cost.minorUnits, s.cost.currency);
    text('cost', s.cost ? cash(s.cost.total) : '–');
    text('cost-source', s.cost ? (s.cost.source === 'csms' ? t('session.costFromOperator') : (s.cost.final ? t('session.costFinal') : t('session.costLocal'))) : '');
    text('energy', kwh(s.energyWh));
    const charging = status.status === 'Charging';
    text('power', status.meter && charging ? kw(status.meter.powerW) : kw(0));
    text('charging-time', duration(s.chargingMs));
    text('connected-time', duration(s.connectedMs));
    const eta = s.estimatedCompletion;
    text('eta', eta ? (eta.basis === 'energy-target' ? t('session.etaTarget', { time: time(eta.at), energy: kwh(s.energyTargetWh) }) : t('session.etaTrend', { time: time(eta.at) })) : (s.chargingCompletedAt ? t('session.doneAt', { time: time(s.chargingCompletedAt) }) : '–'));
    $('idle-fee').hidden = s.idleFeeFrom === null;
    if (s.idleFeeFrom !== null) text('idle-fee', t('session.idleFee', { perMinute: padPrice(status.price.idleFeePerMinute, status.price.minorUnits), currency: status.price.currency, from: time(s.idleFeeFrom) }));
    const body = $('breakdown').tBodies[0];
    body.replaceChildren();
    if (s.cost) {
      const b = s.cost.breakdown;
      const lines = [['breakdown.energy', b.energy], ['breakdown.chargingTime', b.chargingTime], ['breakdown.idle', b.idle], ['breakdown.flatFee', b.flatFee], ['breakdown.cap', b.capAdjustment], ['breakdown.tax', b.tax]];
      for (const [key, amount] of lines) if (amount.minor !== 0) body.appendChild(row([t(key), cash(amount)]));
      body.appendChild(row([t('breakdown.localTotal'), cash(b.localTotal)]));
      if (s.cost.priceText) body.appendChild(row([t('breakdown.operatorPrice'), s.cost.priceText]));
    }
    $('clock-note').hidden = s.clockTrusted;
    $('receipt').hidden = s.stoppedAt === null;
    $('receipt-link').href = '/api/sessions/' + s.id + '/receipt?format=text';
  }

  function renderPrice(p) {
    const m = (v) => padPrice(v, p.minorUnits);
    const band = p.bandLabel ? ' (' + p.bandLabel + ')' : '';
    const change = p.changesAt ? t('price.changeAt', { price: m(p.nextPricePerKwh), time: time(p.changesAt) }) : '';
    text('price-energy', p.csmsText !== null ? p.csmsText : t('price.perKwh', { price: m(p.pricePerKwh), currency: p.currency, band, change }));
    if (p.csmsText !== null) { text('price-other', t('price.byOperator')); return; }
    const other = [];
    if (Number(p.pricePerChargingHour) > 0) other.push(t('price.perChargingHour', { price: m(p.pricePerChargingHour) }));
    if (Number(p.idleFeePerMinute) > 0) other.push(t('price.idle', { price: m(p.idleFeePerMinute), minutes: p.idleGraceMinutes }));
    if (Number(p.flatFee) > 0) other.push(t('price.flatFee', { price: m(p.flatFee) }));
    if (Number(p.minPrice) > 0) other.push(t('price.min', { price: m(p.minPrice) }));
    if (p.maxPrice !== null) other.push(t('price.max', { price: m(p.maxPrice) }));
    other.push(Number(p.taxRatePercent) > 0 ? t('price.tax', { rate: p.taxRatePercent }) : t('price.noTax'));
    text('price-other', p.currency + ': ' + other.join(' · ') + ' (' + t('price.tariff', { id: p.tariffId }) + ')');
  }

  function renderFaults(faults) {
    $('faults').hidden = faults.length === 0;
    const list = $('fault-list');
    list.replaceChildren();
    for (const f of faults) {
      const li = document.createElement('li');
      li.dataset.fault = f.name;
      const strong = document.createElement('strong');
      strong.textContent = catalogue['fault.' + f.name] ?? f.driverMessage;
      const op = document.createElement('div');
      op.className = 'operator';
      op.lang = 'en';
      op.textContent = t('faults.forOperator') + ' ' + f.operatorMessage + ' [' + f.name + ', ' + f.ocppErrorCode + '/' + f.vendorErrorCode + ', ' + time(f.raisedAt) + '; ' + f.recovery + (f.detail ? '; ' + f.detail : '') + ']';
      li.append(strong, op);
      list.appendChild(li);
    }
  }

  function render(status) {
    zone = status.station.timeZone;
    const state = $('state');
    state.className = 'card tone-' + status.guidance.tone;
    const g = status.guidance;
    const limitReason = t('limit.lead', { what: limitText(status.offer.words) });
    // A guidance that names the limit gets it in the page's language (its params carry the English text).
    const params = 'limit' in g.params ? { ...g.params, limit: limitReason } : g.params;
    text('headline', catalogue[g.headlineKey] ? t(g.headlineKey, params) : g.headline);
    text('action', catalogue[g.actionKey] ? t(g.actionKey, params) : g.action);
    text('clock', dateTime(status.at) + (status.clockTrusted ? '' : ' ' + t('clock.notSet')));
    const up = $('uplink');
    if (status.uplink === null) { up.className = 'badge'; up.textContent = t('uplink.standalone'); }
    else {
      up.className = 'badge ' + (status.uplink.connected ? 'online' : 'offline');
      up.textContent = t(status.uplink.connected ? 'uplink.online' : 'uplink.offline') + (status.uplink.outboxDepth > 0 ? ' · ' + t('uplink.queued', { count: status.uplink.outboxDepth }) : '');
    }
    renderFaults(status.faults);
    renderSession(status.session, status);
    renderPrice(status.price);
    text('ocpp-status', status.status);
    text('offer', t('station.offerValue', { amps: number(status.offer.offeredNowA, Number.isInteger(status.offer.offeredNowA) ? 0 : 1), reason: limitReason }));
    text('pilot', t('station.pilotValue', { pilot: status.pilot, contactor: status.contactor }));
    text('meter', status.meter ? kwh(status.meter.importWh) + ', ' + kw(status.meter.powerW) + (status.meter.frequencyHz !== null ? ', ' + number(status.meter.frequencyHz, 2) + ' Hz' : '') : t('station.meterNone'));
    text('phases', status.meter ? status.meter.phases.map((p, i) => 'L' + (i + 1) + ' ' + number(p.voltageV, 0) + ' V ' + number(p.currentA, 1) + ' A').join(' · ') : '–');
  }

  async function refreshSessions() {
    const response = await fetch('/api/sessions?limit=10');
    const body = await response.json();
    const note = $('history-note');
    const tbody = $('sessions').tBodies[0];
    if (!response.ok) { note.hidden = false; note.textContent = body.error; tbody.replaceChildren(); return; }
    note.hidden = body.sessions.length > 0;
    note.textContent = t('history.none');
    tbody.replaceChildren(...body.sessions.map((s) => {
      const link = document.createElement('a');
      link.href = '/api/sessions/' + s.id + '/receipt?format=text';
      link.textContent = t('history.receipt');
      return row(['' + s.id, dateTime(s.start), s.energyWh === null ? t('history.running') : kwh(s.energyWh), s.totalMoney ? money(s.totalMoney.minor, s.totalMoney.minorUnits, s.totalMoney.currency) : '–', s.stopReason ?? '', link]);
    }));
  }

  function onStatus(status) {
    const previous = lastStatus;
    lastStatus = status;
    // Other scripts of the page (the feedback form) follow the same stream instead of polling.
    window.evseLastStatus = status;
    window.dispatchEvent(new CustomEvent('evse-status', { detail: status }));
    const sessionId = status.session ? status.session.id : null;
    const previousId = previous && previous.session ? previous.session.id : null;
    render(status);
    if (sessionId !== null && sessionId !== curve.sessionId) void loadCurve(sessionId);
    else if (sessionId !== null) drawPower();
    if (sessionId === null) curve.sessionId = null;
    // The lists and the day/hour charts change only when a session starts or ends: fetch them then, not on a timer.
    const sessionChanged = previous === null || previousId !== sessionId || (previous.session && previous.session.stoppedAt) !== (status.session && status.session.stoppedAt);
    if (sessionChanged || previous.status !== status.status) void refreshSessions().catch(() => undefined);
    if (sessionChanged) { void loadDaily().catch(() => undefined); void loadHours().catch(() => undefined); }
    onBuildingStatus(status);
  }

  // --- the live stream ---------------------------------------------------------------------------------------
  let source = null;
  let watchdog = null;
  const showBroken = () => {
    const banner = $('stream-banner');
    banner.textContent = t('stream.broken', { time: lastOk ? lastOk.toLocaleTimeString(lang) : t('stream.never') });
    banner.hidden = false;
  };
  const showHealthy = () => {
    lastOk = new Date();
    const banner = $('stream-banner');
    if (!banner.hidden) { banner.hidden = true; banner.textContent = ''; }
  };
  // Heartbeats come every 15 s: a stream silent for longer is dead even if the socket has not noticed.
  const armWatchdog = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => { showBroken(); reconnect(1000); }, HEARTBEAT_GRACE_MS);
  };
  const reconnect = (delayMs) => {
    if (source) source.close();
    source = null;
    clearTimeout(watchdog);
    setTimeout(connect, delayMs);
  };
  function connect() {
    source = new EventSource('/api/events');
    armWatchdog();
    source.addEventListener('status', (e) => { armWatchdog(); showHealthy(); onStatus(JSON.parse(e.data)); });
    source.addEventListener('sample', (e) => { armWatchdog(); onSample(JSON.parse(e.data)); });
    // The heartbeat carries the station's time: the header clock stays right while nothing else changes.
    source.addEventListener('heartbeat', (e) => {
      armWatchdog();
      const at = JSON.parse(e.data).at;
      if (lastStatus) text('clock', dateTime(at) + (lastStatus.clockTrusted ? '' : ' ' + t('clock.notSet')));
    });
    source.addEventListener('error', () => {
      showBroken();
      // EventSource retries by itself after a dropped connection, but gives up for good on an HTTP error (503 …).
      if (source && source.readyState === EventSource.CLOSED) reconnect(3000);
    });
  }
  connect();
})();
`;
