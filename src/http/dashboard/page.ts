/**
 * The dashboard shell. It holds no data and no secret, so it is served without the admin token;
 * everything it shows comes from /api, fetched with the token the operator types in.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dispatchd: deliveries</title>
<link rel="stylesheet" href="/dashboard.css">
</head>
<body>
<header>
  <h1>dispatchd</h1>
  <span id="updated" aria-live="polite"></span>
  <button id="signout" type="button" hidden>Forget token</button>
</header>
<form id="login" hidden>
  <label>Admin token (DISPATCHD_ADMIN_TOKEN)
    <input id="token" name="token" type="password" autocomplete="off" required>
  </label>
  <button type="submit">Show deliveries</button>
  <p id="login-message" role="alert"></p>
  <p class="hint">Kept in this tab's session storage only, and sent as an Authorization header.</p>
</form>
<main id="main" hidden>
  <p id="error" role="alert"></p>
  <section id="hosts-failing" hidden aria-live="polite">
    <h2>Hosts failing</h2>
    <p class="hint">Deliveries held by a passing fault are retried until the retry horizon; they complete by themselves once the host answers.</p>
    <ul></ul>
  </section>
  <section id="environments" hidden aria-live="polite">
    <h2>Environments</h2>
    <table>
      <thead><tr><th>Environment</th><th>Carries</th><th>Pull request</th><th>Gate</th><th>Promotion</th><th>Behind</th><th>Hold</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section id="delivery-detail" hidden aria-live="polite">
    <h2>Delivery <code class="detail-id"></code> <button id="detail-close" type="button">Close</button></h2>
    <div class="detail-body"></div>
  </section>
  <table id="deliveries">
    <thead><tr><th>Received</th><th>Repository</th><th>Ref</th><th>Commit</th><th>Status</th><th>Tasks</th><th>Pull requests</th><th></th></tr></thead>
    <tbody></tbody>
  </table>
  <p id="empty" hidden>No deliveries yet: push to a configured repository.</p>
</main>
<script src="/dashboard.js" defer></script>
</body>
</html>
`;

export const DASHBOARD_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #f6f8fa; }
header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1.2em; background: #24292f; color: #fff; }
header h1 { font-size: 1.2em; margin: 0; }
#updated { flex: 1; opacity: .8; }
form, main { padding: 1em 1.2em; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #d0d7de; vertical-align: top; }
code { font-size: .95em; }
.status { font-weight: 600; padding: 0 .4em; border-radius: 3px; }
.status-succeeded { background: #dafbe1; color: #116329; }
.status-failed { background: #ffebe9; color: #a40e26; }
.status-running, .status-queued { background: #fff8c5; color: #7d4e00; }
.status-skipped, .status-duplicate { background: #eaeef2; color: #57606a; }
.error { color: #a40e26; }
.note { color: #57606a; font-size: .9em; }
.hint { color: #57606a; }
#hosts-failing { background: #fff8f7; border: 1px solid #ffcecb; border-radius: 4px; padding: .5em 1em; margin-bottom: 1em; }
#hosts-failing h2 { font-size: 1em; margin: 0; color: #a40e26; }
#hosts-failing p { margin: .2em 0; }
#hosts-failing ul { margin: .3em 0; padding-left: 1.2em; }
#delivery-detail { background: #fff; border: 1px solid #54aeff; border-radius: 4px; padding: .5em 1em; margin-bottom: 1em; }
#delivery-detail h2 { font-size: 1em; margin: 0 0 .3em; }
#delivery-detail .error { white-space: pre-wrap; word-break: break-word; }
tr.selected td { background: #ddf4ff; }
#environments { margin-bottom: 1em; }
#environments h2 { font-size: 1em; margin: 0 0 .3em; }
.phase-promoted { background: #dafbe1; color: #116329; }
.phase-gate-failed, .phase-failed, .phase-timed-out { background: #ffebe9; color: #a40e26; }
.phase-waiting-merge, .phase-gate-pending, .phase-soaking { background: #fff8c5; color: #7d4e00; }
.phase-held, .behind { background: #eaeef2; color: #57606a; font-weight: 600; padding: 0 .4em; border-radius: 3px; }
.check { display: block; font-size: .9em; }
.check-failure, .check-error { background: #ffebe9; color: #a40e26; font-weight: 600; }
.check-pending { color: #7d4e00; }
.check-success { color: #116329; }
.image { word-break: break-all; }
`;
