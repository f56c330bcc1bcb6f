#!/usr/bin/env node
// post-receive hook for plain git hosts (host kind `git`): sends one signed webhook per pushed
// ref to dispatchd. Install it as hooks/post-receive of a bare repository and configure:
//   git config dispatchd.url    http://dispatchd.example:8080/hooks/<host name>
//   git config dispatchd.secret <the host's webhookSecret>
//   git config dispatchd.repo   <path of this repo below the host url, e.g. acme/app.git>
// Signed as Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). Needs Node 20.
import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';

const cfg = (key) => {
  try {
    return execFileSync('git', ['config', '--get', key], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};
const url = process.env.DISPATCHD_HOOK_URL || cfg('dispatchd.url');
const secret = process.env.DISPATCHD_HOOK_SECRET || cfg('dispatchd.secret');
const repo = process.env.DISPATCHD_HOOK_REPO || cfg('dispatchd.repo');
if (!url || !secret || !repo) {
  console.error('dispatchd hook: set git config dispatchd.url, dispatchd.secret and dispatchd.repo');
  process.exit(0);
}

const lines = (await new Promise((res) => {
  let s = '';
  process.stdin.on('data', (d) => (s += d));
  process.stdin.on('end', () => res(s));
})).split('\n').filter(Boolean);

for (const line of lines) {
  const [before, after, ref] = line.split(' ');
  const body = JSON.stringify({ repo, ref, before, after, pusher: process.env.GL_USERNAME || process.env.USER || userInfo().username });
  const id = `msg_${randomUUID()}`;
  const ts = Math.floor(Date.now() / 1000);
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
  const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': `v1,${sig}`, 'x-dispatchd-event': 'push' },
      body,
    });
    const text = await res.text();
    console.log(`dispatchd: ${ref} → HTTP ${res.status} ${text}`);
  } catch (err) {
    // A failed hook never blocks the push; the pusher sees why and can push again or replay.
    console.error(`dispatchd: could not reach ${url}: ${err.message}`);
  }
}
