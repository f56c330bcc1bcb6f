import Handlebars from 'handlebars';
import { PermanentError } from '../../core/errors.js';

// update-gitops-repo runs Go's text/template with "$({" and "})" as delimiters; teams use it for
// plain value lookups, which is all we accept: anything else is refused rather than guessed at.
const GO_PLACEHOLDER = /\$\(\{([\s\S]*?)\}\)/g;
const GO_LOOKUP = /^\s*\.([A-Za-z_][A-Za-z0-9_-]*)\s*$/;
const MISSING = /^"([^"]*)" not defined in /;

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

/**
 * Rewrites each `$({ .name })` into the Handlebars lookup `{{[name]}}` on the same line, so one
 * strict render pass handles both styles, line numbers in errors stay those of the template, and
 * a substituted value is never itself read as a placeholder.
 */
function goToHandlebars(text: string, templatePath: string): string {
  return text.replace(GO_PLACEHOLDER, (whole: string, inner: string, offset: number) => {
    const lookup = GO_LOOKUP.exec(inner);
    if (lookup === null) {
      throw new PermanentError(
        'template_invalid',
        `${templatePath} line ${lineAt(text, offset)}: unsupported placeholder ${whole}; only value lookups such as $({ .imageName }) or {{imageName}} are supported`,
      );
    }
    return `{{[${lookup[1]}]}}`;
  });
}

/** A context with no prototype, so `{{constructor}}` and `{{__proto__}}` are missing values. */
function contextOf(values: Record<string, string>): Record<string, string> {
  const context = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(values)) context[key] = value;
  // Handlebars writes the context into its "not defined in" message; give it a name to print.
  Object.defineProperty(context, Symbol.toPrimitive, { value: () => '[substitute values]' });
  return context;
}

function describeError(err: unknown, templatePath: string, values: Record<string, string>): PermanentError {
  const message = err instanceof Error ? err.message : String(err);
  const missing = MISSING.exec(message);
  const line = (err as { lineNumber?: unknown }).lineNumber;
  if (missing !== null && typeof line === 'number') {
    const key = missing[1] as string;
    const given = Object.keys(values);
    return new PermanentError(
      'template_value_missing',
      `${templatePath} line ${line}: no value for "${key}"; pass -substitute=${key}=<value> in the step's args` +
        ` (values given: ${given.length > 0 ? given.join(', ') : 'none'})`,
    );
  }
  return new PermanentError('template_invalid', `${templatePath}: cannot render: ${message}`);
}

/**
 * Renders one template strictly: a missing value fails naming file, line and key; nothing is
 * HTML-escaped; no prototype is reachable; `\{{` writes a literal `{{`. A fresh Handlebars
 * environment per call keeps helpers and partials from leaking between renders.
 */
export function renderTemplate(text: string, values: Record<string, string>, templatePath: string): string {
  const source = goToHandlebars(text, templatePath);
  const handlebars = Handlebars.create();
  handlebars.unregisterHelper('log'); // would write template data to the service's stdout
  try {
    const template = handlebars.compile(source, { strict: true, noEscape: true });
    return template(contextOf(values), {
      allowProtoPropertiesByDefault: false,
      allowProtoMethodsByDefault: false,
    });
  } catch (err) {
    throw describeError(err, templatePath, values);
  }
}
