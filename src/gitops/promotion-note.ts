import type { EnvUpdateSpec } from '../core/env-update.js';

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/** The title's verb: a promotion and a rollback say what they are. */
export function titleVerb(spec: EnvUpdateSpec): string {
  if (spec.rollback) return 'Roll back to';
  return spec.promotion ? 'Promote' : 'Deploy';
}

/** Lines a reviewer needs on a promotion or rollback PR: where it comes from, what passed, who asked. */
export function originLines(spec: EnvUpdateSpec): string[] {
  const p = spec.promotion;
  if (p) {
    const pr = p.fromPr ? ` through [#${p.fromPr.number}](${p.fromPr.url})` : '';
    return [
      `- Promoted from ${code(p.fromDir || '/')}${pr}, carried there by GitOps commit ${code(p.gitopsCommit.slice(0, 7))}`,
      `- Gate passed: ${code(p.gate)}`,
    ];
  }
  const r = spec.rollback;
  if (r) {
    const from = r.from ? ` from ${code(r.from.slice(0, 7))}` : '';
    const who = r.by ? ` by ${code(r.by)}` : '';
    const why = r.reason ? `: ${code(r.reason)}` : '';
    return [
      `- **Rollback**${from}${who}${why}. The environment is held: pushes and promotions wait until \`dispatchd resume\`.`,
    ];
  }
  return [];
}
