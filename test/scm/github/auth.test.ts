import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { HostConfig } from '../../../src/config/schema.js';
import { PermanentError } from '../../../src/core/errors.js';
import { githubAuth } from '../../../src/scm/github/auth.js';
import { githubProvider } from '../../../src/scm/github/provider.js';
import { startGithubEmulator, type GithubEmulator } from '../../emulators/github/emulator.js';

const TOKEN_ROUTE = 'POST /app/installations/{installation_id}/access_tokens';
const LOOKUP_ROUTE = 'GET /repos/{owner}/{repo}/installation';
const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

describe('GitHub App credentials: installation tokens from the app id and private key', () => {
  let gh: GithubEmulator;
  // Installation tokens from this emulator live 2 s, so a refresh can be watched in a test.
  before(async () => {
    gh = await startGithubEmulator({
      token: 'ghp_not_used_here',
      app: { id: '4242', publicKeyPem: keys.publicKey, installationId: 77, tokenTtlSec: 2 },
    });
    await gh.git.createRepo('acme/app', { files: { Dispatchfile: '#!yaml\n' } });
    await gh.git.createRepo('acme/other', { files: { README: 'x\n' } });
  });
  after(() => gh?.close());

  const host = (app: Record<string, unknown>) =>
    HostConfig.parse({ kind: 'github', url: gh.url, apiUrl: gh.apiUrl, app });

  it('reads through the API with an installation token found per repository, asking once per installation', async () => {
    const p = githubProvider('ghapp', host({ id: 4242, privateKey: keys.privateKey }));
    const before = gh.count(TOKEN_ROUTE);
    assert.equal(await p.readFile('acme/app', 'Dispatchfile', 'main'), '#!yaml\n');
    assert.equal(await p.defaultBranch('acme/app'), 'main');
    assert.equal(await p.readFile('acme/other', 'README', 'main'), 'x\n');
    assert.equal(gh.count(TOKEN_ROUTE) - before, 1, 'one token for the one installation');
    assert.equal(
      gh.calls.filter((c) => c.route === LOOKUP_ROUTE && c.path.includes('acme/app')).length,
      1,
      'the installation of a repo is looked up once',
    );
  });

  it('with app.installationId set, never looks the installation up', async () => {
    const lookups = gh.count(LOOKUP_ROUTE);
    const auth = githubAuth('ghapp', host({ id: '4242', privateKey: keys.privateKey, installationId: 77 }), gh.apiUrl);
    const token = await auth.token('acme/app');
    assert.match(token, /^ghs_/);
    assert.equal(gh.count(LOOKUP_ROUTE), lookups);
    const res = await fetch(`${gh.apiUrl}/repos/acme/app`, { headers: { authorization: `token ${token}` } });
    assert.equal(res.status, 200);
  });

  it('takes a new token before the old one expires, and shares one request between concurrent callers', async () => {
    const auth = githubAuth('ghapp', host({ id: '4242', privateKey: keys.privateKey, installationId: 77 }), gh.apiUrl);
    const issued = gh.count(TOKEN_ROUTE);
    const burst = await Promise.all(Array.from({ length: 5 }, () => auth.token('acme/app')));
    assert.equal(new Set(burst).size, 1);
    assert.equal(gh.count(TOKEN_ROUTE) - issued, 1, 'five callers, one token request');
    await new Promise((r) => setTimeout(r, 2100));
    const old = burst[0]!;
    assert.equal(
      (await fetch(`${gh.apiUrl}/repos/acme/app`, { headers: { authorization: `token ${old}` } })).status,
      401,
      'the first token has expired',
    );
    const renewed = await auth.token('acme/app');
    assert.notEqual(renewed, old);
    assert.equal(
      (await fetch(`${gh.apiUrl}/repos/acme/app`, { headers: { authorization: `token ${renewed}` } })).status,
      200,
    );
  });

  it('says the app is not installed when the repository has no installation', async () => {
    const auth = githubAuth('ghapp', host({ id: '4242', privateKey: keys.privateKey }), gh.apiUrl);
    await assert.rejects(
      auth.token('acme/missing'),
      (e: unknown) =>
        e instanceof PermanentError &&
        e.code === 'github_app_not_installed' &&
        /not installed on acme\/missing.*installationId/.test(e.message),
    );
  });

  it('says which settings to check when the private key is not the app’s', async () => {
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const auth = githubAuth('ghapp', host({ id: '4242', privateKey: other.privateKey, installationId: 77 }), gh.apiUrl);
    await assert.rejects(
      auth.token('acme/app'),
      (e: unknown) =>
        e instanceof PermanentError &&
        e.code === 'github_app_rejected' &&
        /hosts\.ghapp\.app\.id.*privateKey/.test(e.message),
    );
  });

  it('accepts a private key whose newlines arrive escaped, as from an environment variable', async () => {
    const auth = githubAuth(
      'ghapp',
      host({ id: '4242', privateKey: keys.privateKey.replace(/\n/g, '\\n'), installationId: 77 }),
      gh.apiUrl,
    );
    assert.match(await auth.token('acme/app'), /^ghs_/);
  });

  it('a token host keeps its token, and a host with neither is refused with what to set', async () => {
    assert.equal(
      await githubAuth('gh', HostConfig.parse({ kind: 'github', url: gh.url, token: 'ghp_x' }), gh.apiUrl).token('a/b'),
      'ghp_x',
    );
    await assert.rejects(
      githubAuth('gh', HostConfig.parse({ kind: 'github', url: gh.url }), gh.apiUrl).token('a/b'),
      /hosts\.gh\.token or hosts\.gh\.app/,
    );
  });
});
