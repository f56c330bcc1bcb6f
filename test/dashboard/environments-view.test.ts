import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN, APP, GITOPS, SECRET, TOKEN, startFullStack, type FullStack } from '../http/full-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync'];
const GATE = 'argocd/hello-world-staging';
const STAGING_HEAD = `dispatchd/github/${APP}/staging`;

/**
 * The environments view in headless Chromium over the real service (receiver + workers) and the
 * GitHub emulator: one screenshot per state of a staging → production chain. Set
 * DISPATCHD_SCREENSHOTS=<dir> to keep them.
 */
describe('dashboard: the environments view of a promotion chain', { timeout: 200_000 }, () => {
  let s: FullStack;
  let url = '';
  let profile = '';
  let browser: BrowserContext;
  let page: Page;
  const api = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${s.gh.apiUrl}${path}`, {
      method,
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.text()}`);
  };
  const row = (env: string) => page.locator(`#environments tr[data-env="${env}"]`);
  const shoot = async (name: string) => {
    const shot = join(profile, `${name}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    const png = await readFile(shot);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${name}: a PNG`);
    const keep = process.env.DISPATCHD_SCREENSHOTS;
    if (keep) {
      await mkdir(keep, { recursive: true });
      await copyFile(shot, join(keep, `environments-${name}.png`));
    }
  };
  const carriesIn = (env: string, sha: string) =>
    page.waitForFunction(
      ([e, c]) =>
        document.querySelector(`#environments tr[data-env="${e}"] td:nth-child(2)`)?.textContent?.startsWith(c!),
      [env, sha.slice(0, 7)],
      { timeout: 30_000 },
    );
  const mergeStaging = async () => {
    const pr = s.gh.pulls(GITOPS).find((p) => p.head === STAGING_HEAD && p.state === 'open')!;
    await s.idle();
    await api('PUT', `/repos/${GITOPS}/pulls/${pr.number}/merge`, { merge_method: 'merge' });
    return (await s.gh.git.revParse(GITOPS, 'main'))!;
  };

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install it with "bash scripts/ensure-system.sh test"`);
    s = await startFullStack({
      promotions: [{ from: 'staging', to: 'production', gate: { status: { context: GATE } } }],
    });
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    // GitHub sends the GitOps repository's status and pull-request events, as a real hook would.
    s.gh.addHook(GITOPS, { url: `${url}/hooks/github`, secret: SECRET, events: ['status', 'pull_request'] });
    profile = await mkdtemp(join(tmpdir(), 'dispatchd-chromium-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    page = browser.pages()[0] ?? (await browser.newPage());
    await page.setViewportSize({ width: 1400, height: 900 });
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('shows waiting, its checks, gate pending, promoted, gate failed, held by a rollback, resumed, and 3 behind', async () => {
    await page.goto(`${url}/`);
    await page.fill('#token', ADMIN);
    await page.click('#login button[type=submit]');
    assert.equal(await page.locator('#environments').isHidden(), true, 'no environment before a push');

    const v1 = await s.push('staging', '1.0.0');
    await row('staging').and(page.locator('[data-phase="waiting-merge"]')).waitFor({ timeout: 30_000 });
    assert.match((await row('staging').textContent()) ?? '', new RegExp(`${v1.sha.slice(0, 7)}.*staging-${v1.sha}`));
    await shoot('1-waiting-merge');

    const open = s.gh.pulls(GITOPS).find((p) => p.head === STAGING_HEAD && p.state === 'open')!;
    await api('POST', `/repos/${GITOPS}/statuses/${open.headSha}`, { state: 'pending', context: 'ci/test' });
    await api('POST', `/repos/${GITOPS}/statuses/${open.headSha}`, {
      state: 'failure',
      context: 'ci/lint',
      description: '3 lint errors',
    });
    const check = (ctx: string, state: string) =>
      row('staging').locator(`[data-check="${ctx}"][data-state="${state}"]`);
    await check('ci/lint', 'failure').waitFor({ timeout: 30_000 });
    await check('ci/test', 'pending').waitFor({ timeout: 30_000 });
    assert.match((await check('ci/lint', 'failure').textContent()) ?? '', /ci\/lint → failure: 3 lint errors/);
    assert.equal(
      await row('staging')
        .locator('a', { hasText: `open PR #${open.number}` })
        .count(),
      1,
    );
    // The failed check stands out: its own colour, not the note grey of the rest.
    const colour = (ctx: string) =>
      row('staging')
        .locator(`[data-check="${ctx}"]`)
        .evaluate((n) => getComputedStyle(n).color);
    assert.notEqual(await colour('ci/lint'), await colour('ci/test'));
    await shoot('1b-pr-checks');

    const merged = await mergeStaging();
    await row('staging').and(page.locator('[data-phase="gate-pending"]')).waitFor({ timeout: 30_000 });
    // Merged: no open PR, so no checks are shown for it any more.
    await row('staging').locator('[data-check]').first().waitFor({ state: 'detached', timeout: 30_000 });
    assert.match((await row('staging').textContent()) ?? '', new RegExp(`no ${GATE} status yet`));
    await shoot('2-gate-pending');

    await api('POST', `/repos/${GITOPS}/statuses/${merged}`, { state: 'success', context: GATE });
    await row('staging').and(page.locator('[data-phase="promoted"]')).waitFor({ timeout: 60_000 });
    await row('production').waitFor({ timeout: 30_000 });
    // Until the promotion's update lands, production lists v1's image as waiting: wait for it to
    // carry it (seen once in CI: the waiting line matched an image-only wait).
    await page.waitForFunction(
      () => document.querySelector('#environments tr[data-env="production"]')?.textContent?.includes('same as staging'),
      undefined,
      { timeout: 30_000 },
    );
    assert.match((await row('production').textContent()) ?? '', new RegExp(`staging-${v1.sha}`));
    assert.doesNotMatch((await row('production').textContent()) ?? '', /waiting:/);
    await shoot('3-promoted');

    const v2 = await s.push('staging', '2.0.0');
    await page.waitForFunction(
      (sha) => document.querySelector('#environments tr[data-env="staging"]')?.textContent?.includes(sha),
      v2.sha.slice(0, 7),
      { timeout: 30_000 },
    );
    const merged2 = await mergeStaging();
    await api('POST', `/repos/${GITOPS}/statuses/${merged2}`, {
      state: 'failure',
      context: GATE,
      description: 'Degraded',
    });
    await row('staging').and(page.locator('[data-phase="gate-failed"]')).waitFor({ timeout: 60_000 });
    assert.match((await row('staging').textContent()) ?? '', /is failure on .*: Degraded; nothing promoted/);
    assert.match((await row('production').textContent()) ?? '', /behind staging/);
    await shoot('4-gate-failed');

    await row('staging').locator('button.rollback').click();
    await row('staging').and(page.locator('[data-held="true"]')).waitFor({ timeout: 30_000 });
    await row('staging').locator('.rollback', { hasText: 'rollback done' }).waitFor({ timeout: 30_000 });
    assert.match((await row('staging').textContent()) ?? '', new RegExp(`rollback done to ${v1.sha.slice(0, 7)}`));
    await shoot('5-held-rollback');

    await row('staging').locator('button.resume').click();
    await row('staging').and(page.locator('[data-held="false"]')).waitFor({ timeout: 30_000 });
    await shoot('6-resumed');

    await s.idle();
    // One at a time: pushes that arrive together are coalesced into the newest (one update).
    const pushes = [];
    for (const version of ['3.0.0', '4.0.0', '5.0.0']) {
      const p = await s.push('staging', version);
      await carriesIn('staging', p.sha);
      pushes.push(p);
    }
    const v5 = pushes.at(-1)!;
    await row('production')
      .locator('[data-behind="3"]')
      .waitFor({ timeout: 60_000 })
      .catch(async (err: Error) => {
        const warn = s.logs.filter((l) => /"level":(40|50)/.test(l)).slice(-5);
        throw new Error(`${err.message}; rows: ${await page.locator('#environments').textContent()}; ${warn.join('')}`);
      });
    const behind = await row('production').locator('[data-behind]').innerText();
    // v1 (which production carries, re-applied by the rollback), then v3, v4 and v5 in staging.
    assert.match(behind, /^3 updates behind staging\nsince \d+ s ago\n/);
    assert.match(behind, new RegExp(`waiting: ${v5.sha.slice(0, 7)} \\(staging\\)\\n\\S+:staging-${v5.sha}$`));
    assert.match(behind, new RegExp(`${v1.sha.slice(0, 7)} → ${v5.sha.slice(0, 7)}`));
    await shoot('7-three-behind');
  });
});
