import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN, GITOPS, startFullStack, type FullStack } from '../http/full-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('dashboard in headless Chromium', () => {
  let s: FullStack;
  let url = '';
  let profile = '';
  let browser: BrowserContext;
  let page: Page;

  before(async () => {
    // A missing browser is a broken test machine, not a reason to skip.
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: install it with "bash scripts/ensure-system.sh test" (or: sudo apt-get install -y chromium)`,
    );
    s = await startFullStack();
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    profile = await mkdtemp(join(tmpdir(), 'dispatchd-chromium-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    page = browser.pages()[0] ?? (await browser.newPage());
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it("asks for the admin token and refuses a wrong one with the server's message", async () => {
    await page.goto(`${url}/`);
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.fill('#token', 'not-the-admin-token');
    await page.click('#login button[type=submit]');
    await page.locator('#login-message', { hasText: 'DISPATCHD_ADMIN_TOKEN' }).waitFor();
    assert.equal(
      await page.evaluate(() => sessionStorage.getItem('dispatchd.adminToken')),
      null,
      'a refused token is forgotten',
    );
  });

  it('shows a new delivery with its PR link without a reload, and screenshots', async () => {
    await page.fill('#token', ADMIN);
    await page.click('#login button[type=submit]');
    await page.locator('#empty').waitFor({ state: 'visible' });
    assert.ok(!page.url().includes(ADMIN), 'the token never goes into the URL');

    const { deliveryId, status } = await s.push('staging', '4.2.0');
    assert.equal(status, 202);
    const row = page.locator(`tr[data-delivery-id="github:${deliveryId}"][data-status="succeeded"]`);
    await row.waitFor({ timeout: 30_000 });
    const pr = s.gh.pulls(GITOPS)[0];
    assert.ok(pr);
    const link = row.locator('a.pr');
    assert.match((await link.getAttribute('href')) ?? '', new RegExp(`/${GITOPS}/pull/${pr.number}$`));
    assert.match((await row.textContent()) ?? '', /acme\/hello-world.*staging/);

    const shot = join(profile, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = await readFile(shot);
    assert.ok(png.length > 1000, `screenshot of ${png.length} bytes`);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');
  });

  it(
    'a failed delivery shows a Retry button; clicking it queues a retry and the row turns succeeded',
    { timeout: 90_000 },
    async () => {
      // The PR create is refused (a permanent 422): the GitOps update fails for good.
      s.gh.setFaults((call) => (call.route === 'POST /repos/{owner}/{repo}/pulls' ? { status: 422 } : undefined));
      const { deliveryId, status } = await s.push('production', '5.0.0');
      assert.equal(status, 202);
      const id = `github:${deliveryId}`;
      const failed = page.locator(`tr[data-delivery-id="${id}"][data-status="failed"]`);
      await failed.waitFor({ timeout: 30_000 });
      s.gh.setFaults(undefined);
      assert.match((await failed.textContent()) ?? '', /HTTP 422/, 'the row shows the error');
      const button = failed.locator('button.retry');
      assert.equal(await button.count(), 1, 'a failed delivery has a Retry button');
      assert.equal(
        await page.locator('tr[data-status="succeeded"] button.retry').count(),
        0,
        'a delivery that succeeded has none',
      );
      const before = await page.screenshot({ path: join(profile, 'failed.png'), fullPage: true });

      await button.click();
      const row = page.locator(`tr[data-delivery-id="${id}"][data-status="succeeded"]`);
      await row.waitFor({ timeout: 30_000 });
      assert.equal(await row.locator('button.retry').count(), 0, 'no Retry button once it succeeded');
      assert.match((await row.locator('.retried').textContent()) ?? '', /retried 1×/);
      const pr = s.gh.pulls(GITOPS).find((p) => p.head.endsWith('/production') && p.state === 'open');
      assert.ok(pr, 'the retry opened the production PR');
      assert.match((await row.locator('a.pr').getAttribute('href')) ?? '', new RegExp(`/${GITOPS}/pull/${pr.number}$`));
      const shot = join(profile, 'retried.png');
      await page.screenshot({ path: shot, fullPage: true });
      const png = await readFile(shot);
      assert.deepEqual([...png.subarray(0, 8)], [...before.subarray(0, 8)], 'a PNG file');

      // The click's effect, through the API: one retry, the 422 kept in history, the PR linked.
      const res = await fetch(`${url}/api/deliveries/${encodeURIComponent(id)}`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      const rec = (await res.json()) as {
        status: string;
        retries: number;
        history: { status: string; errors: string[] }[];
        prUrls: string[];
      };
      assert.equal(rec.status, 'succeeded');
      assert.equal(rec.retries, 1, 'one click, one retry');
      assert.equal(rec.history[0]?.status, 'failed');
      assert.match(rec.history[0]?.errors.join('\n') ?? '', /HTTP 422/);
      assert.ok(rec.prUrls[0]?.endsWith(`/pull/${pr.number}`));
      const jobs = await s.producer.events.getJobs(['completed']);
      assert.ok(
        jobs.some((j) => j.id?.endsWith('-retry-1') && j.data.event.deliveryId === deliveryId),
        'the retry ran as a new push job',
      );
    },
  );

  it(
    '#delivery=<audit id> (the link a commit status carries) opens that delivery with its full errors',
    { timeout: 60_000 },
    async () => {
      // Every pull-request call is refused (a permanent 422): this delivery fails for good.
      s.gh.setFaults((call) => (call.route.includes('/pulls') ? { status: 422 } : undefined));
      const { deliveryId, status } = await s.push('staging', '6.0.0');
      assert.equal(status, 202);
      const id = `github:${deliveryId}`;
      let rec: { status: string; errors: string[] } | undefined;
      for (let i = 0; i < 300 && rec?.status !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const res = await fetch(`${url}/api/deliveries/${encodeURIComponent(id)}`, {
          headers: { authorization: `Bearer ${ADMIN}` },
        });
        rec = res.status === 200 ? ((await res.json()) as typeof rec) : undefined;
      }
      s.gh.setFaults(undefined);
      assert.equal(rec?.status, 'failed');
      const error = rec.errors[0];
      assert.ok(error, 'the delivery has an error to show');

      // A fresh load of the link (the token is still in this tab's session storage).
      await page.goto('about:blank');
      await page.goto(`${url}/#delivery=${encodeURIComponent(id)}`);
      const detail = page.locator(`#delivery-detail[data-delivery-id="${id}"][data-status="failed"]`);
      await detail.waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await detail.locator('.detail-id').textContent(), id);
      const shown = await detail.locator('.error').allTextContents();
      assert.ok(shown.includes(error), `the full error is shown: ${JSON.stringify(shown)} vs ${JSON.stringify(error)}`);
      assert.match(shown.join('\n'), /HTTP 422/);
      await page.locator(`tr.selected[data-delivery-id="${id}"]`).waitFor({ timeout: 10_000 });

      // Closing it drops the hash and hides the panel.
      await page.click('#detail-close');
      await detail.waitFor({ state: 'hidden' });
      assert.ok(!page.url().includes('#delivery='), page.url());
    },
  );
});
