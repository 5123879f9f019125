// obridge's dashboard: polls the node's own JSON (docs/DASHBOARD.md) and redraws in place.
// No library, no request anywhere but this origin.
const POLL_MS = 2000;
const $ = (id) => document.getElementById(id);
const state = { status: null, feeds: null, rounds: null, txs: null, pins: null, filter: '', txState: 'pending', first: true };

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

async function get(url) {
  const r = await fetch(url);
  if (r.status === 401) { location.reload(); throw new Error('unauthorized'); }
  const j = await r.json();
  if (!r.ok) throw new Error(j?.error?.details || `${url}: HTTP ${r.status}`);
  return j;
}

function dur(s) {
  if (s == null || !isFinite(s)) return '—';
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}
const ms = (v) => (v == null ? '—' : v < 10000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`);
const int = (v) => (v == null ? '—' : Number(v).toLocaleString('en'));

// ---- status ----
function peerItem(name, p, extra) {
  const ok = !!p?.ok;
  return `<li class="${ok ? 'up' : 'down'}" data-peer="${esc(name)}"><span class="badge">${ok ? 'up' : 'down'}</span> ${esc(name)}` +
    (extra ? ` ${esc(extra)}` : '') + (!ok && p?.error ? `: <span class="err">${esc(p.error)}</span>` : '') + '</li>';
}
function countsText(o) {
  const ks = Object.keys(o || {});
  return ks.length ? ks.map((k) => `${int(o[k])} ${k}`).join(', ') : 'none';
}
function renderStatus(s) {
  const p = s.peers || {};
  let peers = peerItem('postgres', p.postgres);
  if (p.ipfs) peers += peerItem('ipfs', p.ipfs);
  for (const e of p.rpc || []) peers += peerItem(e.url, e, e.head != null ? `head ${e.head}, lag ${e.lag}, ${e.health}` : e.health);
  const lr = s.latest_round;
  const lease = s.lease ? ` (lease token ${s.lease.token}${s.lease.holder && s.role !== 'leader' ? `, leader ${s.lease.holder}` : ''})` : '';
  $('summary-body').innerHTML =
    `<p class="overall ${s.status === 'ok' ? 'up' : 'down'}" id="overall">Node ${esc(s.node)}: <strong>${esc(s.status)}</strong>, ` +
    `<span id="role">${esc(s.role)}</span>${esc(lease)}</p><ul class="peers" id="peers">${peers}</ul>` +
    `<dl class="counts"><dt>feeds</dt><dd id="feeds-summary">${int(s.feeds?.count)} (${int(s.feeds?.stale)} stale, ${int(s.feeds?.sources_down)} with a source down)</dd>` +
    `<dt>latest round</dt><dd id="latest-round">${lr ? `${lr.round} (${esc(lr.step)}, ${int(lr.feeds)} feeds, gas ${int(lr.gas_used)}, ` +
      `fetch to confirmation ${ms(lr.fetch_to_confirm_ms)}, verify ${esc(lr.verify)})` : 'none yet'}</dd>` +
    `<dt>transactions</dt><dd>${esc(countsText(s.txs))}</dd><dt>pins</dt><dd>${esc(countsText(s.pins))}</dd>` +
    `<dt>models</dt><dd>${esc(countsText(s.models))}</dd></dl>`;
}

// ---- feeds ----
function spark(values) {
  if (!values || values.length < 2) return '';
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const w = 90, h = 22, span = hi - lo || 1, step = w / (values.length - 1);
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${(h - 2 - ((v - lo) / span) * (h - 4)).toFixed(1)}`).join(' ');
  return `<svg class="spark" viewBox="0 0 ${w} ${h}" role="img" aria-label="last ${values.length} values, ${lo} to ${hi}"><polyline points="${pts}"/></svg>`;
}
function feedRow(f, now) {
  const age = f.observed_at != null ? now - f.observed_at : null;
  const stale = age != null && f.heartbeat_s != null && age > f.heartbeat_s;
  const srcs = (f.sources || []).map(([n, up, err]) =>
    `<span class="src ${up ? 'up' : 'down'}" data-source="${esc(n)}" data-up="${up ? 1 : 0}"${err ? ` title="${esc(err)}"` : ''}>${up ? '●' : '○'} ${esc(n)}${up ? '' : ` <span class="err">${esc(err)}</span>`}</span>`).join('');
  const dev = f.change_bps != null ? `${(f.change_bps / 100).toFixed(2)} %` + (f.deviation_bps ? ` of ${(f.deviation_bps / 100).toFixed(2)} %` : '') : '—';
  return `<tr data-feed="${esc(f.name)}"><th scope="row">${esc(f.name)}</th><td class="num" data-value>${esc(f.value ?? f.left_out ?? '—')}</td>` +
    `<td>${spark(f.spark)}</td><td class="num ${stale ? 'stale' : ''}">${dur(age)}${f.heartbeat_s != null ? ` / ${dur(f.heartbeat_s)}` : ''}${stale ? ' stale' : ''}</td>` +
    `<td class="num">${dev}</td><td>${srcs}</td></tr>`;
}
function renderFeeds() {
  const d = state.feeds;
  if (!d) return;
  const q = state.filter.toLowerCase();
  const list = q ? d.feeds.filter((f) => f.name.toLowerCase().includes(q)) : d.feeds;
  const now = state.status?.now ?? d.now;
  const rows = new Array(list.length);
  for (let i = 0; i < list.length; i++) rows[i] = feedRow(list[i], now);
  document.querySelector('#feed-table tbody').innerHTML = rows.join('');
  $('feed-count').textContent = q ? `${list.length} of ${d.feeds.length}` : `${d.feeds.length} feeds`;
  $('feeds').hidden = false;
}

// ---- rounds, transactions, storage ----
function renderRounds(d) {
  document.querySelector('#round-table tbody').innerHTML = d.rounds.map((r) =>
    `<tr data-round="${r.round}"><th scope="row">${r.round}</th><td>${esc(r.step)}</td><td class="num">${int(r.feeds)}</td>` +
    `<td class="num">${int(r.gas_used)}</td><td class="num">${ms(r.fetch_to_confirm_ms)}</td>` +
    `<td class="${r.verify === 'passed' ? 'up' : r.verify === 'failed' ? 'down' : ''}"${r.verify_error ? ` title="${esc(r.verify_error)}"` : ''}>${esc(r.verify)}</td>` +
    `<td><code>${esc(r.tx_hash ? r.tx_hash.slice(0, 18) + '…' : '—')}</code></td></tr>`).join('');
  $('rounds').hidden = false;
}
function renderTxs(d) {
  $('tx-counts').textContent = countsText(d.counts);
  document.querySelector('#tx-table tbody').innerHTML = d.txs.map((t) =>
    `<tr data-tx="${t.id}"><th scope="row">${t.id}</th><td class="num">${t.nonce}</td><td>${esc(t.purpose)}</td><td>${esc(t.state)}</td>` +
    `<td class="num">${t.bumps}</td><td>${t.versions.map((v) => `<code title="${esc(v.max_fee_wei ?? v.gas_price_wei)} wei">v${v.version} ${esc(v.hash.slice(0, 12))}…</code>`).join('<br>')}</td>` +
    `<td class="err">${esc(t.error ?? '')}</td></tr>`).join('') || '<tr><td colspan="7" class="mute">none</td></tr>';
  $('txs').hidden = false;
}
function renderPins(d) {
  const t = d.throughput || {};
  $('pin-counts').innerHTML = `<dt>queue</dt><dd>${esc(countsText(d.by_status))}; ${int(d.retrying)} retrying</dd>` +
    `<dt>throughput</dt><dd>${int(t.pinned_5m)} pins (${int(t.bytes_5m)} bytes) in 5 min, ${int(t.pinned_1h)} (${int(t.bytes_1h)} bytes) in an hour</dd>`;
  $('pin-failures').innerHTML = (d.failures || []).map((f) => `<li><span class="err">${esc(f.reason)}</span>: ${int(f.count)}</li>`).join('') || '<li class="mute">none</li>';
  const m = d.models || {};
  $('models').innerHTML = `<li>${int(m.registered)} registered</li>` + (m.recent || []).map((x) =>
    `<li>${esc(x.name)}@${esc(x.version)}: ${esc(x.step)}${x.cid ? ` <code>${esc(x.cid)}</code>` : ''}</li>`).join('');
  $('storage').hidden = false;
}

// ---- polling ----
async function poll() {
  try {
    // The first render uses what the server put in the page, and the feeds it preloaded.
    const init = state.first ? JSON.parse($('initial')?.textContent || 'null') : null;
    const [s, f, r, t, p] = await Promise.all([init?.status ?? get('/v1/status'), get('/v1/status/feeds'),
      init?.rounds ?? get('/v1/rounds?limit=10'), init?.txs ?? get(`/v1/txs?state=${encodeURIComponent(state.txState)}&limit=20`),
      init?.pins ?? get('/v1/pins/summary')]);
    const t0 = performance.now();
    state.status = s;
    renderStatus(s);
    state.feeds = f;
    renderFeeds();
    renderRounds(r);
    renderTxs(t);
    renderPins(p);
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    $('updated').className = '';
    if (state.first) {
      state.first = false;
      document.body.dataset.rendered = 'full';
      window.obridgeFirstRender = performance.now();
      window.obridgeTimes = { fetched: t0, rendered: window.obridgeFirstRender };
    }
  } catch (e) {
    $('updated').textContent = `cannot reach the node: ${e.message}`;
    $('updated').className = 'down';
  }
  setTimeout(poll, POLL_MS);
}

$('feed-filter').addEventListener('input', (e) => { state.filter = e.target.value; renderFeeds(); });
$('tx-state').addEventListener('change', (e) => { state.txState = e.target.value; });
poll();
