/** The Dispatchfile language: parse, check, match triggers, plan tasks, substitute variables. */
export { oversizeDispatchfile, parseDispatchfile, type ParseOptions } from './parse.js';
export { DEFAULT_MAX_DISPATCHFILE_BYTES, MAX_MATCH_STEPS } from './limits.js';
export { DispatchfileError, formatProblems, type Problem } from './errors.js';
export type * from './model.js';
export type { Trigger } from './trigger.js';
export { matchActions, needsChangedPaths, StepBudget } from './match.js';
export { planTasks, type PlannedTask } from './task-order.js';
export { substituteVariables, type VariableContext } from './variables.js';
export { validateDispatchfile } from './validate.js';
export { isGitopsImage, gitopsStep, taskKind, type TaskKind } from './graph.js';
export { detectSyntax, type Syntax } from './syntax/header.js';
