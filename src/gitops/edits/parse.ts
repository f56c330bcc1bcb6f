import { PermanentError } from '../../core/errors.js';
import type { EditFlag } from '../flags.js';
import { parseImageSpec } from './image-spec.js';
import { parseKeyPath } from './key-path.js';
import type { ImageEdit } from './set-image.js';
import type { ValueEdit } from './set-value.js';

export type Edit = ImageEdit | ValueEdit;

const EXAMPLE: Record<EditFlag['flag'], string> = {
  'set-image': '-set-image=staging:hello-world=registry.example.com/acme/hello-world@sha256:…',
  'set-value': '-set-value=staging/values.yaml:image.tag=v1.2.3',
  'create-value': '-create-value=staging/values.yaml:podAnnotations.revision=abc123',
};

function fail(e: EditFlag, why: string): never {
  throw new PermanentError('gitops_flag_invalid', `-${e.flag} "${e.raw}" ${why}; write it as ${EXAMPLE[e.flag]}`);
}

/**
 * Reads one edit flag: `<file>:<what>`, the file (or, for -set-image, a kustomization directory)
 * relative to the step's workingDir, up to the first ":". For -set-image `<what>` is the image
 * argument of `kustomize edit set image`; for -set-value and -create-value `<key path>=<value>`.
 */
export function parseEdit(e: EditFlag): Edit {
  const colon = e.raw.indexOf(':');
  if (colon === -1) fail(e, 'has no ":" between the file and what to set');
  if (colon === 0) fail(e, 'names no file before ":"');
  const file = e.raw.slice(0, colon);
  const what = e.raw.slice(colon + 1);
  if (e.flag === 'set-image') return { kind: 'image', file, image: parseImageSpec(what) };
  const eq = what.indexOf('=');
  if (eq <= 0) fail(e, 'has no "<key path>=<value>" after the file');
  return {
    kind: 'value',
    file,
    path: parseKeyPath(what.slice(0, eq)),
    value: what.slice(eq + 1),
    create: e.flag === 'create-value',
  };
}

export const parseEdits = (edits: EditFlag[]): Edit[] => edits.map(parseEdit);
