/**
 * The environments view: its own panel and timer over GET /api/environments (docs/promotion.md).
 * Per environment: what it carries (source commit, image, PR), its hold, the gate and where the
 * promotion into or out of it stands, and whether it is behind the one before it. Roll back and
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
    var pr = el('td');
    var prUrl = (e.carries && e.carries.prUrl) || (e.last && e.last.prUrl);
    if (prUrl) pr.appendChild(link(prUrl, prUrl.replace(/^https?:\\/\\/[^/]+\\//, '')));
    if (e.last) pr.appendChild(el('div', 'last run: ' + e.last.outcome + (e.last.error ? ': ' + e.last.error : ''), e.last.error ? 'error' : 'note'));
    if (e.waiting > 0) pr.appendChild(el('div', e.waiting + ' push(es) waiting', 'note waiting'));
    tr.appendChild(pr);
    var gate = el('td');
    if (e.fedBy) gate.appendChild(el('div', 'from ' + (e.fedBy.from || '/') + ': ' + e.fedBy.gate));
    e.feeds.forEach(function (f) { gate.appendChild(el('div', 'to ' + (f.to || '/') + ': ' + f.gate)); });
    if (!e.fedBy && e.feeds.length === 0) gate.appendChild(el('span', '—', 'note'));
    tr.appendChild(gate);
    tr.appendChild(phaseCell((e.feeds[0] && e.feeds[0].promotion) || (e.fedBy && e.fedBy.promotion)));
    var behind = el('td');
    if (e.fedBy && e.fedBy.behind) {
      var b = e.fedBy.behind;
      behind.appendChild(el('span', b.behind ? 'behind ' + (e.fedBy.from || '/') : 'same as ' + (e.fedBy.from || '/'), b.behind ? 'status behind' : 'note'));
      if (b.behind) behind.appendChild(el('div', short(b.carries) + ' → ' + short(b.previous), 'note'));
    } else behind.appendChild(el('span', '—', 'note'));
    tr.appendChild(behind);
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
