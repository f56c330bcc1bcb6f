/** What happened in the source repository, as matching sees it. */
export type Trigger =
  | { kind: 'push'; branch: string; changedPaths?: string[] }
  | { kind: 'tag'; tag: string }
  | {
      kind: 'pull_request';
      target: string;
      source: string;
      changedPaths?: string[];
      labels?: string[];
      /** The comment that triggered the event (chatops), e.g. `/build please`. */
      comment?: string;
    };
