import type { LogEntry } from '../common/git/bare-repo.js';

/** GitLab's commit entity (compare, branches, tags, merge_base), trimmed to the fields clients read. */
export function commitJson(webUrl: string, fullName: string, c: LogEntry): Record<string, unknown> {
  const m = /^(.*) <(.*)>$/.exec(c.author);
  return {
    id: c.sha,
    short_id: c.sha.slice(0, 8),
    title: c.message.split('\n')[0] ?? '',
    message: c.message,
    author_name: m?.[1] ?? c.author,
    author_email: m?.[2] ?? '',
    authored_date: c.date,
    committer_name: m?.[1] ?? c.author,
    committer_email: m?.[2] ?? '',
    committed_date: c.date,
    created_at: c.date,
    web_url: `${webUrl}/${fullName}/-/commit/${c.sha}`,
  };
}
