/**
 * Runs the real helm binary (fetched by scripts/fetch-helm.sh) against the chart and parses what
 * it renders, so chart tests read manifests the way kubectl would receive them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const chartDir = path.join(repoRoot, 'helm/dispatchd');
export const ciValues = (name: string): string => path.join(chartDir, 'ci', name);

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { secretRef?: { name: string }; configMapRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
}
export interface Volume {
  name: string;
  emptyDir?: { sizeLimit?: string };
  configMap?: { name: string; items?: { key: string; path: string }[] };
}
export interface PodSpec {
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: Volume[];
  terminationGracePeriodSeconds?: number;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
}
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  // Each test narrows spec to the kind it reads.
  spec?: Record<string, unknown>;
}
export interface Workload extends Manifest {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: { metadata: { name: string }; spec: { resources: { requests: { storage: string } }; storageClassName?: string } }[];
  };
}

/**
 * Returns a function that yields the helm binary path, running scripts/fetch-helm.sh once.
 * A failed fetch is remembered and rethrown, so every test fails with the script's message.
 */
export function helmFetcher(): () => string {
  let result: { path: string } | { error: Error } | undefined;
  return () => {
    result ??= fetchHelm();
    if ('error' in result) throw result.error;
    return result.path;
  };
}

function fetchHelm(): { path: string } | { error: Error } {
  try {
    const out = execFileSync('bash', [path.join(repoRoot, 'scripts/fetch-helm.sh')], {
      encoding: 'utf8',
      timeout: 180_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { path: out.trim() };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr || String(err);
    // Fail loudly: a chart that was never rendered must not pass as a good chart.
    return { error: new Error(`the chart tests need helm and scripts/fetch-helm.sh could not provide it:\n${stderr}`) };
  }
}

export interface HelmRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runHelm(helm: string, args: string[]): HelmRun {
  const r = spawnSync(helm, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`could not run ${helm} ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `helm template` with the given extra args; throws with helm's stderr when rendering fails. */
export function render(helm: string, args: string[]): Manifest[] {
  const r = runHelm(helm, ['template', 'rel', chartDir, '--namespace', 'ops', ...args]);
  if (r.status !== 0) throw new Error(`helm template ${args.join(' ')} failed:\n${r.stderr}`);
  return parseManifests(r.stdout);
}

/**
 * `render` that remembers each args list's manifests: several tests read the same case, and each
 * helm start costs a few hundred ms on a busy machine. Callers must not mutate what they get.
 */
export function cachedRender(getHelm: () => string): (args: string[]) => Manifest[] {
  const seen = new Map<string, Manifest[]>();
  return (args) => {
    const key = JSON.stringify(args);
    let ms = seen.get(key);
    if (!ms) {
      ms = render(getHelm(), args);
      seen.set(key, ms);
    }
    return ms;
  };
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

export function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name}; rendered: ${manifests.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return m;
}

export function workload(manifests: Manifest[], kind: 'Deployment' | 'StatefulSet', name: string): Workload {
  return find(manifests, kind, name) as Workload;
}

export function kinds(manifests: Manifest[]): string[] {
  return manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort();
}

export function container(w: Workload): Container {
  const c = w.spec.template.spec.containers[0];
  if (!c) throw new Error(`${w.kind} ${w.metadata.name} has no container`);
  return c;
}

export function envOf(c: Container): Map<string, NonNullable<Container['env']>[number]> {
  return new Map((c.env ?? []).map((e) => [e.name, e]));
}
