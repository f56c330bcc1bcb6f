import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../helpers/stack.js';

const HEADERS_TIMEOUT_MS = 1_000;
const MAX_CONNECTIONS = 40;
const GITLAB_TOKEN = 'gl-edge-token-4b1d';

/** The HTTP edge: what anyone on the network can make the receiver do, cheaply refused. */
describe('the HTTP edge refuses hostile input cheaply', () => {
  let stack: Stack;
  let port = 0;
  /** Server-side sockets, with when they were accepted and closed. */
  const sockets: { socket: Socket; opened: number; closed?: number }[] = [];

  before(async () => {
    stack = await startStack(
      `
hosts:
  github:
    kind: github
    url: https://github.internal.example
    token: t
    webhookSecret: gh-secret
    maxBodyBytes: 1000
  gitlab:
    kind: gitlab
    url: https://gitlab.internal.example
    token: t
    webhookSecret: ${GITLAB_TOKEN}
    maxBodyBytes: 8388608
repositories:
  - {host: github, repo: acme/app}
  - {host: gitlab, repo: acme/app}
http:
  headersTimeout: ${HEADERS_TIMEOUT_MS}ms
  requestTimeout: 3s
  maxConnections: ${MAX_CONNECTIONS}
dataDir: \${DATA_DIR}
`,
      { workers: false },
    );
    stack.server.on('connection', (socket: Socket) => {
      const entry: { socket: Socket; opened: number; closed?: number } = { socket, opened: performance.now() };
      sockets.push(entry);
      socket.on('close', () => {
        entry.closed = performance.now();
      });
    });
    await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', r));
    port = (stack.server.address() as AddressInfo).port;
  });
  after(async () => {
    stack?.server.closeAllConnections();
    await new Promise((r) => stack?.server.close(r));
    await stack?.stop();
  });

  const connections = () =>
    new Promise<number>((res, rej) => stack.server.getConnections((e, n) => (e ? rej(e) : res(n))));
  const noConnections = async () => {
    for (let i = 0; i < 100 && (await connections()) > 0; i++) await sleep(50);
    assert.equal(await connections(), 0, 'earlier tests left connections open');
  };

  it('5,000 requests to random /hooks/<name> add no metric series but "unknown", and the 404 names no configured host', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 10 });
    const seen = new Set<string>();
    let n = 0;
    const worker = async () => {
      while (n < 5_000) {
        const name = `h${++n}-${Math.random().toString(36).slice(2, 10)}`;
        const res = await send({ port, agent, method: 'POST', path: `/hooks/${name}`, body: '{}' });
        assert.equal(res.status, 404);
        seen.add(res.text);
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    agent.destroy();
    // One answer for every name: it does not even echo the name asked for.
    assert.equal(seen.size, 1, [...seen].slice(0, 3).join('\n'));
    const body = JSON.parse([...seen][0]!) as { error: string; message: string };
    assert.equal(body.error, 'unknown_host');
    assert.equal(body.message, 'no such webhook endpoint; see docs/scm.md');
    for (const leak of ['github', 'gitlab', 'internal.example'])
      assert.ok(!body.message.includes(leak), `the 404 names ${leak}`);
    const series = (await stack.producer.metrics.webhooks.get()).values;
    assert.deepEqual([...new Set(series.map((v) => v.labels.host))], ['unknown']);
    assert.equal(
      series.reduce((s, v) => s + v.value, 0),
      5_000,
    );
    assert.ok(series.length <= 2, `a handful of series, got ${series.length}`);
    const exposition = await stack.producer.metrics.registry.metrics();
    assert.ok(exposition.length < 20_000, `/metrics stays small: ${exposition.length} bytes`);
  });

  it('closes a slowloris connection (headers never finished) within headersTimeout', async () => {
    await noConnections();
    const from = sockets.length;
    const client = connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    await new Promise((r) => client.once('connect', r));
    client.write('POST /hooks/github HTTP/1.1\r\nHost: localhost\r\n');
    // A header line now and then, never the blank line that ends them.
    const drip = setInterval(() => client.writable && client.write(`X-Slow-${Date.now()}: 1\r\n`), 100);
    try {
      const deadline = performance.now() + 5_000;
      while (performance.now() < deadline && sockets[from]?.closed === undefined) await sleep(20);
    } finally {
      clearInterval(drip);
      client.destroy();
    }
    const s = sockets[from];
    assert.ok(s?.closed !== undefined, 'the server closed the socket');
    const held = s.closed - s.opened;
    // Node checks on an interval of a fifth of headersTimeout: closed within it plus that and slack.
    assert.ok(held >= HEADERS_TIMEOUT_MS * 0.9 && held < HEADERS_TIMEOUT_MS * 1.6, `held ${held.toFixed(0)} ms`);
  });

  it(`refuses connections beyond maxConnections (${MAX_CONNECTIONS}) and serves again below it`, async () => {
    await noConnections();
    const open: Socket[] = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS; i++) {
        const c = connect(port, '127.0.0.1');
        c.on('error', () => undefined);
        open.push(c);
        await new Promise((r) => c.once('connect', r));
      }
      for (let i = 0; i < 50 && (await connections()) < MAX_CONNECTIONS; i++) await sleep(20);
      assert.equal(await connections(), MAX_CONNECTIONS);
      const dropped = new Promise<void>((r) => stack.server.once('drop', () => r()));
      const extra = connect(port, '127.0.0.1');
      extra.on('error', () => undefined);
      extra.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
      let answered = '';
      extra.on('data', (d: Buffer) => {
        answered += String(d);
      });
      await Promise.race([dropped, sleep(2_000).then(() => assert.fail('no drop event'))]);
      await new Promise((r) => (extra.closed ? r(undefined) : extra.once('close', r)));
      assert.equal(answered, '', 'the connection past the cap got no answer');
    } finally {
      for (const c of open) c.destroy();
    }
    await noConnections();
    const res = await send({ port, method: 'GET', path: '/healthz' });
    assert.equal(res.status, 200);
  });

  it('answers a wrong X-Gitlab-Token with 401 before the (large, slowly sent) body is read', async () => {
    const total = 4 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let written = 0;
    let writing = true;
    const req = httpRequest({
      port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/hooks/gitlab',
      headers: {
        'content-type': 'application/json',
        'content-length': String(total),
        'x-gitlab-event': 'Push Hook',
        'x-gitlab-token': 'wrong-token',
      },
    });
    req.on('error', () => undefined);
    const answered = new Promise<{ res: IncomingMessage; writtenAt: number; text: string }>((resolve) => {
      req.on('response', (res) => {
        const writtenAt = written;
        let text = '';
        res.on('data', (d: Buffer) => {
          text += String(d);
        });
        res.on('end', () => resolve({ res, writtenAt, text }));
      });
    });
    const pump = (async () => {
      while (writing && written < total) {
        req.write(chunk);
        written += chunk.length;
        await sleep(40);
      }
    })();
    const { res, writtenAt, text } = await answered;
    writing = false;
    await pump;
    req.destroy();
    assert.equal(res.statusCode, 401);
    assert.equal((JSON.parse(text) as { error: string }).error, 'signature_invalid');
    assert.ok(writtenAt < total / 2, `answered after ${writtenAt} of ${total} bytes were sent`);
    assert.equal(res.headers.connection, 'close');
  });

  it('a GitLab request with no token at all is refused the same way, and a right token reaches the body', async () => {
    const none = await send({
      port,
      method: 'POST',
      path: '/hooks/gitlab',
      headers: { 'x-gitlab-event': 'Push Hook' },
      body: '{}',
    });
    assert.equal(none.status, 401);
    assert.equal((JSON.parse(none.text) as { error: string }).error, 'signature_missing');
    const right = await send({
      port,
      method: 'POST',
      path: '/hooks/gitlab',
      headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': GITLAB_TOKEN, 'content-type': 'application/json' },
      body: 'not json',
    });
    assert.notEqual(right.status, 401, right.text);
  });

  it('applies hosts.<name>.maxBodyBytes over the top-level limit', async () => {
    const res = await send({
      port,
      method: 'POST',
      path: '/hooks/github',
      headers: { 'x-github-event': 'push', 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(2_000) }),
    });
    assert.equal(res.status, 413);
    assert.match(res.text, /exceeds 1000 bytes/);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function send(o: {
  port: number;
  agent?: Agent;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        port: o.port,
        host: '127.0.0.1',
        method: o.method,
        path: o.path,
        ...(o.agent ? { agent: o.agent } : {}),
        headers: {
          ...o.headers,
          ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += String(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}
