import { catFiles } from './bare-repo.js';
import { fullBranchSha } from './refs.js';
import { runGit } from './run-git.js';

/**
 * Refs as the SCMs' ref APIs see them: what a ref points at without peeling (an annotated tag
 * points at a tag object, not at its commit), and the tag objects themselves.
 */

export interface RefTarget {
  /** Full name, `refs/heads/x` or `refs/tags/v1`. */
  ref: string;
  sha: string;
  type: 'commit' | 'tag' | 'tree' | 'blob';
}

/** The object `ref` (a full ref name) points at, unpeeled; null when no such ref exists. */
export async function readRef(dir: string, ref: string): Promise<RefTarget | null> {
  // A branch points at a commit (git's porcelain writes nothing else there): read from the files.
  const sha = await fullBranchSha(dir, ref);
  if (sha !== null) return { ref, sha, type: 'commit' };
  // for-each-ref also matches refs below `ref/`, so only an exact name counts.
  const run = await runGit(['for-each-ref', '--format=%(refname)%00%(objectname)%00%(objecttype)', '--', ref], {
    gitDir: dir,
  });
  for (const line of run.stdout.split('\n')) {
    const [name, sha = '', type = ''] = line.split('\0');
    if (name === ref) return { ref, sha, type: type as RefTarget['type'] };
  }
  return null;
}

export interface TagObject {
  sha: string;
  tag: string;
  object: { sha: string; type: RefTarget['type'] };
  message: string;
  tagger: { name: string; email: string; date: string } | null;
}

/** The annotated tag object `sha`, or null when `sha` is not a tag object. */
export async function readTag(dir: string, sha: string): Promise<TagObject | null> {
  if (!/^[0-9a-f]{40}$/.test(sha)) return null;
  const [obj] = await catFiles(dir, [sha]);
  if (obj === null || obj === undefined || obj.type !== 'tag') return null;
  const text = obj.content.toString('utf8');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const field = (name: string): string => new RegExp(`^${name} (.*)$`, 'm').exec(head)?.[1] ?? '';
  const who = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(field('tagger'));
  return {
    sha: obj.sha,
    tag: field('tag'),
    object: { sha: field('object'), type: field('type') as RefTarget['type'] },
    message: split < 0 ? '' : text.slice(split + 2),
    tagger:
      who === null
        ? null
        : {
            name: who[1] ?? '',
            email: who[2] ?? '',
            date: new Date(Number(who[3]) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          },
  };
}

/** Every ref below `prefix` (`refs/heads/`), sorted by name, in one git run. */
export async function listRefs(dir: string, prefix: string): Promise<RefTarget[]> {
  const run = await runGit(
    ['for-each-ref', '--sort=refname', '--format=%(refname)%00%(objectname)%00%(objecttype)', '--', prefix],
    { gitDir: dir },
  );
  return run.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [ref = '', sha = '', type = ''] = line.split('\0');
      return { ref, sha, type: type as RefTarget['type'] };
    });
}
