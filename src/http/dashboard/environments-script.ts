/**
 * The environments view: its own panel and timer over GET /api/environments (docs/promotion.md).
 * Per environment: what it carries (source commit, image, PR), its hold, the gate and where the
 * promotion into or out of it stands, its open PR and that PR's checks (failed ones stand out),
 * and how far it is behind the one before it (updates, since when, what waits). Roll back and
 * Resume call the admin API with the same token. Values are written with textContent; links must
 * be http(s).
 */
export const ENVIRONMENTS_JS = `
(function () {
  var KEY = 'dispatchd.adminToken';
  var REFRESH_MS = 3000;
  var panel = document.getElementById('environments');
  if (!panel) return;
  var notes = {};
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function link(u, text) {
    if (!/^https?:\\/\\//i.test(String(u))) return el('span', text);
    var a = el('a', text); a.href = String(u); a.target = '_blank'; a.rel = 'noopener noreferrer';
    return a;
  }
  function headers(json) {
    var h = { accept: 'application/json' };
    var t = sessionStorage.getItem(KEY);
    if (t) h.authorization = 'Bearer ' + t;
    if (json) h['content-type'] = 'application/json';
    return h;
  }
  function short(sha) { return sha ? String(sha).slice(0, 7) : ''; }
  function age(iso) {
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 90) return s + ' s';
    if (s < 5400) return Math.round(s / 60) + ' min';
    if (s < 129600) return Math.round(s / 3600) + ' h';
    return Math.round(s / 86400) + ' d';
  }
  function prCell(e) {
    var td = el('td');
    if (e.pr) {
      td.dataset.pr = String(e.pr.number);
      td.appendChild(e.pr.url ? link(e.pr.url, 'open PR #' + e.pr.number) : el('span', 'open PR #' + e.pr.number));
      if (e.pr.checks.length === 0) td.appendChild(el('div', 'no checks reported on ' + short(e.pr.headSha) + ' yet', 'note'));
      e.pr.checks.forEach(function (c) {
        var line = el('span', c.context + ' → ' + c.state + (c.description ? ': ' + c.description : ''), 'check check-' + c.state);
        line.dataset.check = c.context;
        line.dataset.state = c.state;
        td.appendChild(c.targetUrl ? wrap(link(c.targetUrl, ''), line) : line);
      });
    } else {
      var prUrl = (e.carries && e.carries.prUrl) || (e.last && e.last.prUrl);
      if (prUrl) td.appendChild(link(prUrl, prUrl.replace(/^https?:\\/\\/[^/]+\\//, '')));
    }
    if (e.last) td.appendChild(el('div', 'last run: ' + e.last.outcome + (e.last.error ? ': ' + e.last.error : ''), e.last.error ? 'error' : 'note'));
    if (e.waiting > 0) td.appendChild(el('div', e.waiting + ' push(es) waiting', 'note waiting'));
    return td;
  }
  function wrap(a, inner) { a.textContent = ''; a.appendChild(inner); return a; }
  function behindCell(e) {
    var td = el('td');
    var b = e.fedBy && e.fedBy.behind;
    if (!b) { td.appendChild(el('span', '—', 'note')); return td; }
    var from = e.fedBy.from || '/';
    if (!b.behind) { td.appendChild(el('span', 'same as ' + from, 'note')); return td; }
    td.dataset.behind = String(b.updates);
    td.appendChild(el('span', (b.atLeast ? '≥ ' : '') + b.updates + (b.updates === 1 ? ' update' : ' updates') + ' behind ' + from, 'status behind'));
    if (b.since) td.appendChild(el('div', 'since ' + age(b.since) + ' ago', 'note'));
    td.appendChild(el('div', short(b.carries) + ' → ' + short(b.previous), 'note'));
    if (b.waiting) {
      td.appendChild(el('div', 'waiting: ' + short(b.waiting.sha) + ' (' + String(b.waiting.ref).replace(/^refs\\/heads\\//, '') + ')', 'note waiting'));
      Object.keys(b.waiting.images || {}).forEach(function (k) { td.appendChild(el('div', b.waiting.images[k], 'note image')); });
    }
    return td;
  }
  function phaseCell(p) {
    var td = el('td');
    if (!p) { td.appendChild(el('span', '—', 'note')); return td; }
    td.appendChild(el('span', p.phase, 'status phase phase-' + p.phase));
    td.appendChild(el('div', p.detail, p.phase === 'gate-failed' || p.phase === 'failed' || p.phase === 'timed-out' ? 'error' : 'note'));
    return td;
  }
  function post(path, body, key) {
    return fetch(path, { method: 'POST', headers: headers(true), body: JSON.stringify(body), cache: 'no-store' })
      .then(function (res) { return res.json().catch(function () { return {}; }).then(function (b) { return { status: res.status, body: b }; }); })
      .then(function (r) {
        notes[key] = r.status < 300 ? { text: r.body.status || 'sent', cls: 'note' } : { text: r.body.message || ('HTTP ' + r.status), cls: 'error' };
        poll();
      });
  }
  function row(e) {
    var key = e.repo + '|' + e.dir;
    var tr = el('tr');
    tr.dataset.env = e.dir || '/';
    tr.dataset.phase = (e.feeds[0] && e.feeds[0].promotion && e.feeds[0].promotion.phase) || (e.fedBy && e.fedBy.promotion && e.fedBy.promotion.phase) || '';
    tr.dataset.held = e.paused ? 'true' : 'false';
    var name = el('td'); name.appendChild(el('strong', e.dir || '/')); name.appendChild(el('div', e.repo, 'note'));
    tr.appendChild(name);
    var carries = el('td');
    if (e.carries) {
      carries.appendChild(el('code', short(e.carries.sha)));
      Object.keys(e.carries.images || {}).forEach(function (k) { carries.appendChild(el('div', e.carries.images[k], 'note image')); });
      if (e.carries.rollback) carries.appendChild(el('div', 'rolled back', 'status phase-held'));
    } else carries.appendChild(el('span', 'nothing yet', 'note'));
    tr.appendChild(carries);
    tr.appendChild(prCell(e));
    var gate = el('td');
    if (e.fedBy) gate.appendChild(el('div', 'from ' + (e.fedBy.from || '/') + ': ' + e.fedBy.gate));
    e.feeds.forEach(function (f) { gate.appendChild(el('div', 'to ' + (f.to || '/') + ': ' + f.gate)); });
    if (!e.fedBy && e.feeds.length === 0) gate.appendChild(el('span', '—', 'note'));
    tr.appendChild(gate);
    tr.appendChild(phaseCell((e.feeds[0] && e.feeds[0].promotion) || (e.fedBy && e.fedBy.promotion)));
    tr.appendChild(behindCell(e));
    var hold = el('td');
    if (e.paused) {
      hold.appendChild(el('span', 'held', 'status phase-held'));
      hold.appendChild(el('div', (e.paused.reason || 'paused') + (e.paused.by ? ' (' + e.paused.by + ')' : ''), 'note'));
    }
    if (e.rollback) {
      hold.appendChild(el('div', 'rollback ' + e.rollback.phase + (e.rollback.to ? ' to ' + short(e.rollback.to) : ''), e.rollback.phase === 'failed' ? 'error' : 'note rollback'));
      if (e.rollback.error) hold.appendChild(el('div', e.rollback.error, 'error'));
    }
    tr.appendChild(hold);
    var actions = el('td');
    var rb = el('button', 'Roll back', 'rollback');
    rb.type = 'button';
    rb.title = 'Hold ' + (e.dir || '/') + ' and propose the commit before the current one (POST /api/environments/rollback)';
    rb.addEventListener('click', function () { rb.disabled = true; post('/api/environments/rollback', { repo: e.repo, dir: e.dir }, key); });
    actions.appendChild(rb);
    if (e.paused) {
      var rs = el('button', 'Resume', 'resume');
      rs.type = 'button';
      rs.addEventListener('click', function () { rs.disabled = true; post('/api/environments/resume', { repo: e.repo, dir: e.dir }, key); });
      actions.appendChild(rs);
    }
    if (notes[key]) actions.appendChild(el('div', notes[key].text, notes[key].cls));
    tr.appendChild(actions);
    return tr;
  }
  function poll() {
    var main = document.getElementById('main');
    if (!main || main.hidden) { panel.hidden = true; return; }
    fetch('/api/environments', { headers: headers(false), cache: 'no-store' }).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (body) {
      if (!body) return;
      var envs = body.environments || [];
      var tbody = panel.querySelector('tbody');
      tbody.replaceChildren.apply(tbody, envs.map(row));
      panel.hidden = envs.length === 0;
    }, function () { /* the deliveries view reports an unreachable server */ });
  }
  setInterval(poll, REFRESH_MS);
  poll();
})();
`;
