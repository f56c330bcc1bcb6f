import * as git from '../../common/git/bare-repo.js';
import { requireRepo, type GithubContext, type GithubRoute } from '../context.js';
import { githubError, notFound } from '../shapes.js';

// GitHub's compare lists at most 300 files and 250 commits (without paging parameters), while
// ahead_by, behind_by and total_commits count them all: clients detect the cap from these.
const MAX_FILES = 300;
const MAX_COMMITS = 250;

/** GET compare `base...head`: ancestry, commits and files from the merge base, capped as on GitHub. */
export function compareRoutes(ctx: GithubContext): GithubRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/compare/{basehead+}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const basehead = req.params.basehead ?? '';
        const dots = basehead.indexOf('...');
        if (dots < 0) throw notFound();
        const [baseRef, headRef] = [basehead.slice(0, dots), basehead.slice(dots + 3)];
        const baseSha = await git.revParse(r.dir, baseRef);
        const headSha = await git.revParse(r.dir, headRef);
        if (baseSha === null || headSha === null) throw notFound();
        const mergeBase = await git.mergeBase(r.dir, baseSha, headSha);
        if (mergeBase === null) throw githubError(404, `No common ancestor between ${baseRef} and ${headRef}.`);
        const [aheadBy, behindBy, commits, files] = await Promise.all([
          git.countCommits(r.dir, baseSha, headSha),
          git.countCommits(r.dir, headSha, baseSha),
          git.commitsBetween(r.dir, baseSha, headSha),
          git.changedPaths(r.dir, baseSha, headSha),
        ]);
        const status =
          aheadBy === 0 && behindBy === 0
            ? 'identical'
            : behindBy === 0
              ? 'ahead'
              : aheadBy === 0
                ? 'behind'
                : 'diverged';
        const commitJson = (c: git.LogEntry): Record<string, unknown> => {
          const m = /^(.*) <(.*)>$/.exec(c.author);
          const who = { name: m?.[1] ?? c.author, email: m?.[2] ?? '', date: c.date };
          return {
            sha: c.sha,
            url: `${ctx.base.apiUrl}/repos/${r.fullName}/commits/${c.sha}`,
            html_url: `${ctx.base.url}/${r.fullName}/commit/${c.sha}`,
            commit: { message: c.message, author: who, committer: who },
          };
        };
        return {
          status: 200,
          body: {
            url: `${ctx.base.apiUrl}/repos/${r.fullName}/compare/${basehead}`,
            html_url: `${ctx.base.url}/${r.fullName}/compare/${basehead}`,
            base_commit: { sha: baseSha },
            merge_base_commit: { sha: mergeBase },
            status,
            ahead_by: aheadBy,
            behind_by: behindBy,
            total_commits: aheadBy,
            commits: commits.slice(0, MAX_COMMITS).map(commitJson),
            files: files.slice(0, MAX_FILES).map((f) => ({
              sha: null,
              filename: f.path,
              status: f.status,
              ...(f.previousPath === undefined ? {} : { previous_filename: f.previousPath }),
            })),
          },
        };
      },
    },
  ];
}
