/**
 * The dashboard's browser script: plain JS, no build step. The token lives in sessionStorage
 * (gone when the tab closes; never in the URL, so never in history, proxies or Referer).
 * Every value from the API is written with textContent, and links must be http(s), so a repo
 * name or commit message cannot inject markup. `#delivery=<url-encoded audit id>` (the link a
 * commit status carries, workers/statuses.ts deliveryLink) opens that delivery: its row is
 * highlighted and its full errors shown, fetched from GET /api/deliveries/:id with the same token.
 */
export const DASHBOARD_JS = `'use strict';
(function () {
  var KEY = 'dispatchd.adminToken';
  var REFRESH_MS = 3000;
  var timer = null;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function safeUrl(u) { return /^https?:\\/\\//i.test(String(u)) ? String(u) : null; }
  function token() { return sessionStorage.getItem(KEY); }

  function showLogin(message) {
    if (timer) clearTimeout(timer);
    $('main').hidden = true; $('signout').hidden = true; $('login').hidden = false;
    $('login-message').textContent = message || '';
  }

  function api(path, opts) {
    opts = opts || {};
    var headers = { accept: 'application/json' };
    var t = token();
    if (t) headers.authorization = 'Bearer ' + t;
    return fetch(path, { method: opts.method || 'GET', headers: headers, cache: 'no-store' }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) { return { status: res.status, body: body }; });
    });
  }

  function row(d) {
    var tr = el('tr', null, d.id === selected() ? 'selected' : '');
    tr.dataset.deliveryId = d.id;
    tr.dataset.status = d.status;
    tr.appendChild(el('td', new Date(d.receivedAt).toLocaleString()));
    tr.appendChild(el('td', d.host + ':' + d.repo));
    tr.appendChild(el('td', d.ref.replace(/^refs\\/(heads|tags)\\//, '')));
    var c = el('td'); c.appendChild(el('code', d.commit.slice(0, 7))); c.title = d.message || ''; tr.appendChild(c);
    var s = el('td'); s.appendChild(el('span', d.status, 'status status-' + d.status)); tr.appendChild(s);
    var tasks = el('td');
    d.tasks.forEach(function (t) { tasks.appendChild(el('div', t.task + ': ' + t.outcome)); });
    d.errors.forEach(function (e) { tasks.appendChild(el('div', e, 'error')); });
    if (d.duplicate) tasks.appendChild(el('div', d.duplicate.message));
    if (d.retries > 0) {
      var r = el('div', 'retried ' + d.retries + '×', 'note retried');
      var last = d.history[d.history.length - 1];
      if (last) r.title = 'before the last retry: ' + (last.errors.join('; ') || last.status);
      tasks.appendChild(r);
    }
    tr.appendChild(tasks);
    var prs = el('td');
    d.prUrls.forEach(function (u) {
      var href = safeUrl(u);
      if (!href) return;
      var a = el('a', href.replace(/^https?:\\/\\/[^/]+\\//, ''), 'pr');
      a.href = href; a.target = '_blank'; a.rel = 'noopener noreferrer';
      prs.appendChild(a); prs.appendChild(el('br'));
    });
    tr.appendChild(prs);
    var actions = el('td');
    if (d.status === 'failed') {
      var b = el('button', 'Retry', 'retry');
      b.type = 'button';
      b.title = 'Plan the tip of ' + d.ref + ' again (POST /api/deliveries/:id/retry)';
      b.addEventListener('click', function () { retry(d.id, b); });
      actions.appendChild(b);
    }
    // A queued retry is noted while it runs; a refusal stays until the next click.
    if (notes[d.id] && notes[d.id].cls === 'note' && d.status !== 'queued' && d.status !== 'running') delete notes[d.id];
    if (notes[d.id]) actions.appendChild(el('div', notes[d.id].text, notes[d.id].cls));
    tr.appendChild(actions);
    return tr;
  }

  // What the last Retry click of a delivery got, shown in its row.
  var notes = {};
  function retry(id, button) {
    button.disabled = true;
    button.textContent = 'Retrying…';
    api('/api/deliveries/' + encodeURIComponent(id) + '/retry', { method: 'POST' }).then(function (r) {
      notes[id] = r.status === 202 ? { text: 'retry ' + r.body.retry + ' queued', cls: 'note' }
        : { text: r.body.message || ('retry refused: HTTP ' + r.status), cls: 'error' };
      return refresh();
    }, function (err) {
      notes[id] = { text: 'retry not sent: ' + err.message, cls: 'error' };
      button.disabled = false;
      button.textContent = 'Retry';
    });
  }

  // The delivery the URL names: #delivery=<url-encoded audit id>.
  function selected() {
    var m = /^#delivery=(.+)$/.exec(location.hash);
    if (!m) return null;
    try { return decodeURIComponent(m[1]); } catch (e) { return null; }
  }

  function detailLine(label, value) {
    var p = el('div');
    p.appendChild(el('strong', label + ': '));
    p.appendChild(document.createTextNode(value === undefined || value === null ? '' : String(value)));
    return p;
  }

  function showDelivery() {
    var id = selected();
    var panel = $('delivery-detail');
    var body = panel.querySelector('.detail-body');
    document.querySelectorAll('#deliveries tr.selected').forEach(function (tr) { if (tr.dataset.deliveryId !== id) tr.classList.remove('selected'); });
    if (!id) { panel.hidden = true; body.replaceChildren(); return Promise.resolve(); }
    panel.querySelector('.detail-id').textContent = id;
    panel.dataset.deliveryId = id;
    return api('/api/deliveries/' + encodeURIComponent(id)).then(function (r) {
      if (selected() !== id) return;
      if (r.status === 401 || r.status === 403) { panel.hidden = true; return; }  // refresh() asks for the token
      panel.hidden = false;
      if (r.status !== 200) { body.replaceChildren(el('div', r.body.message || ('HTTP ' + r.status), 'error')); return; }
      var d = r.body;
      panel.dataset.status = d.status;
      var parts = [
        detailLine('Repository', d.host + ':' + d.repo),
        detailLine('Ref', d.ref),
        detailLine('Commit', d.commit + (d.message ? ' — ' + d.message : '')),
        detailLine('Status', d.status),
        detailLine('Received', new Date(d.receivedAt).toLocaleString()),
      ];
      (d.tasks || []).forEach(function (t) { parts.push(detailLine('Task ' + t.task, t.outcome)); });
      (d.errors || []).forEach(function (e) { parts.push(el('div', e, 'error')); });
      (d.history || []).forEach(function (h, i) {
        parts.push(el('div', 'attempt ' + (i + 1) + ': ' + h.status, 'note'));
        (h.errors || []).forEach(function (e) { parts.push(el('div', e, 'error')); });
      });
      body.replaceChildren.apply(body, parts);
      var tr = document.querySelector('#deliveries tr[data-delivery-id="' + CSS.escape(id) + '"]');
      if (tr) { tr.classList.add('selected'); tr.scrollIntoView({ block: 'nearest' }); }
    }, function (err) {
      panel.hidden = false;
      body.replaceChildren(el('div', 'could not load the delivery (' + err.message + ')', 'error'));
    });
  }

  function render(deliveries) {
    var tbody = $('deliveries').querySelector('tbody');
    tbody.replaceChildren.apply(tbody, deliveries.map(row));
    $('empty').hidden = deliveries.length > 0;
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  }

  function refresh() {
    if (timer) clearTimeout(timer);
    return api('/api/deliveries?limit=100').then(function (r) {
      if (r.status === 401 || r.status === 403) {
        sessionStorage.removeItem(KEY);
        showLogin(r.body.message || 'The admin token was refused.');
        return;
      }
      $('login').hidden = true; $('main').hidden = false; $('signout').hidden = !token();
      if (r.status !== 200) $('error').textContent = r.body.message || ('HTTP ' + r.status);
      else { $('error').textContent = ''; render(r.body.deliveries || []); }
      timer = setTimeout(refresh, REFRESH_MS);
    }, function (err) {
      $('error').textContent = 'dispatchd is unreachable (' + err.message + '); retrying';
      timer = setTimeout(refresh, REFRESH_MS);
    });
  }

  $('login').addEventListener('submit', function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(KEY, $('token').value.trim());
    $('token').value = '';
    refresh().then(showDelivery);
  });
  window.addEventListener('hashchange', showDelivery);
  $('detail-close').addEventListener('click', function () {
    history.replaceState(null, '', location.pathname + location.search);
    showDelivery();
  });
  $('signout').addEventListener('click', function () { sessionStorage.removeItem(KEY); showLogin(''); });
  refresh().then(showDelivery);
})();

// Hosts failing: its own panel and timer over GET /api/hosts (src/http/api/hosts.ts), shown
// only while some host holds deliveries. Values are written with textContent.
(function () {
  var KEY = 'dispatchd.adminToken';
  var REFRESH_MS = 3000;
  var panel = document.getElementById('hosts-failing');
  if (!panel) return;
  function line(h) {
    var li = document.createElement('li');
    li.dataset.host = h.host;
    li.dataset.waiting = String(h.waiting);
    var name = document.createElement('strong');
    name.textContent = h.host;
    li.appendChild(name);
    var since = h.since ? ' since ' + new Date(h.since).toLocaleTimeString() : '';
    li.appendChild(document.createTextNode(': ' + h.waiting + ' waiting (' + h.deliveries + ' deliveries, ' + h.environments + ' environment updates)' + since));
    if (h.lastError) {
      var err = document.createElement('div');
      err.className = 'error';
      err.textContent = h.lastError;
      li.appendChild(err);
    }
    return li;
  }
  function poll() {
    var main = document.getElementById('main');
    if (!main || main.hidden) { panel.hidden = true; return; }
    var headers = { accept: 'application/json' };
    var t = sessionStorage.getItem(KEY);
    if (t) headers.authorization = 'Bearer ' + t;
    fetch('/api/hosts?limit=0', { headers: headers, cache: 'no-store' }).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (body) {
      if (!body) return;
      var failing = (body.hosts || []).filter(function (h) { return h.failing; });
      var list = panel.querySelector('ul');
      list.replaceChildren.apply(list, failing.map(line));
      panel.hidden = failing.length === 0;
    }, function () { /* the deliveries view reports an unreachable server */ });
  }
  setInterval(poll, REFRESH_MS);
  poll();
})();
`;
