import type { Octokit } from '@octokit/rest';
import { requireConfig, requireHost } from './config.js';
import { githubClients, githubHint } from './github-client.js';
import { EXIT, UsageError, type CliIo } from './io.js';
import { pickFailed, type HookDelivery } from './pick-failed.js';
import { parseSince } from './since.js';

export interface RedeliverOptions {
  host: string;
  since: string;
  repo?: string[];
  /** Only this hook id (repeatable); otherwise the hooks whose URL ends in /hooks/<host>. */
  hook?: number[];
  dryRun?: boolean;
}

interface Hook {
  id: number;
  config: { url?: string };
}

const status = (err: unknown) => (err as { status?: number }).status;
const when = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** dispatchd's hooks of a repository: the ones that POST to `/hooks/<host>`, unless ids are given. */
function ours(hooks: Hook[], hostName: string, ids: number[] | undefined): Hook[] {
  if (ids && ids.length > 0) return hooks.filter((h) => ids.includes(h.id));
  return hooks.filter((h) => {
    try {
      return new URL(h.config.url ?? '').pathname.replace(/\/+$/, '').endsWith(`/hooks/${hostName}`);
    } catch {
      return false;
    }
  });
}

/** Deliveries newest first, paging by GitHub's cursor until the page reaches past `since`. */
async function deliveriesSince(
  o: Octokit,
  owner: string,
  repo: string,
  hookId: number,
  since: number,
  progress: (n: number) => void,
): Promise<HookDelivery[]> {
  const all: HookDelivery[] = [];
  const pages = o.paginate.iterator('GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries', {
    owner,
    repo,
    hook_id: hookId,
    per_page: 100,
  });
  for await (const page of pages) {
    const list = page.data as unknown as HookDelivery[];
    all.push(...list);
    progress(all.length);
    const oldest = list.at(-1);
    if (!oldest || Date.parse(oldest.delivered_at) < since) break;
  }
  return all;
}

/**
 * `dispatchd redeliver --host <github host> --since <time>`: GitHub never redelivers by itself,
 * so after an outage this finds, per repository and dispatchd hook, the events whose deliveries
 * failed (HTTP ≥ 400, or no answer) since the time and were not redelivered successfully, and asks
 * GitHub to send each once more. Exit 1 when a repository could not be read or GitHub refused one.
 */
export async function runRedeliver(opts: RedeliverOptions, io: CliIo, now = Date.now()): Promise<number> {
  const config = await requireConfig(io);
  const host = requireHost(config, opts.host);
  if (host.kind !== 'github')
    throw new UsageError(
      `--host ${opts.host} is a ${host.kind} host; redeliver asks GitHub's hook-deliveries API (Bitbucket Cloud retries failed deliveries by itself; for others, use dispatchd replay)`,
    );
  const since = parseSince(opts.since, now);
  const repos =
    opts.repo && opts.repo.length > 0
      ? opts.repo
      : config.repositories.filter((r) => r.host === opts.host).map((r) => r.repo);
  if (repos.length === 0)
    throw new UsageError(`no repositories on host ${opts.host} in the config; name them with --repo owner/name`);
  const bad = repos.find((r) => !/^[^/\s]+\/[^/\s]+$/.test(r));
  if (bad) throw new UsageError(`--repo ${bad}: give a GitHub repository as owner/name`);
  const client = githubClients(opts.host, host);
  let problems = 0;
  const lines: string[] = [];
  let total = 0;
  let skipped = 0;

  for (const [i, fullName] of repos.entries()) {
    const [owner = '', repo = ''] = fullName.split('/');
    const step = `[${i + 1}/${repos.length}] ${fullName}`;
    let o: Octokit;
    let hooks: Hook[];
    try {
      o = await client(fullName);
      hooks = (await o.paginate('GET /repos/{owner}/{repo}/hooks', {
        owner,
        repo,
        per_page: 100,
      })) as unknown as Hook[];
    } catch (err) {
      problems++;
      io.err(`${step}: cannot list hooks: ${(err as Error).message}: ${githubHint(status(err), 'list its webhooks')}`);
      continue;
    }
    const mine = ours(hooks, opts.host, opts.hook);
    if (mine.length === 0) {
      const seen = hooks.map((h) => `${h.id} → ${h.config.url ?? '?'}`).join(', ') || 'none';
      io.err(`${step}: no webhook posts to /hooks/${opts.host} (hooks: ${seen}); pass --hook <id> to pick one`);
      continue;
    }
    for (const hook of mine) {
      const where = `${step} hook ${hook.id}`;
      let picked;
      try {
        const list = await deliveriesSince(o, owner, repo, hook.id, since, (n) =>
          io.err(`${where}: read ${n} deliveries…`),
        );
        picked = pickFailed(list, since);
      } catch (err) {
        problems++;
        io.err(
          `${where}: cannot list deliveries: ${(err as Error).message}: ${githubHint(status(err), 'read its webhook deliveries')}`,
        );
        continue;
      }
      skipped += picked.alreadyRedelivered;
      io.err(
        `${where}: ${picked.redeliver.length} failed since ${when(since)} to redeliver${picked.alreadyRedelivered ? `, ${picked.alreadyRedelivered} already redelivered successfully` : ''}`,
      );
      let done = 0;
      for (const [j, d] of picked.redeliver.entries()) {
        const what = `delivery ${d.id} (${d.event}, ${d.guid}, HTTP ${d.status_code || 'no answer'} at ${d.delivered_at})`;
        if (opts.dryRun) {
          io.out(`would redeliver ${fullName} hook ${hook.id} ${what}`);
          continue;
        }
        io.err(`${where}: redelivering ${j + 1}/${picked.redeliver.length}: ${what}`);
        try {
          await o.request('POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts', {
            owner,
            repo,
            hook_id: hook.id,
            delivery_id: d.id,
          });
          done++;
        } catch (err) {
          problems++;
          io.err(
            `${where}: GitHub refused to redeliver ${what}: ${(err as Error).message}: ${githubHint(status(err), 'redeliver webhooks')}`,
          );
        }
      }
      total += opts.dryRun ? picked.redeliver.length : done;
      if (picked.redeliver.length > 0)
        lines.push(
          `  ${fullName} hook ${hook.id}: ${opts.dryRun ? picked.redeliver.length : done} of ${picked.redeliver.length}`,
        );
    }
  }
  io.out(
    `${opts.dryRun ? 'would redeliver' : 'redelivered'} ${total} failed deliver${total === 1 ? 'y' : 'ies'} since ` +
      `${when(since)} on ${opts.host}${skipped ? ` (${skipped} already redelivered successfully, left alone)` : ''}`,
  );
  for (const l of lines) io.out(l);
  if (problems > 0) io.out(`${problems} problem${problems === 1 ? '' : 's'}: see the messages above`);
  return problems > 0 ? EXIT.failed : EXIT.ok;
}
