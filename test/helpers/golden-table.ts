import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ScmKind } from '../../src/core/push-event.js';
import type { WebhookContext, WebhookParser } from '../../src/scm/contracts.js';
import { signedRequest } from './sign.js';

export interface GoldenTable {
  scm: ScmKind;
  /** For test names: "GitLab", "Bitbucket Cloud". */
  label: string;
  parser: () => WebhookParser;
  ctx: Omit<WebhookContext, 'secrets'>;
  secret: string;
  /** Delivery ids are `<idPrefix>-<fixture file>`. */
  idPrefix: string;
  /** The event header the SCM sends with this body, when it depends on the body. */
  event?: (raw: Buffer, file: string) => string;
}

/**
 * go-scm's golden table: every captured body in test/fixtures/webhooks/<scm>/, signed as that
 * SCM signs it, verified, parsed and compared with its reviewed golden output in
 * test/fixtures/golden/<scm>/. `UPDATE_GOLDEN=1` rewrites the goldens (then read each one).
 */
export function goldenTable(t: GoldenTable): void {
  const fixtures = fileURLToPath(new URL(`../fixtures/webhooks/${t.scm}/`, import.meta.url));
  const goldens = fileURLToPath(new URL(`../fixtures/golden/${t.scm}/`, import.meta.url));
  const ctx: WebhookContext = { ...t.ctx, secrets: ['old-secret', t.secret] };
  const files = readdirSync(fixtures)
    .filter((f) => f.endsWith('.json'))
    .sort();

  test(`every ${t.label} fixture has a golden file`, () => {
    assert.ok(files.length > 0, `no fixtures found in ${fixtures}`);
    if (process.env.UPDATE_GOLDEN) return;
    const expected = files.map((f) => f.replace(/\.json$/, '.golden.json')).sort();
    assert.deepEqual(readdirSync(goldens).sort(), expected);
  });

  for (const file of files) {
    test(`${t.label} golden: ${file}`, () => {
      const raw = readFileSync(fixtures + file);
      const id = `${t.idPrefix}-${file}`;
      // Timestamped signatures (plain git's Standard Webhooks) are dated at the parser's clock.
      const req = signedRequest(t.scm, raw, t.secret, {
        deliveryId: id,
        timestampSeconds: Math.floor(t.ctx.now / 1000),
        ...(t.event ? { event: t.event(raw, file) } : {}),
      });
      const parser = t.parser();
      parser.verify(req, ctx);
      assert.equal(parser.deliveryId(req), id);
      const actual = JSON.parse(JSON.stringify(parser.parse(req, ctx))) as unknown;
      const golden = goldens + file.replace(/\.json$/, '.golden.json');
      if (process.env.UPDATE_GOLDEN) {
        mkdirSync(goldens, { recursive: true });
        writeFileSync(golden, `${JSON.stringify(actual, null, 2)}\n`);
      }
      assert.ok(existsSync(golden), `missing ${golden}: run with UPDATE_GOLDEN=1 and review it`);
      assert.deepEqual(actual, JSON.parse(readFileSync(golden, 'utf8')));
    });
  }
}
