/**
 * The page's stylesheet, phone first: the base rules are for a 360 px wide screen (one column, nothing wider than
 * the screen, touch targets of at least 44 px); wider screens only get more room.
 */
export const pageStyle = `
:root { font-family: system-ui, sans-serif; color: #1b1f24; background: #f3f5f7; }
*, *::before, *::after { box-sizing: border-box; }
body { margin: 0; overflow-wrap: anywhere; }
header { display: flex; gap: .5rem 1rem; align-items: center; padding: .5rem .75rem; background: #1b1f24; color: #fff; flex-wrap: wrap; }
header h1 { font-size: 1.1rem; margin: 0; flex: 1 1 auto; min-width: 0; }
main { max-width: 48rem; margin: 0 auto; padding: .5rem; display: grid; gap: .5rem; grid-template-columns: minmax(0, 1fr); }
.card { background: #fff; border-radius: .5rem; padding: .75rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); min-width: 0; }
.card h2 { margin: 0 0 .5rem; font-size: 1.05rem; }
#state h2 { font-size: 1.6rem; }
#state p { font-size: 1.1rem; margin: .25rem 0 0; }
.tone-ready { border-left: .5rem solid #2e7d32; }
.tone-busy { border-left: .5rem solid #1565c0; }
.tone-done { border-left: .5rem solid #6a1b9a; }
.tone-paused { border-left: .5rem solid #ef6c00; }
.tone-fault { border-left: .5rem solid #c62828; background: #fff5f5; }
.figures { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .75rem; }
.figures div { display: flex; flex-direction: column; min-width: 0; }
.label { font-size: .8rem; color: #4f5963; text-transform: uppercase; letter-spacing: .03em; }
.big { font-size: 1.4rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.muted { color: #4f5963; font-size: .9rem; }
header .muted { color: #c9d1d9; }
.badge { padding: .15rem .6rem; border-radius: 1rem; font-size: .85rem; background: #4f5963; }
.badge.online { background: #2e7d32; }
.badge.offline { background: #c62828; }
.banner { background: #b71c1c; color: #fff; padding: .5rem 1rem; margin: 0; text-align: center; }
.notice { background: #fff8e1; border-radius: .25rem; padding: .5rem; }
#feedback:empty { display: none; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .5rem .25rem 0; vertical-align: top; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; max-width: 100%; }
.table-wrap th, .table-wrap td { overflow-wrap: normal; }
/* A phone has no room for why a session ended: the receipt says it. */
@media (max-width: 29.99rem) { #sessions th:nth-child(5), #sessions td:nth-child(5) { display: none; } }
#faults li { margin-bottom: .5rem; }
#faults .operator { color: #4f5963; font-size: .9rem; }
/* Fingers, not pointers: every link and toggle is at least 44 px high and wide. */
a, summary, button { min-height: 44px; min-width: 44px; display: inline-flex; align-items: center; }
summary { display: flex; cursor: pointer; }
a { color: #0d47a1; }
.chart { margin: .75rem 0 0; }
.chart figcaption { font-weight: 600; margin-bottom: .25rem; }
svg { display: block; width: 100%; height: auto; max-height: 14rem; }
svg .axis { stroke: #8a949e; stroke-width: 1; }
svg .grid { stroke: #e3e7eb; stroke-width: 1; }
svg text { font-size: 9px; fill: #4f5963; }
svg .power { fill: none; stroke: #1565c0; stroke-width: 2; }
svg .offer { fill: none; stroke: #ef6c00; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .bar { fill: #1565c0; }
svg .bar.charging { fill: #2e7d32; }
.legend { font-size: .85rem; color: #4f5963; margin: .25rem 0 0; }
.key { display: inline-block; width: 1rem; height: .2rem; vertical-align: middle; margin: 0 .3rem 0 .6rem; }
.key-power { background: #1565c0; }
.key-offer { background: #ef6c00; }
svg .mains { fill: none; stroke: #6a1b9a; stroke-width: 1.5; }
svg .ev { fill: none; stroke: #1565c0; stroke-width: 2; }
svg .surplus { fill: none; stroke: #2e7d32; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .zero { stroke: #8a949e; stroke-width: 1; stroke-dasharray: 2 2; }
.key-mains { background: #6a1b9a; }
.key-ev { background: #1565c0; }
.key-surplus { background: #2e7d32; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (min-width: 40rem) {
  header { padding: .75rem 1rem; }
  main { padding: 1rem; gap: 1rem; }
  .card { padding: 1rem 1.25rem; }
  #state h2 { font-size: 1.8rem; }
  .figures { grid-template-columns: repeat(3, minmax(0, 1fr)); }
}
`;
