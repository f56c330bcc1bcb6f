import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HostConfig } from '../../src/config/schema.js';
import { githubProvider } from '../../src/scm/github/provider.js';
import { gitlabProvider } from '../../src/scm/gitlab/provider.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { startGitlabEmulator, type GitlabEmulator } from '../emulators/gitlab/emulator.js';
import { userId } from '../emulators/gitlab/shapes.js';

/**
 * Who may run a chatops command, as each SCM's API says (PullRequestApi.writeAccess): GitHub's
 * collaborator permission, GitLab's project membership. The roles that may, and the ones that
 * look close but may not (triage, Reporter, an invitation not yet accepted).
 */
describe('writeAccess: who may run a chatops command, from the SCM', { timeout: 60_000 }, () => {
  let gh: GithubEmulator;
  let gl: GitlabEmulator;

  before(async () => {
    gh = await startGithubEmulator({ token: 'ghp_write_access_0123456789' });
    await gh.git.createRepo('acme/app', { files: { README: 'x\n' } });
    gl = await startGitlabEmulator({
      token: 'glpat-write-access-0123456',
      users: ['dev', 'invited', 'reporter', 'stranger'].map((u) => ({ username: u, token: `glpat-${u}-0123456789` })),
    });
    await gl.git.createRepo('acme/app', { files: { README: 'x\n' } });
  });
  after(async () => {
    await gh?.close();
    await gl?.close();
  });

  it('GitHub: admin, maintain and write may; triage and read may not, and the refusal names the role', async () => {
    const pulls = githubProvider(
      'gh',
      HostConfig.parse({ kind: 'github', url: gh.url, apiUrl: gh.apiUrl, token: 'ghp_write_access_0123456789' }),
    ).pulls!;
    const roles: [string, string][] = [
      ['ada', 'admin'],
      ['max', 'maintain'],
      ['wes', 'write'],
      ['tri', 'triage'],
      ['rea', 'read'],
    ];
    for (const [login, role] of roles) gh.setPermission('acme/app', login, role);
    const may = async (login: string) => (await pulls.writeAccess!('acme/app', login)).allowed;
    assert.deepEqual(await Promise.all(['ada', 'max', 'wes', 'tri', 'rea'].map(may)), [true, true, true, false, false]);
    assert.equal(
      (await pulls.writeAccess!('acme/app', 'tri')).said,
      'has triage permission on acme/app; only admin, maintain or write permission may',
    );
  });

  it('GitLab: Developer and above with an active membership may; a Reporter, an invitation or a non-member may not', async () => {
    const pulls = gitlabProvider(
      'gl',
      HostConfig.parse({ kind: 'gitlab', url: gl.url, token: 'glpat-write-access-0123456' }),
    ).pulls!;
    gl.setMember('acme/app', 'dev', 30);
    gl.setMember('acme/app', 'invited', 40, { awaiting: true });
    gl.setMember('acme/app', 'reporter', 20);
    const access = (u: string) => pulls.writeAccess!('acme/app', String(userId(u)));
    assert.deepEqual(
      await Promise.all(['dev', 'invited', 'reporter', 'stranger'].map(async (u) => (await access(u)).allowed)),
      [true, false, false, false],
    );
    assert.equal(
      (await access('invited')).said,
      'is Maintainer (awaiting) of acme/app; only a Developer, Maintainer or Owner may',
    );
    assert.equal((await access('reporter')).said, 'is Reporter of acme/app; only a Developer, Maintainer or Owner may');
  });
});
