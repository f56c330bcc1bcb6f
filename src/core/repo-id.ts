/** A repository on a configured host: the host's name in the config and the SCM's full name. */
export interface RepoId {
  host: string;
  fullName: string;
}

export const repoKey = (r: RepoId) => `${r.host}:${r.fullName}`;
