import type { ScmKind } from '../../core/push-event.js';
import { PUSH_EVENT } from '../../scm/sign-request.js';

type Payload = Record<string, unknown>;

const has = (p: Payload, ...keys: string[]) => keys.every((k) => p[k] !== undefined);

// GitLab names its header after object_kind; system hooks all arrive as "System Hook".
const GITLAB_HEADER: Record<string, string> = {
  push: 'Push Hook',
  tag_push: 'Tag Push Hook',
  merge_request: 'Merge Request Hook',
  note: 'Note Hook',
  pipeline: 'Pipeline Hook',
  issue: 'Issue Hook',
  build: 'Job Hook',
};

/**
 * The event header an SCM would have sent with this payload, read from the body's shape; undefined
 * when the body does not say (the caller then asks for `--event`). Only shapes that name one event
 * unambiguously are inferred: a guess that is wrong would make the receiver ignore the replay.
 */
export function inferEvent(kind: ScmKind, payload: unknown): string | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const p = payload as Payload;
  switch (kind) {
    case 'github':
      if (has(p, 'zen', 'hook_id')) return 'ping';
      if (has(p, 'ref', 'before', 'after')) return PUSH_EVENT.github;
      return undefined;
    case 'gitlab': {
      if (typeof p.object_kind === 'string') return GITLAB_HEADER[p.object_kind];
      return typeof p.event_name === 'string' ? 'System Hook' : undefined;
    }
    case 'bitbucket-cloud':
      return has(p, 'push') ? PUSH_EVENT['bitbucket-cloud'] : undefined;
    case 'bitbucket-server':
      // Bitbucket Server repeats its event key in the body.
      return typeof p.eventKey === 'string' ? p.eventKey : undefined;
    case 'git':
      return has(p, 'ref', 'before', 'after') ? PUSH_EVENT.git : undefined;
  }
}
