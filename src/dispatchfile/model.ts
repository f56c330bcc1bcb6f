/**
 * The normalised Dispatchfile model: what the CUE subset, YAML and JSON syntaxes all produce.
 * Workers read only this; the syntaxes stay inside the parsers.
 */
export type ResourceType = 'git' | 'image' | 'storage';

export interface Resource {
  type: ResourceType;
  /** `param url: "…"` and `params: {url: …}` both land here; values are strings. */
  params: Record<string, string>;
}

export interface Step {
  name: string;
  image: string;
  args: string[];
  command: string[];
  env: Record<string, string>;
  workingDir?: string;
}

export interface Task {
  /** Resource names, or names of tasks this task waits for. */
  inputs: string[];
  /** Resource names this task produces (an `image` output makes it an image-reference task). */
  outputs: string[];
  steps: Step[];
}

/** Globs; a leading `!` negates. An absent list matches anything. */
export interface PushCondition {
  branches?: string[];
  paths?: string[];
}
export interface TagCondition {
  names?: string[];
}
export interface PullRequestCondition {
  targets?: string[];
  sources?: string[];
  paths?: string[];
  chatops?: string[];
  labels?: string[];
}

/** `on push …`, `on tag …`, `on pull_request …`; the `on git push …` form normalises to this. */
export interface Condition {
  push?: PushCondition;
  tag?: TagCondition;
  pull_request?: PullRequestCondition;
  cron?: CronCondition;
  image?: ImageCondition;
}

/** Dispatch's scheduled trigger; parsed so old files stay valid, but it never fires in dispatchd. */
export interface CronCondition {
  schedule: string;
  revision?: string;
}
/** Dispatch's registry-push trigger; parsed, never fires (dispatchd receives SCM pushes only). */
export interface ImageCondition {
  push?: { tags?: string[] };
}

export interface Action {
  /** Dispatch's optional action name (used by cron actions). */
  name?: string;
  tasks: string[];
  on: Condition;
}

/** 1-based position in the Dispatchfile text. */
export interface SourcePosition {
  line: number;
  col: number;
}

export interface Dispatchfile {
  resources: Record<string, Resource>;
  tasks: Record<string, Task>;
  actions: Action[];
  /**
   * Where each named part was written, keyed by a dotted path (`task.deploy.inputs.1`,
   * `actions.0.tasks.0`, `resource.docker-image`). Non-enumerable, so the normalised model
   * compares and serialises the same whatever syntax it came from.
   */
  readonly locations?: Readonly<Record<string, SourcePosition>>;
  /** The name parseDispatchfile was given, for problems found later (matching); non-enumerable. */
  readonly file?: string;
}
