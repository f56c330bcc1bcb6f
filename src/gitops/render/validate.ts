import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { PermanentError } from '../../core/errors.js';

function invalid(outputPath: string, templatePath: string, kind: string, detail: string): PermanentError {
  return new PermanentError(
    'rendered_invalid',
    `${outputPath} (rendered from ${templatePath}) is not valid ${kind}: ${detail}; fix the template or the substituted value`,
  );
}

/** Refuses rendered `.yaml`, `.yml` and `.json` output that does not parse (every YAML document). */
export function checkRendered(outputPath: string, templatePath: string, text: string): void {
  const ext = path.posix.extname(outputPath).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') {
    for (const doc of parseAllDocuments(text)) {
      const first = doc.errors[0];
      if (first !== undefined)
        throw invalid(outputPath, templatePath, 'YAML', first.message.split('\n')[0] ?? first.message);
    }
  } else if (ext === '.json') {
    try {
      JSON.parse(text);
    } catch (err) {
      throw invalid(outputPath, templatePath, 'JSON', err instanceof Error ? err.message : String(err));
    }
  }
}
