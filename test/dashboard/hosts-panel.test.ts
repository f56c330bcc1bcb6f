import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN, startFullStack, type FullStack } from '../http/full-stack.js';

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

describe('dashboard: the "hosts failing" panel in headless Chromium', () => {
  let s: FullStack;
  let url = '';
  let profile = '';
  let browser: BrowserContext;
  let page: Page;

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: install it with "bash scripts/ensure-system.sh test" (or: sudo apt-get install -y chromium)`,
    );
    s = await startFullStack({ extraYaml: 'retry: { horizon: 2m, firstDelay: 200ms, maxDelay: 1s }' });
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    profile = await mkdtemp(join(tmpdir(), 'dispatchd-chromium-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    page = browser.pages()[0] ?? (await browser.newPage());
  });
  after(async () => {
    s?.gh.setFaults(undefined);
    await browser?.close();
    await s?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it(
    'names the failing host and its waiting deliveries during an outage, and hides once it heals',
    { timeout: 90_000 },
    async () => {
      await page.goto(`${url}/`);
      await page.locator('#login').waitFor({ state: 'visible' });
      await page.fill('#token', ADMIN);
      await page.click('#login button[type=submit]');
      await page.locator('#empty').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#hosts-failing').isHidden(), true, 'hidden while no host fails');

      s.gh.setFaults(() => ({ status: 503 }));
      const { deliveryId, status } = await s.push('staging', '7.0.0');
      assert.equal(status, 202);
      const line = page.locator('#hosts-failing li[data-host="github"][data-waiting="1"]');
      await line.waitFor({ state: 'visible', timeout: 20_000 });
      assert.match(
        (await line.textContent()) ?? '',
        /github: 1 waiting \(1 deliveries, 0 environment updates\) since .*HTTP 503/,
      );

      s.gh.setFaults(undefined);
      await page.locator('#hosts-failing').waitFor({ state: 'hidden', timeout: 20_000 });
      await page
        .locator(`tr[data-delivery-id="github:${deliveryId}"][data-status="succeeded"]`)
        .waitFor({ timeout: 30_000 });
    },
  );
});
