/**
 * The dashboard page served at `/` on the metrics port: one static HTML document with its CSS and vanilla
 * script inline (no build step, no CDN). It subscribes to `/dashboard/events` (SSE, one snapshot a second)
 * and draws the charts itself as inline SVG. Kept in a TypeScript string so the compiled package needs no
 * asset copying; the text below is served byte for byte (no `${}` or backticks inside).
 */
export const DASHBOARD_PAGE = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Thumbtack dashboard</title>
<link rel="icon" href="data:,">
<style>
  :root { --bg: #f6f7f9; --card: #fff; --ink: #1d2430; --muted: #667085; --line: #e4e7ec;
          --c1: #2563eb; --c2: #16a34a; --c3: #dc2626; --c4: #9333ea; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--ink); }
  header { display: flex; align-items: center; gap: 12px; padding: 12px 20px; background: var(--ink); color: #fff; }
  header h1 { font-size: 17px; margin: 0; font-weight: 600; }
  .pill { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #475467; }
  .pill.ok { background: var(--c2); } .pill.bad { background: var(--c3); }
  main { padding: 16px 20px; display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); }
  .tiles { grid-column: 1 / -1; display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); }
  .tile, .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
  .tile .v { font-size: 22px; font-weight: 600; white-space: nowrap; } .tile .k { color: var(--muted); font-size: 12px; }
  .card h2 { font-size: 14px; margin: 0 0 6px; }
  .wide { grid-column: 1 / -1; }
  svg.chart { width: 100%; height: 170px; display: block; }
  svg.chart text { font-size: 10px; fill: var(--muted); }
  .legend { display: flex; gap: 14px; font-size: 12px; color: var(--muted); }
  .legend i { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
  table { width: 100%; border-collapse: collapse; font-size: 13px; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); }
  th { color: var(--muted); font-weight: 500; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  td.id { font-family: ui-monospace, monospace; font-size: 12px; }
  button { font: inherit; font-size: 12px; padding: 1px 8px; border: 1px solid var(--c3); color: var(--c3); background: #fff; border-radius: 4px; cursor: pointer; }
  button:disabled { opacity: .5; cursor: default; }
  .empty { color: var(--muted); }
</style>
</head>
<body>
<header>
  <h1>Thumbtack</h1>
  <span id="feed" class="pill" data-state="connecting">connecting</span>
  <span id="ready" class="pill">ready?</span>
  <span id="updated" style="margin-left:auto;font-size:12px;opacity:.8"></span>
</header>
<main>
  <section class="tiles">
    <div class="tile"><div class="v" id="t-conn">-</div><div class="k">held connections</div></div>
    <div class="tile"><div class="v" id="t-subs">-</div><div class="k">subscriptions</div></div>
    <div class="tile"><div class="v" id="t-chan">-</div><div class="k">channels</div></div>
    <div class="tile"><div class="v" id="t-recv">-</div><div class="k">received / s</div></div>
    <div class="tile"><div class="v" id="t-sent">-</div><div class="k">sent / s</div></div>
    <div class="tile"><div class="v" id="t-drop">-</div><div class="k">dropped / s</div></div>
    <div class="tile"><div class="v" id="t-lat">-</div><div class="k">publish-to-write avg (max <span id="t-lat-max">-</span>)</div></div>
    <div class="tile"><div class="v" id="t-mem">-</div><div class="k">memory (rss)</div></div>
  </section>
  <section class="card"><h2>Connections</h2><svg id="c-conn" class="chart" viewBox="0 0 600 170"></svg><div class="legend" id="l-conn"></div></section>
  <section class="card"><h2>Subscriptions</h2><svg id="c-subs" class="chart" viewBox="0 0 600 170"></svg><div class="legend" id="l-subs"></div></section>
  <section class="card"><h2>Messages per second</h2><svg id="c-rate" class="chart" viewBox="0 0 600 170"></svg><div class="legend" id="l-rate"></div></section>
  <section class="card"><h2>Busiest channels (last second)</h2>
    <table><thead><tr><th>channel</th><th class="num">items</th><th class="num">subscribers</th></tr></thead><tbody id="busiest"></tbody></table>
  </section>
  <section class="card wide"><h2>Held connections <span id="held-note" class="empty"></span></h2>
    <table><thead><tr><th>id</th><th>transport</th><th>route</th><th>channels</th><th class="num">age</th><th class="num">queued bytes</th><th></th></tr></thead>
    <tbody id="held"></tbody></table>
  </section>
</main>
<script>
(function () {
  'use strict';
  var KEEP = 120;
  var samples = [];
  var prev = null;
  var SVGNS = 'http://www.w3.org/2000/svg';
  function $(id) { return document.getElementById(id); }
  function fmt(n) {
    if (n >= 1e9) return (n / 1e9).toFixed(1) + 'G';
    if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
    if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
    return String(Math.round(n * 10) / 10);
  }
  function bytes(n) {
    if (n >= 1073741824) return (n / 1073741824).toFixed(1) + ' GiB';
    if (n >= 1048576) return (n / 1048576).toFixed(1) + ' MiB';
    if (n >= 1024) return (n / 1024).toFixed(1) + ' KiB';
    return n + ' B';
  }
  function ms(v) { return v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2); }
  function age(s) {
    if (s === undefined) return '-';
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  }
  function el(tag, attrs, text) {
    var e = tag.indexOf('svg:') === 0 ? document.createElementNS(SVGNS, tag.slice(4)) : document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function niceMax(v) {
    if (v <= 1) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  /**
   * Draws line series (arrays of numbers, oldest first, newest at the right edge) into an SVG chart sized to
   * its element, with a y axis, a dot on each newest value, and a legend. The first series is drawn last (on top).
   */
  function chart(id, series) {
    var svg = $(id), W = Math.max(200, Math.round(svg.clientWidth || 600)), H = 170, L = 40, R = 8, T = 8, B = 16;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    var n = 0, top = 0, i, j;
    for (i = 0; i < series.length; i++) {
      n = Math.max(n, series[i].values.length);
      for (j = 0; j < series[i].values.length; j++) top = Math.max(top, series[i].values[j]);
    }
    top = niceMax(top);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    for (i = 0; i <= 4; i++) {
      var y = T + (H - T - B) * i / 4;
      svg.appendChild(el('svg:line', { x1: L, x2: W - R, y1: y, y2: y, stroke: '#e4e7ec' }));
      svg.appendChild(el('svg:text', { x: L - 4, y: y + 3, 'text-anchor': 'end' }, fmt(top * (4 - i) / 4)));
    }
    // The time axis grows from 30 s to KEEP s as samples arrive, newest at the right.
    var span = Math.min(KEEP, Math.max(30, n));
    svg.appendChild(el('svg:text', { x: W - R, y: H - 3, 'text-anchor': 'end' }, 'last ' + span + ' s'));
    var step = (W - L - R) / (span - 1);
    var drawn = 0;
    for (i = series.length - 1; i >= 0; i--) {
      var s = series[i], pts = [];
      var x0 = W - R - (s.values.length - 1) * step;
      for (j = 0; j < s.values.length; j++) {
        var x = x0 + j * step, yv = T + (H - T - B) * (1 - s.values[j] / top);
        pts.push(x.toFixed(1) + ',' + yv.toFixed(1));
      }
      if (pts.length === 0) continue;
      var line = el('svg:polyline', { points: pts.join(' '), fill: 'none', stroke: s.color, 'stroke-width': i === 0 ? 2.5 : 1.5, 'stroke-linejoin': 'round', 'data-series': s.name });
      svg.appendChild(line);
      var end = pts[pts.length - 1].split(',');
      svg.appendChild(el('svg:circle', { cx: end[0], cy: end[1], r: 3, fill: s.color }));
      drawn = Math.max(drawn, pts.length);
    }
    svg.setAttribute('data-points', String(drawn));
    var legend = $(id.replace('c-', 'l-'));
    legend.textContent = '';
    for (i = 0; i < series.length; i++) {
      var item = el('span', {});
      item.appendChild(el('i', { style: 'background:' + series[i].color }));
      var last = series[i].values[series[i].values.length - 1];
      item.appendChild(document.createTextNode(series[i].name + ' ' + (last === undefined ? '-' : fmt(last))));
      legend.appendChild(item);
    }
  }
  function column(key) { return samples.map(function (s) { return s[key]; }); }
  function rate(now, before, key) {
    if (!before) return 0;
    var dt = (now.t - before.t) / 1000;
    return dt > 0 ? Math.max(0, (now.totals[key] - before.totals[key]) / dt) : 0;
  }
  function closeConnection(button, id) {
    button.disabled = true;
    fetch('/dashboard/close?id=' + encodeURIComponent(id), { method: 'POST' }).then(function (r) {
      button.textContent = r.ok ? 'closed' : 'gone';
    }, function () { button.disabled = false; });
  }
  function renderHeld(snap) {
    var body = $('held');
    body.textContent = '';
    if (snap.held.length === 0) {
      var tr0 = el('tr', {});
      tr0.appendChild(el('td', { colspan: 7, class: 'empty' }, 'no held connections'));
      body.appendChild(tr0);
    }
    snap.held.forEach(function (row) {
      var tr = el('tr', { 'data-id': row.id });
      tr.appendChild(el('td', { class: 'id' }, row.id));
      tr.appendChild(el('td', {}, row.transport));
      tr.appendChild(el('td', {}, row.route || '-'));
      tr.appendChild(el('td', {}, row.channels.join(', ')));
      tr.appendChild(el('td', { class: 'num' }, age(row.ageSec)));
      tr.appendChild(el('td', { class: 'num' }, String(row.queuedBytes)));
      var td = el('td', {});
      var b = el('button', { type: 'button', class: 'close', 'data-id': row.id }, 'close');
      b.addEventListener('click', function () { closeConnection(b, row.id); });
      td.appendChild(b);
      tr.appendChild(td);
      body.appendChild(tr);
    });
    $('held-note').textContent = snap.heldTotal > snap.held.length ? '(first ' + snap.held.length + ' of ' + snap.heldTotal + ')' : '';
  }
  function renderBusiest(snap) {
    var body = $('busiest');
    body.textContent = '';
    if (snap.busiest.length === 0) {
      var tr0 = el('tr', {});
      tr0.appendChild(el('td', { colspan: 3, class: 'empty' }, 'no traffic'));
      body.appendChild(tr0);
    }
    snap.busiest.forEach(function (c) {
      var tr = el('tr', {});
      tr.appendChild(el('td', {}, c.channel));
      tr.appendChild(el('td', { class: 'num' }, String(c.items)));
      tr.appendChild(el('td', { class: 'num' }, String(c.subscribers)));
      body.appendChild(tr);
    });
  }
  function update(snap) {
    var sample = {
      t: snap.t,
      conn: snap.connections.total, stream: snap.connections['http-stream'], poll: snap.connections['http-response'], ws: snap.connections.ws,
      subs: snap.subscriptions.total, channels: snap.channels,
      recv: rate(snap, prev, 'received'), sent: rate(snap, prev, 'sent'), drop: rate(snap, prev, 'dropped')
    };
    prev = snap;
    samples.push(sample);
    if (samples.length > KEEP) samples.shift();
    $('t-conn').textContent = fmt(sample.conn);
    $('t-subs').textContent = fmt(sample.subs);
    $('t-chan').textContent = fmt(sample.channels);
    $('t-recv').textContent = fmt(sample.recv);
    $('t-sent').textContent = fmt(sample.sent);
    $('t-drop').textContent = fmt(sample.drop);
    $('t-lat').textContent = snap.latency.count > 0 ? ms(snap.latency.avgMs) + ' ms' : '-';
    $('t-lat-max').textContent = snap.latency.count > 0 ? ms(snap.latency.maxMs) + ' ms' : '-';
    var rss = 0;
    snap.memory.forEach(function (m) { rss += m.rss; });
    $('t-mem').textContent = bytes(rss);
    var r = $('ready');
    r.textContent = snap.ready ? 'ready' : 'not ready';
    r.className = 'pill ' + (snap.ready ? 'ok' : 'bad');
    $('updated').textContent = new Date(snap.t).toLocaleTimeString();
    chart('c-conn', [
      { name: 'total', color: '#2563eb', values: column('conn') },
      { name: 'stream', color: '#16a34a', values: column('stream') },
      { name: 'long-poll', color: '#9333ea', values: column('poll') },
      { name: 'ws', color: '#dc2626', values: column('ws') }
    ]);
    chart('c-subs', [
      { name: 'subscriptions', color: '#2563eb', values: column('subs') },
      { name: 'channels', color: '#16a34a', values: column('channels') }
    ]);
    chart('c-rate', [
      { name: 'received', color: '#2563eb', values: column('recv') },
      { name: 'sent', color: '#16a34a', values: column('sent') },
      { name: 'dropped', color: '#dc2626', values: column('drop') }
    ]);
    renderBusiest(snap);
    renderHeld(snap);
    document.body.setAttribute('data-snapshots', String(samples.length));
  }
  var feed = $('feed');
  var source = new EventSource('/dashboard/events');
  source.addEventListener('snapshot', function (e) { update(JSON.parse(e.data)); });
  source.onopen = function () { feed.textContent = 'live'; feed.className = 'pill ok'; feed.setAttribute('data-state', 'open'); };
  source.onerror = function () { feed.textContent = 'reconnecting'; feed.className = 'pill bad'; feed.setAttribute('data-state', 'error'); };
})();
</script>
</body>
</html>
`;
