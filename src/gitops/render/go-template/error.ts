/**
 * A problem in a Go template, at a line of the template file. `missingKey` is set when a field
 * lookup found no value, so the caller can say which -substitute flag to pass.
 */
export class GoTemplateError extends Error {
  constructor(
    readonly line: number,
    message: string,
    readonly missingKey?: string,
  ) {
    super(message);
    this.name = 'GoTemplateError';
  }
}
