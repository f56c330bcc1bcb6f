import type { ScmKind } from '../core/push-event.js';
import type { WebhookParser } from './contracts.js';
import { SCM_KINDS } from './kinds.js';

/** One parser per SCM kind (from SCM_KINDS, so the compiler checks none is missing). */
export type WebhookParsers = Record<ScmKind, WebhookParser>;

export function createWebhookParsers(): WebhookParsers {
  const kinds = Object.keys(SCM_KINDS) as ScmKind[];
  return Object.fromEntries(kinds.map((k) => [k, SCM_KINDS[k].parser()])) as WebhookParsers;
}
