"""The dashboard page: HTML, CSS and JavaScript (no framework, no CDN; Plotly.js is served
from the installed plotly package at /static/plotly.min.js).

Kept as Python strings so the page ships with the package whatever the packaging rules.
Every chart is drawn from the figure JSON the API returns, so the page shows exactly what
`POST /api/runs` answers.
"""

from __future__ import annotations

from functools import cache


@cache
def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


DASHBOARD_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rareflow: rare-earth supply chain what-ifs</title>
<link rel="stylesheet" href="/static/dashboard.css">
<script src="/static/plotly.min.js"></script>
</head>
<body data-state="loading">
<header>
  <div class="brand"><b>rareflow</b><span>rare-earth supply chain: what if?</span></div>
  <label class="pick">Scenario <select id="scenario" aria-label="scenario"></select></label>
  <div id="status" class="status">loading…</div>
</header>
<div class="layout">
  <aside>
    <p id="description" class="desc"></p>
    <h2>Levers</h2>
    <div id="levers"></div>
    <details id="policy-box" class="policies">
      <summary>Other policies and events <span id="policy-count"></span></summary>
      <div id="policy-levers"></div>
    </details>
    <h2>Compare with</h2>
    <select id="compare" aria-label="compare with">
      <option value="auto">auto: the scenario as published, or its base</option>
      <option value="none">nothing</option>
    </select>
    <div class="buttons">
      <button id="reset" type="button">Reset levers</button>
      <a id="report-link" href="#" target="_blank" rel="noopener">HTML report ↗</a>
    </div>
    <p class="small">Each change re-solves the whole chain as one linear program (HiGHS) and
      stores the run. Identical scenarios are answered from the store.
      <a href="/openapi.json">API schema</a>.</p>
  </aside>
  <main>
    <div id="error" class="error" hidden></div>
    <div id="cards" class="cards"></div>
    <section id="why-section">
      <h2>Why: shortfalls and their bottlenecks</h2>
      <ul id="shortfalls" class="sentences"></ul>
      <details id="why-more"><summary>Bottlenecks in words (<span id="why-count">0</span>)</summary>
        <ul id="explanation" class="sentences"></ul></details>
    </section>
    <section>
      <div class="row">
        <h2>The chain: mine → oxide → metal → magnet → sector</h2>
        <label>Region <select id="region" aria-label="region"></select></label>
        <label>Period <select id="period" aria-label="period"></select></label>
      </div>
      <div id="sankey" class="fig"></div>
    </section>
    <section class="grid2">
      <div id="shortfall" class="fig"></div>
      <div id="change" class="fig"></div>
    </section>
    <section class="grid2">
      <div id="prices" class="fig"></div>
      <div id="shares" class="fig"></div>
    </section>
    <section id="comparison-section">
      <h2 id="comparison-title">Comparison</h2>
      <div class="grid2">
        <div><h3>Trade flows that changed most (t over the horizon)</h3><div id="flow-changes"></div></div>
        <div><h3>Unserved demand that changed (t)</h3><div id="unserved-changes"></div></div>
      </div>
    </section>
  </main>
</div>
<script src="/static/dashboard.js"></script>
</body>
</html>
"""

DASHBOARD_CSS = """
:root { --ink:#1d2330; --muted:#5b6475; --line:#e3e7ee; --bg:#f4f6f9; --accent:#c2410c;
        --blue:#1f5fbf; }
* { box-sizing: border-box; }
body { margin:0; font: 14.5px/1.45 Inter, "Segoe UI", Helvetica, Arial, sans-serif;
       color:var(--ink); background:var(--bg); }
header { display:flex; align-items:center; gap:22px; padding:10px 22px; background:#111827;
         color:white; position:sticky; top:0; z-index:10; }
header .brand b { font-size:20px; margin-right:10px; }
header .brand span { color:#cbd5e1; }
header select { font-size:14px; padding:4px 6px; border-radius:6px; margin-left:6px; }
header .status { margin-left:auto; color:#cbd5e1; font-size:13px; }
body[data-state="busy"] header .status::before { content:"⏳ "; }
.layout { display:grid; grid-template-columns: 330px 1fr; gap:16px; padding:16px 22px; }
aside { background:white; border:1px solid var(--line); border-radius:10px; padding:14px 16px;
        align-self:start; position:sticky; top:66px; max-height:calc(100vh - 80px); overflow:auto; }
aside h2 { font-size:15px; margin:14px 0 8px; }
aside .desc { color:var(--muted); font-size:13px; margin:0; }
.lever { padding:8px 0; border-bottom:1px solid var(--line); }
.lever:last-child { border-bottom:none; }
.lever .name { font-weight:600; display:flex; align-items:center; gap:8px; }
.lever .help { color:var(--muted); font-size:12px; margin-top:3px; max-height:3.9em; overflow:hidden; }
.lever input[type=range] { width:100%; }
.lever .value { font-variant-numeric: tabular-nums; color:var(--blue); margin-left:auto; }
.lever select, aside > select { width:100%; padding:4px; border-radius:6px; border:1px solid #cbd2dc; }
.lever .two { display:grid; grid-template-columns: 1fr 90px; gap:8px; align-items:center; }
.switch { position:relative; width:38px; height:21px; flex:none; }
.switch input { opacity:0; width:0; height:0; }
.switch span { position:absolute; inset:0; background:#cbd2dc; border-radius:21px; transition:.15s;
               cursor:pointer; }
.switch span::before { content:""; position:absolute; width:17px; height:17px; left:2px; top:2px;
                       background:white; border-radius:50%; transition:.15s; }
.switch input:checked + span { background:var(--accent); }
.switch input:checked + span::before { transform:translateX(17px); }
.switch input:focus-visible + span { outline:2px solid var(--blue); }
details.policies { margin-top:10px; }
details.policies summary { cursor:pointer; font-weight:600; }
.buttons { display:flex; gap:10px; align-items:center; margin:12px 0 6px; }
button { padding:5px 12px; border-radius:6px; border:1px solid #cbd2dc; background:#f8fafc;
         cursor:pointer; }
.small { color:var(--muted); font-size:12px; }
main { min-width:0; }
section { background:white; border:1px solid var(--line); border-radius:10px; padding:12px 16px;
          margin-bottom:14px; }
section h2 { font-size:16px; margin:0 0 6px; }
section h3 { font-size:14px; margin:6px 0; }
.row { display:flex; align-items:center; gap:16px; flex-wrap:wrap; }
.row h2 { margin-right:auto; }
.row select { padding:3px 6px; border-radius:6px; border:1px solid #cbd2dc; margin-left:4px; }
.grid2 { display:grid; grid-template-columns: 1fr 1fr; gap:14px; }
section.grid2 { padding:8px; }
@media (max-width: 1250px) { .grid2 { grid-template-columns: 1fr; } }
.cards { display:grid; grid-template-columns: repeat(4, 1fr); gap:12px; margin-bottom:14px; }
.card { background:white; border:1px solid var(--line); border-radius:10px; padding:10px 14px; }
.card .k { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.card .v { font-size:21px; font-weight:650; }
.card .d { font-size:12.5px; color:var(--muted); }
.bad { color:#b91c1c; } .good { color:#15803d; }
ul.sentences { margin:4px 0; padding-left:20px; } ul.sentences li { margin:3px 0; }
#why-more summary, li.more summary { cursor:pointer; color:var(--blue); margin-top:4px; }
li.more { list-style:none; margin-left:-20px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { border-bottom:1px solid var(--line); padding:4px 6px; text-align:left; }
th { background:#f1f4f8; } td.num { text-align:right; font-variant-numeric: tabular-nums; }
td.up { color:#15803d; } td.down { color:#b91c1c; }
.error { background:#fef2f2; border:1px solid #fecaca; color:#7f1d1d; border-radius:10px;
         padding:10px 14px; margin-bottom:14px; }
.fig { width:100%; min-height:300px; }
"""

DASHBOARD_JS = r"""
'use strict';
const $ = (id) => document.getElementById(id);
const state = {info: null, levers: {}, region: 'auto', period: 'auto', compare: 'auto',
               seq: 0, run: null, timer: null};
const PLOT = {displaylogo: false, responsive: true,
              toImageButtonOptions: {format: 'png', scale: 2}};

function fmt(v, d = 0) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return Number(v).toLocaleString('en-US', {maximumFractionDigits: d, minimumFractionDigits: d});
}
function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;',
    '"': '&quot;', "'": '&#39;'}[c]));
}
async function getJSON(url, opts) {
  const r = await fetch(url, opts);
  const body = await r.json();
  if (!r.ok) { const e = new Error((body.error || {}).message || r.statusText); e.body = body; throw e; }
  return body;
}

function showError(err) {
  const box = $('error');
  if (!err) { box.hidden = true; box.innerHTML = ''; return; }
  const e = (err.body && err.body.error) || {message: String(err.message || err)};
  const probs = (e.problems || []).map((p) => `<li><code>${esc(p.path || '')}</code> ` +
    `${esc(p.message)}${p.fix ? ' — <i>' + esc(p.fix) + '</i>' : ''}</li>`);
  box.innerHTML = `<b>${esc(e.message)}</b>` + (probs.length ? `<ul>${probs.join('')}</ul>` : '');
  box.hidden = false;
}

function leverInput(lv) {
  const div = document.createElement('div');
  div.className = 'lever';
  div.dataset.lever = lv.id;
  const help = lv.help ? `<div class="help" title="${esc(lv.help)}">${esc(lv.help)}</div>` : '';
  if (lv.kind === 'toggle') {
    div.innerHTML = `<div class="name"><label class="switch"><input type="checkbox"
        id="lever-${esc(lv.id)}" ${lv.default ? 'checked' : ''}><span></span></label>
        <label for="lever-${esc(lv.id)}">${esc(lv.label)}</label></div>${help}`;
    div.querySelector('input').addEventListener('change', (e) => setLever(lv, e.target.checked));
  } else if (lv.kind === 'percent') {
    div.innerHTML = `<div class="name">${esc(lv.label)}<span class="value">${fmt(lv.default)} %</span></div>
      <input type="range" id="lever-${esc(lv.id)}" min="${lv.min}" max="${lv.max}" step="${lv.step}"
        value="${lv.default}">${help}`;
    const inp = div.querySelector('input'), out = div.querySelector('.value');
    inp.addEventListener('input', () => { out.textContent = fmt(inp.value) + ' %'; });
    inp.addEventListener('change', () => setLever(lv, Number(inp.value)));
  } else if (lv.kind === 'select') {
    const opts = lv.options.map((o) =>
      `<option value="${esc(o.value)}" ${o.value === lv.default ? 'selected' : ''}>${esc(o.label)}</option>`);
    div.innerHTML = `<div class="name">${esc(lv.label)}</div>
      <select id="lever-${esc(lv.id)}">${opts.join('')}</select>${help}`;
    div.querySelector('select').addEventListener('change', (e) => setLever(lv, e.target.value));
  } else if (lv.kind === 'plant') {
    const years = lv.options.map((o) => `<option value="${esc(o.value)}" ` +
      `${o.value === lv.default.year ? 'selected' : ''}>${esc(o.label)}</option>`);
    div.innerHTML = `<div class="name">${esc(lv.label)}<span class="value">none</span></div>
      <div class="two"><input type="range" id="lever-${esc(lv.id)}-size" min="${lv.min}" max="${lv.max}"
        step="${lv.step}" value="${lv.default.size}" aria-label="size (t/yr)">
        <select id="lever-${esc(lv.id)}-year" aria-label="first year">${years.join('')}</select>
      </div>${help}`;
    const size = div.querySelector('input'), year = div.querySelector('select');
    const out = div.querySelector('.value');
    const label = () => { out.textContent = Number(size.value) > 0 ?
      `${fmt(size.value)} t/yr from ${year.value}` : 'none'; };
    const send = () => { label(); setLever(lv, {size: Number(size.value), year: year.value}); };
    size.addEventListener('input', label);
    size.addEventListener('change', send);
    year.addEventListener('change', send);
  }
  return div;
}

function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

function setLever(lv, value) {
  if (same(value, lv.default) || (lv.kind === 'plant' && value.size === 0)) delete state.levers[lv.id];
  else state.levers[lv.id] = value;
  writeHash();
  schedule();
}

function renderLevers() {
  const seed = $('levers'), pol = $('policy-levers');
  seed.innerHTML = ''; pol.innerHTML = '';
  const levers = state.info.levers;
  for (const lv of levers) (lv.group === 'policies' ? pol : seed).appendChild(leverInput(lv));
  const n = levers.filter((l) => l.group === 'policies').length;
  $('policy-count').textContent = `(${n})`;
  $('policy-box').hidden = n === 0;
  if (!levers.some((l) => l.group !== 'policies'))
    seed.innerHTML = '<p class="small">No seed levers apply to this scenario.</p>';
}

function fillSelect(sel, options, value) {
  sel.innerHTML = options.map(([v, l]) =>
    `<option value="${esc(v)}" ${v === value ? 'selected' : ''}>${esc(l)}</option>`).join('');
}

function renderViewSelects(d) {
  const regions = Object.entries(state.info.regions);
  const autoR = d && d.view.region ? `auto (${d.view.region})` : 'auto';
  const short = (l) => (l.length > 24 ? l.slice(0, 22) + '…' : l);
  fillSelect($('region'), [['auto', autoR], ['all', 'all regions'], ...regions.map(([k, l]) =>
    [k, `${short(l)} (${k})`])], state.region);
  const autoP = d ? `auto (${d.view.period})` : 'auto';
  fillSelect($('period'), [['auto', autoP], ...state.info.periods.map((p) => [p, p])], state.period);
}

function card(k, v, d, cls) {
  return `<div class="card"><div class="k">${esc(k)}</div><div class="v ${cls || ''}">${esc(v)}</div>
    <div class="d">${esc(d || '')}</div></div>`;
}

function table(rows, cols, labels) {
  if (!rows || !rows.length) return '<p class="small">No change.</p>';
  const head = cols.map((c, i) => `<th>${esc(labels[i])}</th>`).join('');
  const body = rows.map((r) => '<tr>' + cols.map((c) => {
    const v = r[c];
    if (typeof v === 'number') {
      const cls = c === 'change' ? (v > 0 ? 'num up' : 'num down') : 'num';
      return `<td class="${cls}">${c === 'change' && v > 0 ? '+' : ''}${fmt(v)}</td>`;
    }
    return `<td>${esc(v === null || v === undefined ? '' : v)}</td>`;
  }).join('') + '</tr>').join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function draw(id, fig) {
  const el = $(id);
  if (!fig) { el.hidden = true; Plotly.purge(el); return; }
  el.hidden = false;
  Plotly.react(el, fig.data, fig.layout, PLOT);
}

function render(d) {
  const c = d.comparison;
  const cur = d.currency;
  let cards = '';
  if (c) {
    const du = c.unserved - c.unserved_base;
    cards += card('Unserved demand', `${fmt(d.unserved_total)} t`,
      `${du >= 0 ? '+' : ''}${fmt(du)} t vs ${c.base}`, d.unserved_total > 0 ? 'bad' : 'good');
    const dobj = c.objective - c.objective_base;
    cards += card('Total cost (objective)', `${fmt(d.objective / 1e6)} M ${cur}`,
      `${dobj >= 0 ? '+' : ''}${fmt(dobj / 1e6, 1)} M ${cur} vs ${c.base}`);
  } else {
    cards += card('Unserved demand', `${fmt(d.unserved_total)} t`, 'over the whole horizon',
      d.unserved_total > 0 ? 'bad' : 'good');
    cards += card('Total cost (objective)', `${fmt(d.objective / 1e6)} M ${cur}`, 'no comparison');
  }
  const sectors = new Set(d.tables.unserved.filter((r) => r.amount > 1e-6)
    .map((r) => r.region + '/' + r.sector));
  cards += card('Demands short', `${sectors.size}`, 'region × sector with any shortfall');
  cards += card('Run', `#${d.run_id}`, `${d.reused ? 'reused from the store' : 'solved'} in ` +
    `${fmt(d.seconds, 2)} s · ${d.status}`);
  $('cards').innerHTML = cards;
  const lines = d.shortfalls.map((s) => `<li>${esc(s)}</li>`);
  $('shortfalls').innerHTML = lines.slice(0, 4).join('') + (lines.length > 4 ?
    `<li class="more"><details><summary>${lines.length - 4} more</summary><ul>` +
    lines.slice(4).join('') + '</ul></details></li>' : '');
  $('explanation').innerHTML = d.explanation.map((s) => `<li>${esc(s)}</li>`).join('');
  $('why-count').textContent = d.explanation.length;
  $('why-more').hidden = d.explanation.length === 0;
  draw('sankey', d.figures.sankey);
  draw('shortfall', d.figures.shortfall);
  draw('change', d.figures.change || null);
  draw('prices', d.figures.prices);
  draw('shares', d.figures.shares);
  $('comparison-section').hidden = !c;
  if (c) {
    $('comparison-title').textContent = `${d.scenario}${Object.keys(state.levers).length ?
      ' with your levers' : ''} compared with ${c.base}`;
    $('flow-changes').innerHTML = table(c.flow_changes,
      ['origin', 'destination', 'commodity', 'base', 'scenario', 'change'],
      ['from', 'to', 'commodity', 'before', 'now', 'change']);
    $('unserved-changes').innerHTML = table(c.unserved_changes.slice(0, 20),
      ['region', 'sector', 'period', 'base', 'scenario', 'change'],
      ['region', 'sector', 'period', 'before', 'now', 'change']);
  }
  const vs = c && c.base_run_id ? `?vs=${c.base_run_id}` : '';
  $('report-link').href = `/api/runs/${d.run_id}/report${vs}`;
  renderViewSelects(d);
  $('status').textContent = `run #${d.run_id} · ${d.reused ? 'reused' : 'solved'} in ` +
    `${fmt(d.seconds, 2)} s`;
}

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(runNow, 120);
}

async function runNow() {
  const seq = ++state.seq;
  document.body.dataset.state = 'busy';
  $('status').textContent = 'solving…';
  const body = {scenario: state.info.name, levers: state.levers, compare_with: state.compare,
                region: state.region, period: state.period};
  try {
    const d = await getJSON('/api/runs', {method: 'POST',
      headers: {'content-type': 'application/json'}, body: JSON.stringify(body)});
    if (seq !== state.seq) return;
    showError(null);
    state.run = d;
    render(d);
    document.body.dataset.runId = d.run_id;
    document.body.dataset.seq = String(seq);
    document.body.dataset.state = 'ready';
  } catch (err) {
    if (seq !== state.seq) return;
    showError(err);
    $('status').textContent = 'error';
    document.body.dataset.state = 'error';
  }
}

function writeHash() {
  const h = {s: state.info.name, l: state.levers};
  if (state.region !== 'auto') h.r = state.region;
  if (state.period !== 'auto') h.p = state.period;
  if (state.compare !== 'auto') h.c = state.compare;
  history.replaceState(null, '', '#' + encodeURIComponent(JSON.stringify(h)));
}

function readHash() {
  try { return JSON.parse(decodeURIComponent(location.hash.slice(1))) || {}; } catch (e) { return {}; }
}

async function selectScenario(name, saved) {
  state.info = await getJSON('/api/scenarios/' + encodeURIComponent(name));
  state.levers = {}; state.region = 'auto'; state.period = 'auto';
  if (saved && saved.s === name) {
    state.levers = saved.l || {}; state.region = saved.r || 'auto'; state.period = saved.p || 'auto';
  }
  $('description').textContent = state.info.description;
  renderLevers();
  for (const [id, v] of Object.entries(state.levers)) applyLeverValue(id, v);
  renderViewSelects(null);
  writeHash();
  await runNow();
}

function applyLeverValue(id, v) {
  const lv = state.info.levers.find((l) => l.id === id);
  if (!lv) { delete state.levers[id]; return; }
  const el = document.querySelector(`[data-lever="${CSS.escape(id)}"]`);
  if (lv.kind === 'toggle') el.querySelector('input').checked = !!v;
  else if (lv.kind === 'percent') { el.querySelector('input').value = v;
    el.querySelector('.value').textContent = fmt(v) + ' %'; }
  else if (lv.kind === 'select') el.querySelector('select').value = v;
  else if (lv.kind === 'plant') { el.querySelector('input').value = v.size;
    el.querySelector('select').value = v.year;
    el.querySelector('.value').textContent = `${fmt(v.size)} t/yr from ${v.year}`; }
}

async function init() {
  const saved = readHash();
  const list = await getJSON('/api/scenarios');
  const names = list.map((s) => s.name);
  fillSelect($('scenario'), list.map((s) => [s.name, s.name]), null);
  const cmp = $('compare');
  for (const n of names) cmp.insertAdjacentHTML('beforeend',
    `<option value="${esc(n)}">${esc(n)} (as published)</option>`);
  const first = names.includes(saved.s) ? saved.s :
    (names.includes('baseline-2024') ? 'baseline-2024' : names[0]);
  $('scenario').value = first;
  if (saved.c) { state.compare = saved.c; cmp.value = saved.c; }
  $('scenario').addEventListener('change', (e) => selectScenario(e.target.value, null));
  $('region').addEventListener('change', (e) => { state.region = e.target.value; writeHash(); schedule(); });
  $('period').addEventListener('change', (e) => { state.period = e.target.value; writeHash(); schedule(); });
  cmp.addEventListener('change', (e) => { state.compare = e.target.value; writeHash(); schedule(); });
  $('reset').addEventListener('click', () => selectScenario(state.info.name, null));
  await selectScenario(first, saved);
}

init().catch((err) => { showError(err); document.body.dataset.state = 'error'; });
"""
