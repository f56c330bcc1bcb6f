import { PermanentError } from '../../core/errors.js';

/** The one error for a placeholder with no value, whichever template language asked for it. */
export function missingValue(
  templatePath: string,
  line: number,
  key: string,
  values: Record<string, string>,
): PermanentError {
  const given = Object.keys(values);
  return new PermanentError(
    'template_value_missing',
    `${templatePath} line ${line}: no value for "${key}"; pass -substitute=${key}=<value> in the step's args` +
      ` (values given: ${given.length > 0 ? given.join(', ') : 'none'})`,
  );
}
