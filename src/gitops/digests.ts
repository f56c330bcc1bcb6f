import { PermanentError } from '../core/errors.js';
import { DIGEST_MARKER, type EnvUpdateSpec } from '../core/env-update.js';

/**
 * Replaces each `$(inputs.resources.X.digest)` marker in the step's args with the digest the
 * registry serves for image X now. Done at apply time, not at planning, because it may mean
 * waiting for CI to push the image. Returns the args and each image's pinned reference.
 */
export async function resolveDigests(
  spec: EnvUpdateSpec,
  resolveDigest: (ref: string) => Promise<string>,
): Promise<{ args: string[]; images: Record<string, string> }> {
  const images: Record<string, string> = {};
  const args: string[] = [];
  for (const a of spec.args) {
    args.push(
      await replaceAsync(a, DIGEST_MARKER, async (name) => {
        const ref = spec.images[name];
        if (!ref)
          throw new PermanentError(
            'image_unknown',
            `$(inputs.resources.${name}.digest): "${name}" is not an image resource`,
          );
        const digest = await resolveDigest(ref);
        images[name] = `${ref.replace(/:[^:/@]+$/, '')}@${digest}`;
        return digest;
      }),
    );
  }
  for (const [name, ref] of Object.entries(spec.images)) images[name] ??= ref;
  return { args, images };
}

async function replaceAsync(text: string, re: RegExp, fn: (name: string) => Promise<string>): Promise<string> {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(new RegExp(re.source, 'g'))) {
    out += text.slice(last, m.index) + (await fn(m[1]!));
    last = (m.index ?? 0) + m[0].length;
  }
  return out + text.slice(last);
}
