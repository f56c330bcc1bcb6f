import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, isSeq, stringify, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { entryRef, mergeImage, type KustomizeImage } from './image-spec.js';
import type { EditResult } from './set-value.js';
import { insertPairs, parseYaml, removePair, spliceScalar, YamlEditError } from './yaml-text.js';

/** `-set-image`: one `images:` entry of a kustomization, by `kustomize edit set image`'s rules. */
export interface ImageEdit {
  kind: 'image';
  /** The kustomization file or its directory, relative to the step's working directory. */
  file: string;
  image: KustomizeImage;
}

const FIELDS = ['newName', 'newTag', 'digest'] as const;
const text = (v: string) => stringify(v, { lineWidth: 0 }).trimEnd();

function readEntry(map: YAMLMap): Partial<KustomizeImage> {
  const entry: Record<string, string> = {};
  for (const p of map.items)
    if (isScalar(p.key) && isScalar(p.value)) entry[String(p.key.value)] = String(p.value.value);
  return entry;
}

function imagesOf(file: string, source: string): { root: YAMLMap | null; images: YAMLSeq | null } {
  const docs = parseYaml(file, source);
  if (docs.length > 1) throw new YamlEditError(file, 'has more than one YAML document; a kustomization has one');
  const root = (docs[0]?.contents as Node | null | undefined) ?? null;
  if (root !== null && !isMap(root)) throw new YamlEditError(file, 'is not a mapping, so it is not a kustomization');
  const images = root?.items.find((p) => isScalar(p.key) && p.key.value === 'images')?.value as Node | null | undefined;
  if (images === undefined) return { root, images: null };
  if (!isSeq(images) || images.flow)
    throw new YamlEditError(file, '`images:` is not a block list ("- name: …" lines); write it in block style');
  return { root, images };
}

function findEntry(file: string, images: YAMLSeq | null, name: string): YAMLMap | null {
  const entry = images?.items.find((it) => isMap(it) && readEntry(it).name === name) as YAMLMap | undefined;
  if (entry?.flow)
    throw new YamlEditError(file, `the images entry "${name}" is a flow mapping; write it in block style`);
  return entry ?? null;
}

/** A new entry at the end of `images:` (or a new `images:` at the end of the file). */
function appendEntry(file: string, source: string, images: YAMLSeq | null, image: KustomizeImage): string {
  const fields = (['name', ...FIELDS] as const).filter((f) => image[f] !== undefined);
  let dash = 0;
  let at = source.length;
  let head = 'images:\n';
  if (images !== null && images.items.length > 0) {
    const first = images.items[0] as Node;
    const start = first.range![0];
    const lineStart = source.lastIndexOf('\n', start - 1) + 1;
    dash = source.indexOf('-', lineStart) - lineStart;
    const last = images.items.at(-1) as Node;
    const nl = source.indexOf('\n', last.range![1] - 1);
    at = nl === -1 ? source.length : nl + 1;
    head = '';
  } else if (images !== null) {
    throw new YamlEditError(file, '`images:` is empty; remove it or add one entry by hand');
  }
  const lines = fields.map((f, i) => `${' '.repeat(dash)}${i === 0 ? '- ' : '  '}${f}: ${text(image[f]!)}`);
  const prefix = at > 0 && source[at - 1] !== '\n' ? '\n' : '';
  return `${source.slice(0, at)}${prefix}${head}${lines.join('\n')}\n${source.slice(at)}`;
}

/** Sets one field of an existing entry: splice, insert or remove, each on fresh ranges. */
function setField(
  file: string,
  source: string,
  name: string,
  field: (typeof FIELDS)[number],
  value: string | undefined,
): string {
  const entry = findEntry(file, imagesOf(file, source).images, name)!;
  const pair = entry.items.find((p) => isScalar(p.key) && p.key.value === field);
  const where = `images entry "${name}" ${field}`;
  if (value === undefined) return pair ? removePair(file, source, pair, where) : source;
  if (pair?.value) return spliceScalar(file, source, pair.value as Node, value, where, { asString: true }).text;
  if (pair) throw new YamlEditError(file, `${where} has no value; remove the empty key`);
  return insertPairs(file, source, entry, [field], text(value), `images entry "${name}"`);
}

/**
 * Sets an image in a kustomization, keeping every byte it does not change; then checks that the
 * file now reads as the old one with exactly that entry changed.
 */
export function setImage(file: string, source: string, edit: ImageEdit): EditResult {
  const { images } = imagesOf(file, source);
  const name = edit.image.name;
  const entry = findEntry(file, images, name);
  const old = entry ? readEntry(entry) : null;
  const want = mergeImage(old ?? {}, edit.image);
  let after = source;
  if (entry === null) after = appendEntry(file, source, images, want);
  else
    for (const field of FIELDS)
      if (old![field] !== want[field]) after = setField(file, after, name, field, want[field]);
  if (after === source) return { text: source, change: null };
  check(file, source, after, name, want);
  return { text: after, change: { key: `images[${name}]`, before: old ? entryRef(old) : null, after: entryRef(want) } };
}

function check(file: string, before: string, after: string, name: string, want: KustomizeImage): void {
  type Doc = Record<string, unknown> & { images?: Record<string, unknown>[] };
  const js = (t: string) => (parseYaml(file, t)[0]?.toJS() ?? {}) as Doc;
  const [was, now] = [js(before), js(after)];
  const entry = now.images?.find((e) => e.name === name);
  const strip = (doc: Doc) => ({ ...doc, images: (doc.images ?? []).filter((e) => e.name !== name) });
  if (!isDeepStrictEqual(entry, { ...want }) || !isDeepStrictEqual(strip(was), strip(now)))
    throw new YamlEditError(file, `setting image "${name}" would change more than its entry; edit the file by hand`);
}
