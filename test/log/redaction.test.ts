import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log/logger.js';
import { redactObject, scrubText } from '../../src/log/redact.js';

const capture = () => {
  const out: string[] = [];
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write(c, _e, cb) {
        out.push(String(c));
        cb();
      },
    }),
  });
  return { log, out, last: () => JSON.parse(out.at(-1)!) as Record<string, unknown> };
};

describe('log redaction walks nested objects, arrays and URLs', () => {
  it('censors secret-named fields at any depth and in arrays', () => {
    const { log, out, last } = capture();
    const logged = {
      host: { name: 'gh', creds: { nested: { deeper: { token: 'tok-deep-1', apiKey: 'key-2' } } } },
      list: [{ password: 'pw-3' }, { 'X-Gitlab-Token': 'glt-4' }],
      webhook_secret: 'ws-5',
      ok: 'visible',
    };
    log.info(logged, 'config');
    const line = out.join('');
    for (const s of ['tok-deep-1', 'key-2', 'pw-3', 'glt-4', 'ws-5'])
      assert.ok(!line.includes(s), `${s} leaked: ${line}`);
    const l = last();
    assert.equal(l.ok, 'visible');
    assert.deepEqual((l.list as unknown[])[0], { password: '[redacted]' });
    assert.equal(logged.list[0]!.password, 'pw-3', "the caller's object is untouched");
  });

  it('hides credentials inside URLs: userinfo and token query values, in fields, nested strings, errors and messages', () => {
    const { log, out, last } = capture();
    const err = new Error('clone of https://oauth2:glpat-secret6@gitlab.example.com/acme/app.git failed');
    log.warn(
      {
        remote: 'https://user:ghp_secret7@github.com/acme/app.git',
        calls: [{ url: 'https://api.example.com/v4?private_token=pt-secret8&page=2' }],
        err,
        plain: new URL('https://x:u-secret9@h.example/?access_token=at-secret10'),
      },
      'push to https://x-access-token:ghs_secret11@github.com/a.git?token=qt-secret12 failed',
    );
    const line = out.join('');
    for (const s of [
      'glpat-secret6',
      'ghp_secret7',
      'pt-secret8',
      'u-secret9',
      'at-secret10',
      'ghs_secret11',
      'qt-secret12',
    ])
      assert.ok(!line.includes(s), `${s} leaked: ${line}`);
    const l = last();
    assert.equal(l.remote, 'https://user:***@github.com/acme/app.git');
    assert.equal((l.calls as { url: string }[])[0]!.url, 'https://api.example.com/v4?private_token=***&page=2');
    assert.match(String((l.err as { message: string }).message), /https:\/\/oauth2:\*\*\*@gitlab\.example\.com/);
    assert.match(String(l.msg), /x-access-token:\*\*\*@github\.com\/a\.git\?token=\*\*\*/);
  });

  it('redacts child logger bindings, keeps depth bounded and survives cycles', () => {
    const { log, out, last } = capture();
    const child = log.child({
      remote: 'https://u:child-secret13@git.example',
      auth: { authorization: 'Bearer abcdefgh-secret14' },
    });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = { token: 'too-deep-secret15' };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    child.child({ more: 'x' }).info({ cyclic, deep }, 'hello');
    const line = out.join('');
    for (const s of ['child-secret13', 'abcdefgh-secret14', 'too-deep-secret15'])
      assert.ok(!line.includes(s), `${s} leaked: ${line}`);
    assert.equal(last().remote, 'https://u:***@git.example');
    assert.equal(last().more, 'x');
  });

  it('copies nothing for a clean object and scrubs text cheaply', () => {
    const clean = { host: 'github', status: 202, nested: { a: [1, 2, 'x'] } };
    assert.equal(redactObject(clean), clean);
    assert.equal(scrubText('nothing to see'), 'nothing to see');
    assert.equal(scrubText('https://tok@host.example/x'), 'https://***@host.example/x');
    const started = performance.now();
    for (let i = 0; i < 100_000; i++)
      redactObject({ host: 'github', deliveryId: `d-${i}`, status: 202, outcome: 'queued' });
    assert.ok(performance.now() - started < 2_000, 'a webhook-sized line costs microseconds');
  });
});
