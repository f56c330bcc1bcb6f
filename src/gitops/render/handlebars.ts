import Handlebars from 'handlebars';
import { missingValue } from './missing-value.js';
import { PermanentError } from '../../core/errors.js';

const MISSING = /^"([^"]*)" not defined in /;

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
    return missingValue(templatePath, line, missing[1] as string, values);
  }
  return new PermanentError('template_invalid', `${templatePath}: cannot render: ${message}`);
}

/**
 * Renders one opted-in Handlebars template strictly: a missing value fails naming file, line and
 * key; nothing is HTML-escaped; no prototype is reachable; `\{{` writes a literal `{{`. A fresh
 * Handlebars environment per call keeps helpers and partials from leaking between renders.
 */
export function renderHandlebars(source: string, values: Record<string, string>, templatePath: string): string {
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
