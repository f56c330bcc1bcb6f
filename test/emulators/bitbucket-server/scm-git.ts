import type { GitServer } from '../../helpers/git-server.js';

/** Where `PROJECT/slug` (or `~user/slug`) lives on the git server: `scm/project/slug`, as it clones. */
export function scmPath(fullName: string): string {
  const [key = '', ...rest] = fullName.split('/');
  return ['scm', key.toLowerCase(), ...rest].join('/');
}

/**
 * The rig's git server seen with Bitbucket Server names: tests say `PROJ/app`, git clones
 * `${url}/scm/proj/app.git`, and the bare repository sits at `scm/proj/app`.
 */
export function scmNamedGit(git: GitServer): GitServer {
  return {
    get url() {
      return git.url;
    },
    set url(v: string) {
      git.url = v;
    },
    get pushes() {
      return git.pushes;
    },
    set pushes(v: number) {
      git.pushes = v;
    },
    get fetches() {
      return git.fetches;
    },
    set fetches(v: number) {
      git.fetches = v;
    },
    root: git.root,
    createRepo: (f, o) => git.createRepo(scmPath(f), o),
    commit: (f, branch, files, message, author) => git.commit(scmPath(f), branch, files, message, author),
    deleteBranch: (f, branch) => git.deleteBranch(scmPath(f), branch),
    readFile: (f, ref, path) => git.readFile(scmPath(f), ref, path),
    revParse: (f, ref) => git.revParse(scmPath(f), ref),
    log: (f, ref, max) => git.log(scmPath(f), ref, max),
    changedPaths: (f, base, head) => git.changedPaths(scmPath(f), base, head),
    branches: (f) => git.branches(scmPath(f)),
    bareDir: (f) => git.bareDir(scmPath(f)),
    exists: (f) => git.exists(scmPath(f)),
    handle: (req, res) => git.handle(req, res),
    close: () => git.close(),
  };
}
