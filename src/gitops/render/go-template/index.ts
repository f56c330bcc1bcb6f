import { execute } from './exec.js';
import { parse } from './parse.js';

export { GoTemplateError } from './error.js';

/**
 * Renders a template as update-gitops-repo did: Go's text/template with the delimiters `$({` and
 * `})`, executed against the map of -substitute values. Throws GoTemplateError (with the line,
 * and the key when a value is missing).
 */
export function renderGoTemplate(text: string, values: Record<string, string>): string {
  return execute(parse(text), new Map(Object.entries(values)));
}
