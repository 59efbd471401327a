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
  // money that would be paid apart from the penalty valuation of shortfalls and missed targets
  const split = (costs, objective) => {
    let paid = 0, valued = 0;
    for (const [term, v] of Object.entries(costs || {})) {
      if (term.includes('penalty')) valued += v; else paid += v;
    }
    if (!Object.keys(costs || {}).length) paid = objective;
    return [paid, valued];
  };
  const [paid, valued] = split(d.summary && d.summary.costs, d.objective);
  const mln = (v) => fmt(v / 1e6, Math.abs(v) < 1e7 ? 2 : 0);
  const money = (v) => `${mln(v)} M ${cur}`;
  const delta = (v) => `${v >= 0 ? '+' : '−'}${mln(Math.abs(v))} M ${cur}`;
  if (c) {
    const du = c.unserved - c.unserved_base;
    cards += card('Unserved demand', `${fmt(d.unserved_total)} t`,
      `${du >= 0 ? '+' : ''}${fmt(du)} t vs ${c.base}`, d.unserved_total > 0 ? 'bad' : 'good');
  } else {
    cards += card('Unserved demand', `${fmt(d.unserved_total)} t`, 'over the whole horizon',
      d.unserved_total > 0 ? 'bad' : 'good');
  }
  // the base delta when there is a base: cost as money paid, the penalty valuation apart
  const [bpaid, bvalued] = c ? split(c.costs_base, c.objective_base) : [0, 0];
  cards += card('Cost (money paid)', money(paid), c ? `${delta(paid - bpaid)} vs ${c.base}: ` +
    'operating, transport, tariffs, holding, capital, breaches' :
    'operating, transport, tariffs, holding, capital, breaches (discounted)');
  if (valued > 0 || bvalued > 0) {
    cards += card('Penalty valuation', money(valued),
      (c ? `${delta(valued - bvalued)} vs ${c.base}. ` : '') +
      'tonnes unserved or targets missed, valued: not money paid');
  }
  const sectors = new Set(d.tables.unserved.filter((r) => r.amount > 1e-6)
    .map((r) => r.region + '/' + r.sector));
  cards += card('Demands short', `${sectors.size}`, 'region × sector with any shortfall');
  cards += card('Run', `#${d.run_id}`, `${d.reused ? 'reused from the store' : 'solved'} in ` +
    `${fmt(d.seconds, 2)} s · ${d.status}`);
  $('cards').innerHTML = cards;
  const checks = d.bound_check || [];
  $('bound-check').innerHTML = checks.map((s) => `<li>◇ ${esc(s)}</li>`).join('');
  $('bound-check').hidden = checks.length === 0;
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

// The back-test speaks of the scenario as published, so it is fetched once per scenario.
const BT_DIGITS = {'t': 0, 'USD/kg': 1, '%': 1, 'ratio': 2};
async function loadBacktest(name) {
  const body = document.body;
  body.dataset.backtest = 'loading';
  $('backtest-summary').textContent = 'loading…';
  try {
    const d = await getJSON('/api/backtest/' + encodeURIComponent(name));
    if (!state.info || state.info.name !== name) return;
    $('backtest-message').hidden = !d.message;
    $('backtest-message').textContent = d.message;
    $('backtest-summary').textContent = d.rows.length ? `${d.medians} ${d.left_out_line}` : '';
    if (d.rows.length) {
      const head = ['Series', 'Period', 'Observed', 'Model', 'Unit',
        'Error (model ÷ observed − 1)', 'Source'].map((h) => `<th>${esc(h)}</th>`).join('');
      const rows = d.rows.map((r) => {
        const dg = BT_DIGITS[r.unit] ?? 1;
        const err = r.error_pct === null ? '—' :
          `${r.error_pct > 0 ? '+' : ''}${fmt(r.error_pct)} %`;
        return `<tr><td title="${esc(r.how)}">${esc(r.label)}</td><td>${esc(r.period)}</td>` +
          `<td class="num">${fmt(r.observed, dg)}</td><td class="num">${fmt(r.model, dg)}</td>` +
          `<td>${esc(r.unit)}</td><td class="num">${err}</td>` +
          `<td title="${esc(r.source)}">${esc(r.source_short)}</td></tr>`;
      }).join('');
      $('backtest-table').innerHTML =
        `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
    } else {
      $('backtest-table').innerHTML = '';
    }
    draw('backtest-chart', d.figure);
    body.dataset.backtest = name;
  } catch (err) {
    $('backtest-summary').textContent = '';
    $('backtest-message').hidden = false;
    $('backtest-message').textContent = 'The back-test could not be made: ' +
      ((err.body && err.body.error && err.body.error.message) || err.message);
    $('backtest-table').innerHTML = '';
    draw('backtest-chart', null);
    body.dataset.backtest = 'error';
  }
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
  loadBacktest(name);  // not awaited: the run is on screen while the back-test comes
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
  const opensOn = document.body.dataset.opensOn;
  const first = names.includes(saved.s) ? saved.s :
    (names.includes(opensOn) ? opensOn : names[0]);
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
