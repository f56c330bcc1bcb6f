import { z } from 'zod';
import type { RepoRef } from '../../core/push-event.js';
import type { WebhookContext } from '../contracts.js';

/** The `project` object of GitLab's merge request, note, job and pipeline hooks. */
export const Project = z.object({
  path_with_namespace: z.string(),
  web_url: z.string().nullish(),
  git_http_url: z.string().nullish(),
});

/** A hook's project as a RepoRef; older GitLab versions leave out the URLs, built from the host's then. */
export const repoRef = (p: z.infer<typeof Project>, ctx: WebhookContext): RepoRef => ({
  fullName: p.path_with_namespace,
  cloneUrl: p.git_http_url ?? `${ctx.hostUrl}/${p.path_with_namespace}.git`,
  webUrl: p.web_url ?? `${ctx.hostUrl}/${p.path_with_namespace}`,
});
