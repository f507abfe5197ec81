/**
 * The /operator page: its own small document, script and stylesheet (served only when a password hash is configured).
 * Phone-first (one column at 360 px). Every text from the station (alert messages, evidence, the action log) is set
 * with textContent; nothing comes from elsewhere (the main page's Content-Security-Policy applies).
 */

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function operatorPageHtml(stationId: string): string {
  const id = escapeHtml(stationId);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${id} · operator</title>
<link rel="stylesheet" href="/operator/style.css">
<script src="/operator/app.js" defer></script>
</head>
<body>
<header><h1>${id} · operator</h1><a href="/">Station page</a></header>
<main>
  <section id="login" class="card" hidden>
    <h2>Log in</h2>
    <form id="login-form" method="post" action="/operator/login">
      <label for="password">Operator password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <button type="submit">Log in</button>
    </form>
    <p id="login-status" role="status"></p>
  </section>

  <div id="console" hidden>
    <p id="action-status" role="status" class="notice" hidden></p>
    <section class="card">
      <h2>Station</h2>
      <div class="buttons">
        <button id="stop-session" type="button">Stop the running session</button>
        <button id="reset-faults" type="button">Reset latched faults</button>
        <button id="set-inoperative" type="button">Take out of service</button>
        <button id="set-operative" type="button">Put back in service</button>
        <button id="download-diagnostics" type="button">Download diagnostics</button>
        <button id="logout" type="button">Log out</button>
      </div>
    </section>
    <section id="load" class="card" hidden>
      <h2>Load management</h2>
      <form id="load-form">
        <label for="load-mode">Mode</label>
        <select id="load-mode" name="mode">
          <option value="fuse">Fuse: stay under the building's fuse</option>
          <option value="solar">Solar: charge from surplus only</option>
          <option value="solar-min">Solar + minimum: surplus on top of 6 A</option>
          <option value="off">Off: no building limit</option>
        </select>
        <button type="submit">Set mode</button>
      </form>
    </section>
    <section id="alerts" class="card">
      <h2>Alerts</h2>
      <p id="alerts-empty" class="muted" hidden>No open alerts.</p>
      <ul id="alert-list"></ul>
    </section>
    <section id="health" class="card">
      <h2>Health</h2>
      <table><tbody id="health-table"></tbody></table>
    </section>
    <section id="log" class="card">
      <h2>Recent actions</h2>
      <ul id="action-log"></ul>
    </section>
  </div>
</main>
</body>
</html>
`;
}

export const operatorPageStyle = `
:root { font-family: system-ui, sans-serif; color: #1b1f24; background: #f3f5f7; }
body { margin: 0; }
header { display: flex; gap: 1rem; align-items: center; padding: .75rem 1rem; background: #1b1f24; color: #fff; flex-wrap: wrap; }
header h1 { font-size: 1.1rem; margin: 0; flex: 1; }
header a { color: #c9e1ff; }
main { max-width: 48rem; margin: 0 auto; padding: .75rem; display: grid; gap: .75rem; }
#console { display: grid; gap: .75rem; }
#console[hidden] { display: none; }
.card { background: #fff; border-radius: .5rem; padding: .75rem 1rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); min-width: 0; }
.card h2 { margin: 0 0 .5rem; font-size: 1.05rem; }
.buttons { display: grid; grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); gap: .5rem; }
button { font: inherit; padding: .55rem .75rem; border-radius: .35rem; border: 1px solid #1565c0; background: #1565c0; color: #fff; min-height: 2.75rem; }
button.secondary { background: #fff; color: #1565c0; }
input, select { font: inherit; padding: .5rem; width: 100%; box-sizing: border-box; margin: .25rem 0 .5rem; min-height: 2.75rem; }
.muted { color: #5b6570; font-size: .9rem; }
.notice { background: #fff8e1; border-radius: .25rem; padding: .5rem; }
#alert-list, #action-log { list-style: none; padding: 0; margin: 0; display: grid; gap: .75rem; }
#alert-list li { border-left: .35rem solid #ef6c00; padding-left: .6rem; overflow-wrap: anywhere; }
#alert-list li.critical { border-color: #c62828; }
#alert-list li.info { border-color: #1565c0; }
#alert-list .evidence { font-family: ui-monospace, monospace; font-size: .8rem; white-space: pre-wrap; overflow-wrap: anywhere; background: #f3f5f7; padding: .4rem; margin: .25rem 0; }
#alert-list .row { display: flex; gap: .5rem; flex-wrap: wrap; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .2rem .5rem .2rem 0; vertical-align: top; overflow-wrap: anywhere; }
#action-log li { font-size: .9rem; overflow-wrap: anywhere; }
`;

/** The page's script (plain ES2020). */
export const operatorPageScript = `'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  let csrf = null;
  const el = (tag, props, ...children) => { const e = document.createElement(tag); Object.assign(e, props || {}); for (const c of children) e.append(c); return e; };
  const say = (message) => { const s = $('action-status'); s.hidden = false; s.textContent = message; };
  const dateTime = (ms) => ms ? new Date(ms).toLocaleString() : '–';

  async function call(method, url, body) {
    const response = await fetch(url, { method, headers: Object.assign({ 'x-csrf-token': csrf || '' }, body === undefined ? {} : { 'content-type': 'application/json' }), body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401) { showLogin('Your session ended: log in again.'); throw new Error('not logged in'); }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.error || ('HTTP ' + response.status));
    return answer;
  }

  function showLogin(message) {
    csrf = null;
    $('console').hidden = true;
    $('login').hidden = false;
    $('login-status').textContent = message || '';
  }

  async function showConsole(token) {
    csrf = token;
    $('login').hidden = true;
    $('console').hidden = false;
    await refresh();
  }

  function renderAlerts(alerts) {
    const list = $('alert-list');
    list.replaceChildren();
    $('alerts-empty').hidden = alerts.length > 0;
    for (const a of alerts) {
      const li = el('li', { className: a.severity });
      li.dataset.alert = String(a.id);
      li.dataset.state = a.state || 'open';
      // The monitor keeps its evidence as JSON text inside the detail: shown unfolded, still as text.
      const unfold = (v) => { if (typeof v !== 'string' || !/^[[{]/.test(v)) return v; try { return JSON.parse(v); } catch (err) { return v; } };
      const evidence = a.detail ? JSON.stringify(Object.fromEntries(Object.entries(a.detail).map(([k, v]) => [k, unfold(v)])), null, 1) : '';
      li.append(
        el('strong', { textContent: a.message }),
        el('div', { className: 'muted', textContent: a.code + ' · ' + a.severity + ' · ' + (a.state || 'open') + (a.count > 1 ? ' · ' + a.count + ' times' : '') + ' · since ' + dateTime(a.atMs) }),
        el('div', { className: 'guidance', textContent: 'What to do: ' + a.guidance }),
      );
      if (evidence) li.append(el('div', { className: 'evidence', textContent: evidence }));
      const row = el('div', { className: 'row' });
      if ((a.state || 'open') === 'open') row.append(el('button', { type: 'button', className: 'secondary acknowledge', textContent: 'Acknowledge', onclick: () => void act('POST', '/operator/api/alerts/' + a.id + '/acknowledge', {}, 'Alert ' + a.id + ' acknowledged') }));
      row.append(el('button', { type: 'button', className: 'secondary close', textContent: 'Close', onclick: () => void act('POST', '/operator/api/alerts/' + a.id + '/close', {}, 'Alert ' + a.id + ' closed') }));
      li.append(row);
      list.append(li);
    }
  }

  function renderHealth(h) {
    const rows = [
      ['Meter errors', Object.keys(h.meterErrors).length === 0 ? 'none' : Object.entries(h.meterErrors).map(([k, v]) => k + ': ' + v).join(', ')],
      ['Faults raised since start', Object.keys(h.faultsRaised).length === 0 ? 'none' : Object.entries(h.faultsRaised).map(([k, v]) => k + ': ' + v).join(', ')],
      ['Uplink', h.uplink === null ? 'no CSMS configured' : (h.uplink.connected ? 'connected' : 'not connected') + ', ' + h.uplink.registration + ', ' + h.uplink.deadLetters + ' dead letters'],
      ['Queued for the CSMS', String(h.outboxDepth)],
      ['Journal size', h.journalBytes === null ? 'unknown' : (h.journalBytes / 1048576).toFixed(1) + ' MiB'],
      ['Control loop lag (p99)', (h.eventLoopLag.p99Seconds * 1000).toFixed(1) + ' ms'],
    ];
    if (h.loadMode !== null) rows.push(['Load management', h.loadMode]);
    $('load').hidden = h.loadMode === null;
    // The select follows the station unless the operator is choosing right now.
    if (h.loadMode !== null && document.activeElement !== $('load-mode')) $('load-mode').value = h.loadMode;
    $('health-table').replaceChildren(...rows.map(([k, v]) => el('tr', {}, el('th', { textContent: k }), el('td', { textContent: v }))));
  }

  function renderLog(actions) {
    $('action-log').replaceChildren(...actions.map((a) => el('li', { textContent: dateTime(a.atMs) + ' · ' + a.clientAddress + ' · ' + a.action + (a.args ? ' ' + JSON.stringify(a.args) : '') + ' → ' + (a.ok ? '' : 'refused: ') + a.result })));
  }

  async function refresh() {
    const [alerts, health, log] = await Promise.all([call('GET', '/operator/api/alerts'), call('GET', '/operator/api/health'), call('GET', '/operator/api/actions?limit=20')]);
    renderAlerts(alerts.alerts);
    renderHealth(health);
    renderLog(log.actions);
  }

  async function act(method, url, body, done) {
    try {
      const answer = await call(method, url, body);
      say(typeof done === 'function' ? done(answer) : done);
    } catch (err) {
      say('Not done: ' + err.message);
    }
    await refresh().catch(() => undefined);
  }

  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const response = await fetch('/operator/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: $('password').value }) });
    const answer = await response.json().catch(() => ({}));
    $('password').value = '';
    if (response.ok) { await showConsole(answer.csrfToken); return; }
    $('login-status').textContent = response.status === 429 ? 'Too many failed logins: wait ' + response.headers.get('retry-after') + ' s.' : (answer.error || ('HTTP ' + response.status));
  });
  $('stop-session').onclick = () => void act('POST', '/operator/api/session/stop', {}, (a) => 'Session ' + a.sessionId + ' is stopping.');
  $('reset-faults').onclick = () => void act('POST', '/operator/api/faults/reset', {}, (a) => a.reset.length === 0 ? 'No latched fault could be reset.' : 'Reset: ' + a.reset.join(', '));
  $('set-inoperative').onclick = () => void act('POST', '/operator/api/availability', { operative: false }, (a) => 'Out of service (' + a.status + ').');
  $('set-operative').onclick = () => void act('POST', '/operator/api/availability', { operative: true }, (a) => 'Back in service (' + a.status + ').');
  $('load-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void act('POST', '/operator/api/load-mode', { mode: $('load-mode').value }, (a) => 'Load management: ' + a.mode + ' (was ' + a.from + ').');
  });
  $('logout').onclick = async () => { await call('POST', '/operator/logout', {}).catch(() => undefined); showLogin('Logged out.'); };
  $('download-diagnostics').onclick = async () => {
    const response = await fetch('/operator/api/diagnostics');
    if (!response.ok) { say('Not done: HTTP ' + response.status); return; }
    const name = (response.headers.get('content-disposition') || '').replace(/^.*filename="([^"]+)".*$/, '$1') || 'diagnostics.json.gz';
    const link = el('a', { href: URL.createObjectURL(await response.blob()), download: name });
    document.body.append(link); link.click(); link.remove();
    say('Diagnostics downloaded: ' + name);
  };

  fetch('/operator/api/session').then(async (response) => {
    if (response.ok) await showConsole((await response.json()).csrfToken); else showLogin('');
  }, () => showLogin('The station did not answer.'));
  setInterval(() => { if (csrf !== null) void refresh().catch(() => undefined); }, 5000);
})();
`;
