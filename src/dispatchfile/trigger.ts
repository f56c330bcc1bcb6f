/** What happened in the source repository, as matching sees it. */
export type Trigger =
  /** changedPaths null: the SCM capped its answer, so every `paths` condition holds. */
  | { kind: 'push'; branch: string; changedPaths?: string[] | null }
  | { kind: 'tag'; tag: string }
  | {
      kind: 'pull_request';
      target: string;
      source: string;
      changedPaths?: string[] | null;
      labels?: string[];
      /** The comment that triggered the event (chatops), e.g. `/build please`. */
      comment?: string;
    };
