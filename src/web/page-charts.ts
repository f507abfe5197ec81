/**
 * The page's charts, drawn as inline SVG by the page itself (no library, nothing from a CDN: a station is often
 * offline). `window.evseCharts.line(svg, …)` draws a session's power and offered current over time on two scales;
 * `window.evseCharts.bars(svg, …)` draws a bar per day or hour. Each chart keeps its <title> and <desc> (the caller
 * writes a sentence into the desc) so a screen reader gets the figures, not the drawing.
 */
export const chartScript = `'use strict';
(() => {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 320, H = 150, LEFT = 30, RIGHT = 290, TOP = 8, BOTTOM = 128;
  const el = (name, attrs, text) => {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  // Keeps <title> and <desc>, removes the old drawing.
  const clear = (svg) => { for (const child of [...svg.children]) if (child.tagName !== 'title' && child.tagName !== 'desc') child.remove(); };
  // A round upper bound for an axis: 1, 2, 2.5, 5 × 10^n.
  const niceMax = (v, least) => {
    const x = Math.max(v, least);
    const p = Math.pow(10, Math.floor(Math.log10(x)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
    return 10 * p;
  };
  const frame = (g) => {
    for (const f of [0, 0.5, 1]) g.appendChild(el('line', { class: 'grid', x1: LEFT, x2: RIGHT, y1: BOTTOM - f * (BOTTOM - TOP), y2: BOTTOM - f * (BOTTOM - TOP) }));
    g.appendChild(el('line', { class: 'axis', x1: LEFT, x2: RIGHT, y1: BOTTOM, y2: BOTTOM }));
  };

  /** points: [{ t: ms, power: kW, offer: A|null }]; labels: { start, end } texts under the x axis. */
  function line(svg, points, labels) {
    clear(svg);
    const g = el('g', { 'aria-hidden': 'true' });
    frame(g);
    if (points.length === 0) { svg.appendChild(g); return; }
    const t0 = points[0].t, t1 = Math.max(points[points.length - 1].t, t0 + 1);
    const kwMax = niceMax(Math.max(...points.map((p) => p.power)), 1);
    const aMax = niceMax(Math.max(...points.map((p) => p.offer ?? 0)), 6);
    const x = (t) => LEFT + ((t - t0) / (t1 - t0)) * (RIGHT - LEFT);
    const y = (v, max) => BOTTOM - (v / max) * (BOTTOM - TOP);
    const path = (value, max) => {
      let d = '';
      let pen = 'M';
      for (const p of points) {
        const v = value(p);
        if (v === null || v === undefined) { pen = 'M'; continue; }
        d += pen + x(p.t).toFixed(1) + ' ' + y(v, max).toFixed(1) + ' ';
        pen = 'L';
      }
      return d.trim();
    };
    const offer = path((p) => p.offer, aMax);
    if (offer) g.appendChild(el('path', { class: 'offer', d: offer }));
    g.appendChild(el('path', { class: 'power', d: path((p) => p.power, kwMax) || 'M0 0' }));
    g.appendChild(el('text', { x: LEFT - 3, y: TOP + 8, 'text-anchor': 'end' }, String(kwMax)));
    g.appendChild(el('text', { x: LEFT - 3, y: BOTTOM, 'text-anchor': 'end' }, '0'));
    g.appendChild(el('text', { x: RIGHT + 3, y: TOP + 8 }, aMax + ' A'));
    g.appendChild(el('text', { x: LEFT - 3, y: TOP + 18, 'text-anchor': 'end' }, 'kW'));
    g.appendChild(el('text', { x: LEFT, y: H - 8 }, labels.start));
    g.appendChild(el('text', { x: RIGHT, y: H - 8, 'text-anchor': 'end' }, labels.end));
    svg.appendChild(g);
  }

  /** bars: [{ label, value, second? }] (second: a thinner bar in front, e.g. charging within occupied); every nth label shown. */
  function bars(svg, items, options) {
    clear(svg);
    const g = el('g', { 'aria-hidden': 'true' });
    frame(g);
    const max = niceMax(Math.max(0, ...items.map((i) => i.value)), options.least);
    const step = (RIGHT - LEFT) / Math.max(1, items.length);
    items.forEach((item, i) => {
      const h = (item.value / max) * (BOTTOM - TOP);
      const x = LEFT + i * step;
      if (h > 0) g.appendChild(el('rect', { class: 'bar', x: (x + step * 0.12).toFixed(1), y: (BOTTOM - h).toFixed(1), width: (step * 0.76).toFixed(1), height: h.toFixed(1) }));
      if (item.second !== undefined && item.second > 0) {
        const h2 = (item.second / max) * (BOTTOM - TOP);
        g.appendChild(el('rect', { class: 'bar charging', x: (x + step * 0.3).toFixed(1), y: (BOTTOM - h2).toFixed(1), width: (step * 0.4).toFixed(1), height: h2.toFixed(1) }));
      }
      if (i % options.labelEvery === 0) g.appendChild(el('text', { x: (x + step / 2).toFixed(1), y: H - 8, 'text-anchor': 'middle' }, item.label));
    });
    g.appendChild(el('text', { x: LEFT - 3, y: TOP + 8, 'text-anchor': 'end' }, String(max)));
    g.appendChild(el('text', { x: LEFT - 3, y: TOP + 18, 'text-anchor': 'end' }, options.unit));
    g.appendChild(el('text', { x: LEFT - 3, y: BOTTOM, 'text-anchor': 'end' }, '0'));
    svg.appendChild(g);
  }

  /**
   * series: [{ t: ms, [key]: kW }] drawn as one line per key on one kW scale that reaches below zero when a value does
   * (export at the grid connection); keys: [{ key, cls }].
   */
  function lines(svg, points, keys, labels) {
    clear(svg);
    const g = el('g', { 'aria-hidden': 'true' });
    frame(g);
    if (points.length === 0) { svg.appendChild(g); return; }
    const values = points.flatMap((p) => keys.map((k) => p[k.key]));
    const top = niceMax(Math.max(0, ...values), 1);
    const low = Math.min(0, ...values) < 0 ? -niceMax(-Math.min(...values), 1) : 0;
    const t0 = points[0].t, t1 = Math.max(points[points.length - 1].t, t0 + 1);
    const x = (t) => LEFT + ((t - t0) / (t1 - t0)) * (RIGHT - LEFT);
    const y = (v) => BOTTOM - ((v - low) / (top - low)) * (BOTTOM - TOP);
    if (low < 0) g.appendChild(el('line', { class: 'zero', x1: LEFT, x2: RIGHT, y1: y(0).toFixed(1), y2: y(0).toFixed(1) }));
    for (const k of keys) {
      const d = points.map((p, i) => (i === 0 ? 'M' : 'L') + x(p.t).toFixed(1) + ' ' + y(p[k.key]).toFixed(1)).join(' ');
      g.appendChild(el('path', { class: k.cls, d }));
    }
    g.appendChild(el('text', { x: LEFT - 3, y: TOP + 8, 'text-anchor': 'end' }, String(top)));
    g.appendChild(el('text', { x: LEFT - 3, y: TOP + 18, 'text-anchor': 'end' }, 'kW'));
    g.appendChild(el('text', { x: LEFT - 3, y: BOTTOM, 'text-anchor': 'end' }, String(low)));
    g.appendChild(el('text', { x: LEFT, y: H - 8 }, labels.start));
    g.appendChild(el('text', { x: RIGHT, y: H - 8, 'text-anchor': 'end' }, labels.end));
    svg.appendChild(g);
  }

  window.evseCharts = { line, bars, lines };
})();
`;
