import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log/logger.js';
import { prBody, quotedCode } from '../../src/gitops/pr-text.js';
import type { EnvUpdateSpec } from '../../src/core/env-update.js';
import type { CommitStatus } from '../../src/scm/contracts.js';
import type { Providers } from '../../src/scm/providers.js';
import { deliveryLink, publicDescription, setStatus } from '../../workers/statuses.js';

const spec = (message: string, pusher = 'alice'): EnvUpdateSpec => ({
  seq: 1,
  source: {
    host: 'github',
    fullName: 'acme/app',
    sha: 'a'.repeat(40),
    ref: 'refs/heads/main',
    refName: 'main',
    pusher,
    webUrl: 'https://github.com/acme/app',
    commitUrl: 'https://github.com/acme/app/commit/aaaa',
    message,
    deliveryId: 'd-1',
  },
  task: 'deploy',
  args: [],
  workingSubdir: '',
  target: { host: 'github', fullName: 'acme/gitops' } as EnvUpdateSpec['target'],
  images: {},
  envDir: 'staging',
  receivedAt: 0,
});
const text = { gitRevision: 'a'.repeat(40), images: {}, changes: [], files: [], diff: '', base: 'main' };
const sourceLine = (body: string) => body.split('\n').find((l) => l.startsWith('- Source commit:'))!;

/** The Markdown outside code spans, as CommonMark would see it (fences matched by length). */
function outsideCode(line: string): string {
  return line.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, '');
}

describe('PR bodies quote the commit message as code', () => {
  it('renders @mentions, #refs, links, images and HTML in the subject inside a code span', () => {
    const msg =
      'Fix it @octocat closes #12 see [x](https://evil) ![i](https://evil/i.png) <img src=x> https://evil/raw\nsecond line @other';
    const line = sourceLine(prBody(spec(msg), text));
    const rest = outsideCode(line);
    for (const bad of ['@octocat', '#12', '[x](https://evil)', 'https://evil', '<img', '@other'])
      assert.ok(!rest.includes(bad), `${bad} outside code in: ${line}`);
    assert.ok(line.includes('`Fix it @octocat closes #12 see [x](https://evil)'), line);
    assert.ok(!line.includes('second line'), 'only the first line');
  });

  it('survives backticks in the message: the fence is longer than any run inside', () => {
    const msg = 'use ``code`` then ` @octocat [x](https://evil) `';
    const line = sourceLine(prBody(spec(msg), text));
    assert.ok(
      line.includes('``` use ``code`` then ` @octocat [x](https://evil) ` ```') ||
        line.includes('```use ``code`` then ` @octocat [x](https://evil) `'),
      line,
    );
    assert.ok(!outsideCode(line).includes('@octocat'), line);
    assert.equal(quotedCode('`a`'), '`` `a` ``');
    assert.equal(quotedCode('a\r\nb\u0000c'), '`a  b c`');
    assert.equal(quotedCode(''), '');
  });

  it('quotes the pusher as code too, and keeps a message-less line short', () => {
    const body = prBody(spec('', '@octocat'), text);
    assert.match(body, /- Pushed by: `@octocat`/);
    assert.match(sourceLine(body), /\)$/);
  });
});

describe('commit statuses carry a short public reason and a link to the delivery', () => {
  const capture = () => {
    const sent: CommitStatus[] = [];
    const providers = {
      for: () => ({
        setStatus: async (_r: string, _s: string, st: CommitStatus) => {
          sent.push(st);
        },
      }),
    } as unknown as Providers;
    return { sent, providers };
  };
  const log = createLogger({ level: 'silent' });

  it('drops URLs (configured hosts, API endpoints, git remotes) and caps the length', () => {
    const d = publicDescription(
      'GET https://gitlab.internal.corp:8443/api/v4/projects/7 answered 403; remote git@gitlab.internal.corp:acme/app.git refused ' +
        'x'.repeat(200),
    );
    assert.ok(!d.includes('internal.corp'), d);
    assert.ok(d.length <= 140, String(d.length));
    assert.match(d, /^GET <url> answered 403; remote <remote> refused/);
    const net = publicDescription(
      'GET /api/v4/projects: no response (getaddrinfo ENOTFOUND gitlab.internal.corp); connect ECONNREFUSED 10.0.3.7:443',
    );
    assert.ok(!/internal\.corp|10\.0\.3\.7/.test(net), net);
  });

  it('links a status without a pull request to the delivery in the dashboard, when publicUrl is set', async () => {
    const { sent, providers } = capture();
    await setStatus(
      providers,
      log,
      'github',
      'acme/app',
      'sha',
      { state: 'failure', context: 'dispatchd', description: 'not granted: see https://ghe.internal/acme' },
      undefined,
      { publicUrl: 'https://dispatchd.example.com/', auditId: 'github:d-1' },
    );
    assert.equal(sent[0]!.targetUrl, 'https://dispatchd.example.com/#delivery=github%3Ad-1');
    assert.equal(sent[0]!.description, 'not granted: see <url>');
    await setStatus(
      providers,
      log,
      'github',
      'acme/app',
      'sha',
      {
        state: 'success',
        context: 'dispatchd/x',
        description: 'ok',
        targetUrl: 'https://github.com/acme/gitops/pull/1',
      },
      undefined,
      { publicUrl: 'https://dispatchd.example.com', auditId: 'github:d-1' },
    );
    assert.equal(sent[1]!.targetUrl, 'https://github.com/acme/gitops/pull/1', 'a PR link wins');
    await setStatus(providers, log, 'github', 'acme/app', 'sha', {
      state: 'failure',
      context: 'dispatchd',
      description: 'x',
    });
    assert.equal(sent[2]!.targetUrl, undefined, 'no publicUrl, no link');
    assert.equal(deliveryLink('https://d.example', 'gitlab:abc'), 'https://d.example/#delivery=gitlab%3Aabc');
  });
});
