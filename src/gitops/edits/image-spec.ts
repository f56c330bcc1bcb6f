import { PermanentError } from '../../core/errors.js';

/** An `images:` entry of a kustomization, as `kustomize edit set image` writes one. */
export interface KustomizeImage {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

// The OCI digest grammar: algorithm ":" encoded.
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

function fail(raw: string, why: string): never {
  throw new PermanentError(
    'gitops_flag_invalid',
    `-set-image image "${raw}" ${why}; write it as kustomize edit set image does: name=newName:tag, name=newName@sha256:…, name:tag or name@sha256:…`,
  );
}

/** Splits `repo[:tag][@digest]`; a ":" before the last "/" is a registry port, not a tag. */
function splitRef(raw: string, ref: string): { repo: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  const digest = at === -1 ? undefined : ref.slice(at + 1);
  const rest = at === -1 ? ref : ref.slice(0, at);
  if (digest !== undefined && !DIGEST.test(digest)) fail(raw, `has "${digest}", which is not a digest (algorithm:hex)`);
  const colon = rest.lastIndexOf(':');
  const tag = colon > rest.lastIndexOf('/') ? rest.slice(colon + 1) : undefined;
  const repo = tag === undefined ? rest : rest.slice(0, colon);
  if (repo === '' || /\s/.test(repo)) fail(raw, 'has no image name');
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag)) fail(raw, `has "${tag}", which is not a valid tag`);
  return { repo, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/**
 * Parses the image argument of `kustomize edit set image`: `name=newName[:tag][@digest]` renames
 * and pins; `name[:tag][@digest]` pins an image under its own name.
 */
export function parseImageSpec(raw: string): KustomizeImage {
  const eq = raw.indexOf('=');
  if (eq === 0) fail(raw, 'has no name before "="');
  const name = eq === -1 ? undefined : raw.slice(0, eq);
  const ref = splitRef(raw, eq === -1 ? raw : raw.slice(eq + 1));
  if (name === undefined && ref.tag === undefined && ref.digest === undefined)
    fail(raw, 'sets neither a new name, a tag nor a digest');
  return {
    name: name ?? ref.repo,
    ...(name !== undefined ? { newName: ref.repo } : {}),
    ...(ref.tag !== undefined ? { newTag: ref.tag } : {}),
    ...(ref.digest !== undefined ? { digest: ref.digest } : {}),
  };
}

/** The reference an entry makes of its image, for the PR: `newName:newTag@digest`. */
export function entryRef(entry: Partial<KustomizeImage>): string {
  return `${entry.newName ?? entry.name ?? ''}${entry.newTag ? `:${entry.newTag}` : ''}${entry.digest ? `@${entry.digest}` : ''}`;
}

/**
 * `kustomize edit set image` on one entry: a given newName replaces the old; a tag replaces the
 * tag and drops a digest, a digest replaces the digest and drops a tag; both given keep both.
 */
export function mergeImage(old: Partial<KustomizeImage>, set: KustomizeImage): KustomizeImage {
  const merged: KustomizeImage = { name: set.name };
  const newName = set.newName ?? old.newName;
  if (newName !== undefined) merged.newName = newName;
  const pinsTag = set.newTag !== undefined;
  const pinsDigest = set.digest !== undefined;
  const newTag = pinsTag ? set.newTag : pinsDigest ? undefined : old.newTag;
  const digest = pinsDigest ? set.digest : pinsTag ? undefined : old.digest;
  if (newTag !== undefined) merged.newTag = newTag;
  if (digest !== undefined) merged.digest = digest;
  return merged;
}
