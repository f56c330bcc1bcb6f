/**
 * The dashboard's browser script: plain JS, no build step. The token lives in sessionStorage
 * (gone when the tab closes; never in the URL, so never in history, proxies or Referer).
 * Every value from the API is written with textContent, and links must be http(s), so a repo
 * name or commit message cannot inject markup.
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
    var tr = el('tr');
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
      b.addEventListener('click', function () {
        b.disabled = true;
        api('/api/deliveries/' + encodeURIComponent(d.id) + '/retry', { method: 'POST' }).then(refresh);
      });
      actions.appendChild(b);
    }
    tr.appendChild(actions);
    return tr;
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
    refresh();
  });
  $('signout').addEventListener('click', function () { sessionStorage.removeItem(KEY); showLogin(''); });
  refresh();
})();
`;
