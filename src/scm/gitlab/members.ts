import type { Gitlab } from '@gitbeaker/rest';
import type { WriteAccess } from '../contracts.js';
import { classifyHttpFailure, type HttpFailure } from '../http-errors.js';

export interface GitlabMembersDeps {
  api: InstanceType<typeof Gitlab>;
  hostName: string;
  failureOf(err: unknown): HttpFailure;
}

/** GitLab's access levels (Members API), by the names its UI gives them. */
const ROLES: Record<number, string> = {
  0: 'No access',
  5: 'Minimal Access',
  10: 'Guest',
  15: 'Planner',
  20: 'Reporter',
  30: 'Developer',
  40: 'Maintainer',
  50: 'Owner',
};
/** Developer is the first role that may push to a project's branches. */
const DEVELOPER = 30;

/**
 * Whether a user may write to a project: its member entry including inherited and invited
 * memberships (`GET /projects/:id/members/all/:user_id`). Not a member (404) is no access; a
 * blocked user or an awaiting membership has none either, whatever their level says.
 */
export function gitlabWriteAccess(d: GitlabMembersDeps) {
  return async function writeAccess(repo: string, userId: string): Promise<WriteAccess> {
    const said = (role: string) => `is ${role} of ${repo}; only a Developer, Maintainer or Owner may`;
    let member: { access_level?: number; state?: string; membership_state?: string };
    try {
      member = (await d.api.ProjectMembers.show(repo, Number(userId), { includeInherited: true })) as typeof member;
    } catch (err) {
      const f = d.failureOf(err);
      if (f.status === 404)
        return { allowed: false, said: said('not a member (or the token cannot read its members)') };
      throw classifyHttpFailure(`${d.hostName}: read member ${userId} of ${repo}`, f);
    }
    const level = member.access_level ?? 0;
    const role = ROLES[level] ?? `access level ${level}`;
    // `state` is the user's (active, blocked), `membership_state` the membership's (active, awaiting).
    for (const s of [member.state, member.membership_state])
      if (s !== undefined && s !== 'active') return { allowed: false, said: said(`${role} (${s})`) };
    return { allowed: level >= DEVELOPER, said: said(role) };
  };
}
