import { PermanentError } from '../../core/errors.js';
import { GoTemplateError, renderGoTemplate } from './go-template/index.js';
import { renderHandlebars } from './handlebars.js';
import { missingValue } from './missing-value.js';

/**
 * A template whose first line is this Handlebars comment is rendered as Handlebars. Handlebars
 * drops a comment standing alone on its line, so the marker never reaches the output.
 */
export const HANDLEBARS_MARKER = '{{! dispatchd: handlebars }}';
const MARKER_LINE = /^\{\{!(?:--)?\s*dispatchd:\s*handlebars\s*(?:--)?\}\}[ \t]*\r?\n/;

export type TemplateLanguage = 'go' | 'handlebars';

export const languageOf = (text: string): TemplateLanguage => (MARKER_LINE.test(text) ? 'handlebars' : 'go');

/**
 * Before 0.2 every template was Handlebars. A template that uses no `$({` at all but spells a
 * given value the Handlebars way would now render that placeholder as text and ship it: refuse
 * it and say how to opt in. Braces that name no given value (`{{ $labels.instance }}`) are text.
 */
function refuseForgottenHandlebars(text: string, values: Record<string, string>, templatePath: string): void {
  if (text.includes('$({')) return;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    for (const m of lines[i]!.matchAll(/\{\{\{?\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}?\}\}/g)) {
      const key = m[1]!;
      if (!Object.prototype.hasOwnProperty.call(values, key)) continue;
      throw new PermanentError(
        'template_invalid',
        `${templatePath} line ${i + 1}: ${m[0]} is a Handlebars placeholder, but templates are Go templates unless they opt in;` +
          ` write $({ .${key} }) or make "${HANDLEBARS_MARKER}" the first line of the template`,
      );
    }
  }
}

/**
 * Renders one template. By default as update-gitops-repo rendered it (Go text/template with the
 * delimiters `$({ })`, so `{{ }}` is text); as Handlebars when its first line is the marker.
 * Either way a missing value fails naming file, line and key.
 */
export function renderTemplate(text: string, values: Record<string, string>, templatePath: string): string {
  if (languageOf(text) === 'handlebars') return renderHandlebars(text, values, templatePath);
  refuseForgottenHandlebars(text, values, templatePath);
  try {
    return renderGoTemplate(text, values);
  } catch (err) {
    if (!(err instanceof GoTemplateError)) throw err;
    if (err.missingKey !== undefined) throw missingValue(templatePath, err.line, err.missingKey, values);
    throw new PermanentError('template_invalid', `${templatePath} line ${err.line}: ${err.message}`);
  }
}
