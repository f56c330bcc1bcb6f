/** Where a promoted update comes from: shown in its pull request and the environments view. */
export interface PromotionOrigin {
  /** The environment directory it was promoted from. */
  fromDir: string;
  /** The GitOps commit on the base branch that carried it there. */
  gitopsCommit: string;
  /** The pull request that brought it into `fromDir`, when there was one. */
  fromPr?: { number: number; url: string };
  /** The gate that passed, in words, e.g. `argocd/staging success on 1a2b3c4 + soak 10m`. */
  gate: string;
}

/** An operator's rollback: the forward-only rule lets this one update move back. */
export interface RollbackOrigin {
  by?: string;
  reason?: string;
  /** The source commit the environment carried before. */
  from?: string;
}
