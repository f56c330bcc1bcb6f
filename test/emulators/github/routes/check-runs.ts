import { revParse } from '../../common/git/bare-repo.js';
import { paginate } from '../../common/http-io.js';
import { settleAutoMerge } from '../auto-merge.js';
import { bodyObject, isoNow, requireRepo, type GithubContext, type GithubRoute } from '../context.js';
import { githubError, notFound, validationFailed } from '../shapes.js';
import type { CheckRunRecord } from '../store.js';

const STATUSES: readonly string[] = ['queued', 'in_progress', 'completed'];
const CONCLUSIONS: readonly string[] = [
  'action_required',
  'cancelled',
  'failure',
  'neutral',
  'success',
  'skipped',
  'stale',
  'timed_out',
];

/** Checks API: create and update check runs, list them per commit (`filter=latest` by default). */
export function checkRunRoutes(ctx: GithubContext): GithubRoute[] {
  const json = (fullName: string, c: CheckRunRecord): Record<string, unknown> => ({
    id: c.id,
    head_sha: c.headSha,
    node_id: `CR_${c.id}`,
    external_id: '',
    url: `${ctx.base.apiUrl}/repos/${fullName}/check-runs/${c.id}`,
    html_url: `${ctx.base.url}/${fullName}/runs/${c.id}`,
    details_url: c.detailsUrl,
    status: c.status,
    conclusion: c.conclusion,
    started_at: c.startedAt,
    completed_at: c.completedAt,
    output: { title: c.title, summary: null, text: null, annotations_count: 0 },
    name: c.name,
  });
  // GitHub requires a conclusion once completed, and sets completed when a conclusion is given.
  const apply = (c: CheckRunRecord, b: Record<string, unknown>): void => {
    if (b.status !== undefined && (typeof b.status !== 'string' || !STATUSES.includes(b.status)))
      throw validationFailed({ resource: 'CheckRun', field: 'status', code: 'invalid' });
    if (b.conclusion !== undefined && (typeof b.conclusion !== 'string' || !CONCLUSIONS.includes(b.conclusion)))
      throw validationFailed({ resource: 'CheckRun', field: 'conclusion', code: 'invalid' });
    if (typeof b.conclusion === 'string') {
      c.conclusion = b.conclusion;
      c.status = 'completed';
    } else if (typeof b.status === 'string') c.status = b.status as CheckRunRecord['status'];
    if (c.status === 'completed' && c.conclusion === null)
      throw githubError(422, 'Conclusion is required when status is completed.');
    if (c.status === 'completed') c.completedAt ??= isoNow(ctx);
    if (typeof b.details_url === 'string') c.detailsUrl = b.details_url;
    const output = b.output as { title?: unknown } | undefined;
    if (typeof output?.title === 'string') c.title = output.title;
  };
  return [
    {
      method: 'POST',
      pattern: '/repos/{owner}/{repo}/check-runs',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const b = bodyObject(req);
        if (typeof b.name !== 'string' || b.name === '' || typeof b.head_sha !== 'string')
          throw validationFailed({ resource: 'CheckRun', field: 'name', code: 'missing_field' });
        const sha = await revParse(r.dir, b.head_sha);
        if (sha === null) throw githubError(422, 'No commit found for SHA: ' + b.head_sha);
        const run: CheckRunRecord = {
          id: ctx.store.nextId(),
          headSha: sha,
          name: b.name,
          status: 'queued',
          conclusion: null,
          detailsUrl: null,
          title: null,
          startedAt: isoNow(ctx),
          completedAt: null,
        };
        apply(run, b);
        r.state.checkRuns.push(run);
        await settleAutoMerge(ctx, r, sha);
        return { status: 201, body: json(r.fullName, run) };
      },
    },
    {
      method: 'PATCH',
      pattern: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const run = r.state.checkRuns.find((c) => c.id === Number(req.params.check_run_id));
        if (run === undefined) throw notFound();
        apply(run, bodyObject(req));
        await settleAutoMerge(ctx, r, run.headSha);
        return { status: 200, body: json(r.fullName, run) };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/commits/{ref+}/check-runs',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const sha = await revParse(r.dir, req.params.ref ?? '');
        if (sha === null) throw githubError(422, `No commit found for SHA: ${req.params.ref ?? ''}`);
        let list = r.state.checkRuns.filter((c) => c.headSha === sha).reverse();
        // filter=latest (the default) keeps the most recent run of each name.
        if ((req.query.get('filter') ?? 'latest') === 'latest')
          list = list.filter((c, i) => list.findIndex((x) => x.name === c.name) === i);
        const { page, headers } = paginate(list, req.query, req.selfUrl);
        return {
          status: 200,
          headers,
          body: { total_count: list.length, check_runs: page.map((c) => json(r.fullName, c)) },
        };
      },
    },
  ];
}
