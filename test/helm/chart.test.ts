import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { readSettings, shutdownTimeoutOf } from '../../src/runtime/settings.js';
import {
  cachedRender, chartDir, ciValues, container, envOf, find, helmFetcher, kinds, runHelm, workload,
  type Manifest, type Workload,
} from './helm.js';

// Fetched on first use; a fetch failure fails every test with fetch-helm.sh's message (never a skip).
const getHelm = helmFetcher();
const renderCase = cachedRender(getHelm);

const external = ['-f', ciValues('external-redis-values.yaml')];
const bundled = ['-f', ciValues('bundled-redis-values.yaml')];
const inlineConfig = ['--set', 'config.hosts.gh.kind=github', '--set', 'config.hosts.gh.url=https://github.com'];

function deployments(ms: Manifest[]): { receiver: Workload; worker: Workload } {
  return {
    receiver: workload(ms, 'Deployment', 'rel-dispatchd-receiver'),
    worker: workload(ms, 'Deployment', 'rel-dispatchd-worker'),
  };
}

function assertHardened(w: Workload): void {
  const pod = w.spec.template.spec;
  assert.equal(pod.securityContext?.runAsNonRoot, true, `${w.metadata.name}: runAsNonRoot`);
  assert.deepEqual(pod.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
  assert.equal(pod.automountServiceAccountToken, false);
  for (const c of pod.containers) {
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${c.name}: read-only root`);
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL']);
    const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
    assert.ok(tmp, `${c.name}: /tmp must be writable`);
    assert.ok(pod.volumes?.find((v) => v.name === tmp.name)?.emptyDir, `${c.name}: /tmp is an emptyDir`);
  }
}

describe('helm chart', () => {

  test('helm lint passes for every ci values file', () => {
    const helm = getHelm();
    for (const file of ['external-redis-values.yaml', 'bundled-redis-values.yaml']) {
      const r = runHelm(helm, ['lint', '--strict', chartDir, '-f', ciValues(file)]);
      assert.equal(r.status, 0, `helm lint ${file}:\n${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  test('external Redis: receiver and worker run their own mode against the given URL', () => {
    const ms = renderCase(external);
    assert.deepEqual(kinds(ms), [
      'ConfigMap/rel-dispatchd-config',
      'Deployment/rel-dispatchd-receiver',
      'Deployment/rel-dispatchd-worker',
      'Pod/rel-dispatchd-test-readyz',
      'PodDisruptionBudget/rel-dispatchd-receiver',
      'PodDisruptionBudget/rel-dispatchd-worker',
      'Service/rel-dispatchd',
      'ServiceAccount/rel-dispatchd',
    ]);
    const { receiver, worker } = deployments(ms);
    assert.deepEqual(container(receiver).args, ['serve']);
    assert.deepEqual(container(worker).args, ['worker']);
    for (const w of [receiver, worker]) {
      const c = container(w);
      const env = envOf(c);
      assert.equal(env.get('REDIS_URL')?.value, 'redis://redis.example.internal:6379/0');
      assert.equal(env.get('NODE_ENV')?.value, 'production');
      assert.equal(env.get('PORT')?.value, '8080');
      assert.deepEqual(env.get('DISPATCHD_ADMIN_TOKEN')?.valueFrom?.secretKeyRef, { name: 'dispatchd-admin', key: 'admin-token' });
      assert.deepEqual(c.envFrom, [{ secretRef: { name: 'dispatchd-scm' } }]);
      assert.equal(c.ports?.find((p) => p.name === 'http')?.containerPort, 8080);
      assert.deepEqual(c.livenessProbe?.httpGet, { path: '/healthz', port: 'http' });
      assert.deepEqual(c.readinessProbe?.httpGet, { path: '/readyz', port: 'http' });
      assertHardened(w);
      // The data dir the app is told about is a writable emptyDir.
      const dataDir = env.get('DISPATCHD_DATA_DIR')?.value;
      const mount = c.volumeMounts?.find((m) => m.mountPath === dataDir);
      assert.ok(mount && !mount.readOnly, `${w.metadata.name}: ${dataDir} must be mounted writable`);
      assert.ok(w.spec.template.spec.volumes?.find((v) => v.name === mount.name)?.emptyDir);
      assert.equal(w.spec.replicas, 2);
    }
    assert.equal(container(receiver).lifecycle?.preStop?.sleep?.seconds, 5);
  });

  test('SIGTERM: the shutdown timeout the pods are given ends before Kubernetes\' SIGKILL', () => {
    // What dispatchd makes of the env the chart writes (DISPATCHD_SHUTDOWN_TIMEOUT wins over the config).
    const agreement = (w: Workload): { graceS: number; preStopS: number; shutdownMs: number } => {
      const c = container(w);
      const value = envOf(c).get('DISPATCHD_SHUTDOWN_TIMEOUT')?.value;
      assert.ok(value, `${w.metadata.name}: DISPATCHD_SHUTDOWN_TIMEOUT is set`);
      return {
        graceS: w.spec.template.spec.terminationGracePeriodSeconds ?? 30,
        preStopS: c.lifecycle?.preStop?.sleep?.seconds ?? 0,
        shutdownMs: shutdownTimeoutOf(readSettings({ DISPATCHD_SHUTDOWN_TIMEOUT: value }), { shutdownTimeout: '1ms' }),
      };
    };
    // dispatchd exits within its timeout + 5 s (the forced close); the preStop sleep comes first.
    const agrees = (w: Workload) => {
      const a = agreement(w);
      assert.ok(a.preStopS * 1000 + a.shutdownMs + 5000 <= a.graceS * 1000, `${w.metadata.name}: ${JSON.stringify(a)}`);
      return a;
    };
    const defaults = deployments(renderCase(external));
    assert.deepEqual(agrees(defaults.receiver), { graceS: 30, preStopS: 5, shutdownMs: 20_000 });
    assert.deepEqual(agrees(defaults.worker), { graceS: 30, preStopS: 0, shutdownMs: 20_000 });
    // Each component's timeout is its own, and reaches its pods.
    const longer = deployments(renderCase([...external, '--set', 'worker.shutdownTimeoutSeconds=60', '--set', 'worker.terminationGracePeriodSeconds=90']));
    assert.deepEqual(agrees(longer.worker), { graceS: 90, preStopS: 0, shutdownMs: 60_000 });
    assert.deepEqual(agrees(longer.receiver), { graceS: 30, preStopS: 5, shutdownMs: 20_000 });
  });

  test('the config file the pods are told to read holds the values config, ${ENV} references intact', () => {
    const ms = renderCase(external);
    const { worker } = deployments(ms);
    const c = container(worker);
    const configPath = envOf(c).get('DISPATCHD_CONFIG')?.value ?? '';
    const mount = c.volumeMounts?.find((m) => configPath.startsWith(`${m.mountPath}/`));
    assert.ok(mount?.readOnly, `DISPATCHD_CONFIG=${configPath} is not on a read-only mount`);
    const volume = worker.spec.template.spec.volumes?.find((v) => v.name === mount.name);
    const key = path.basename(configPath);
    assert.deepEqual(volume?.configMap?.items, [{ key, path: key }]);
    const cm = find(ms, 'ConfigMap', volume?.configMap?.name ?? '');
    const values = parse(readFileSync(ciValues('external-redis-values.yaml'), 'utf8')) as { config: unknown };
    assert.deepEqual(parse(cm.data?.[key] ?? ''), values.config);
    assert.match(cm.data?.[key] ?? '', /token: \$\{GITHUB_TOKEN\}/);
  });

  test('pods roll when the config changes and only then', () => {
    const checksum = (args: string[]): string | undefined =>
      deployments(renderCase([...external, ...args])).worker.spec.template.metadata.annotations?.['checksum/config'];
    const a = checksum([]);
    assert.match(a ?? '', /^[0-9a-f]{64}$/);
    assert.equal(checksum(['--set', 'worker.replicas=5']), a);
    assert.notEqual(checksum(['--set', 'config.digestWait=5m']), a);
    const receiverSum = deployments(renderCase(external)).receiver.spec.template.metadata.annotations?.['checksum/config'];
    assert.equal(receiverSum, a);
  });

  test('redis.enabled: a durable single-replica StatefulSet that both deployments use', () => {
    const ms = renderCase(bundled);
    const redis = workload(ms, 'StatefulSet', 'rel-dispatchd-redis');
    assert.equal(redis.spec.replicas, 1);
    const args = container(redis).args ?? [];
    const flag = (name: string): string | undefined => args[args.indexOf(name) + 1];
    assert.equal(flag('--appendonly'), 'yes');
    assert.equal(flag('--appendfsync'), 'always');
    assert.equal(flag('--maxmemory-policy'), 'noeviction');
    assert.equal(flag('--maxmemory'), '256mb');
    const dataMount = container(redis).volumeMounts?.find((m) => m.mountPath === flag('--dir'));
    const claim = redis.spec.volumeClaimTemplates?.find((t) => t.metadata.name === dataMount?.name);
    assert.equal(claim?.spec.resources.requests.storage, '5Gi');
    assert.equal(claim?.spec.storageClassName, 'fast-ssd');
    assertHardened(redis);

    const svc = find(ms, 'Service', 'rel-dispatchd-redis') as Manifest & {
      spec: { selector: Record<string, string>; ports: { port: number }[] };
    };
    assert.deepEqual(svc.spec.selector, redis.spec.template.metadata.labels);
    assert.equal(svc.spec.ports[0]?.port, 6379);
    for (const w of Object.values(deployments(ms))) {
      assert.equal(envOf(container(w)).get('REDIS_URL')?.value, 'redis://rel-dispatchd-redis:6379');
    }
    // Redis has no password, so the NetworkPolicy must admit dispatchd pods and select Redis.
    const np = find(ms, 'NetworkPolicy', 'rel-dispatchd-redis') as Manifest & {
      spec: { podSelector: { matchLabels: Record<string, string> }; ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[] }[] };
    };
    assert.deepEqual(np.spec.podSelector.matchLabels, redis.spec.selector.matchLabels);
    const allowed = np.spec.ingress[0]?.from[0]?.podSelector.matchLabels ?? {};
    const receiverLabels = deployments(ms).receiver.spec.template.metadata.labels;
    assert.ok(Object.entries(allowed).every(([k, v]) => receiverLabels[k] === v), 'receiver pods may reach Redis');
  });

  test('ingress and worker HPA: ingress routes to the receiver Service, HPA owns worker replicas', () => {
    const ms = renderCase(bundled);
    const svc = find(ms, 'Service', 'rel-dispatchd') as Manifest & {
      spec: { selector: Record<string, string>; ports: { name: string; targetPort: string }[] };
    };
    const { receiver, worker } = deployments(ms);
    assert.deepEqual(svc.spec.selector, receiver.spec.template.metadata.labels);
    assert.notDeepEqual(svc.spec.selector, worker.spec.template.metadata.labels);

    const ing = find(ms, 'Ingress', 'rel-dispatchd') as Manifest & {
      spec: {
        ingressClassName: string;
        tls: { secretName: string }[];
        rules: { host: string; http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] } }[];
      };
    };
    assert.equal(ing.spec.ingressClassName, 'nginx');
    assert.equal(ing.spec.tls[0]?.secretName, 'dispatchd-tls');
    const route = ing.spec.rules[0]?.http.paths[0];
    assert.equal(ing.spec.rules[0]?.host, 'dispatchd.acme.test');
    assert.equal(route?.path, '/hooks');
    assert.equal(route?.backend.service.name, svc.metadata.name);
    assert.ok(svc.spec.ports.some((p) => p.name === route?.backend.service.port.name));

    const hpa = find(ms, 'HorizontalPodAutoscaler', 'rel-dispatchd-worker') as Manifest & {
      spec: {
        scaleTargetRef: { kind: string; name: string };
        minReplicas: number;
        maxReplicas: number;
        metrics: { resource: { name: string; target: { averageUtilization: number } } }[];
      };
    };
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: worker.metadata.name });
    assert.equal(hpa.spec.minReplicas, 3);
    assert.equal(hpa.spec.maxReplicas, 12);
    assert.equal(hpa.spec.metrics[0]?.resource.name, 'cpu');
    assert.equal(hpa.spec.metrics[0]?.resource.target.averageUtilization, 60);
    assert.equal(worker.spec.replicas, undefined, 'a fixed replica count would fight the HPA');
    assert.equal(receiver.spec.replicas, 2);
    assert.ok(container(worker).resources?.requests?.cpu, 'a CPU HPA needs a CPU request to compute utilisation');
  });

  test('existingConfigMap: no chart ConfigMap, pods mount the named one, no checksum', () => {
    const ms = renderCase(bundled);
    assert.equal(ms.filter((m) => m.kind === 'ConfigMap').length, 0);
    for (const w of Object.values(deployments(ms))) {
      assert.equal(w.spec.template.spec.volumes?.find((v) => v.configMap)?.configMap?.name, 'dispatchd-config');
      assert.equal(w.spec.template.metadata.annotations?.['checksum/config'], undefined);
    }
  });

  test('Redis URL from a Secret reaches both deployments as a secretKeyRef', () => {
    const ms = renderCase([...inlineConfig, '--set', 'redis.existingSecret=redis-conn']);
    for (const w of Object.values(deployments(ms))) {
      const url = envOf(container(w)).get('REDIS_URL');
      assert.equal(url?.value, undefined);
      assert.deepEqual(url?.valueFrom?.secretKeyRef, { name: 'redis-conn', key: 'redis-url' });
    }
  });

  test('each PodDisruptionBudget and Deployment selects exactly its own pods', () => {
    const ms = renderCase(external);
    for (const w of Object.values(deployments(ms))) {
      const labels = w.spec.template.metadata.labels;
      assert.ok(Object.entries(w.spec.selector.matchLabels).every(([k, v]) => labels[k] === v));
      const pdb = find(ms, 'PodDisruptionBudget', w.metadata.name) as Manifest & {
        spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
      };
      assert.deepEqual(pdb.spec.selector.matchLabels, w.spec.selector.matchLabels);
      assert.equal(pdb.spec.maxUnavailable, 1);
    }
  });

  test('rendering fails with a message that says what to set', () => {
    const helm = getHelm();
    const fails = (args: string[], message: RegExp): void => {
      const r = runHelm(helm, ['template', 'rel', chartDir, ...args]);
      assert.notEqual(r.status, 0, `expected helm template ${args.join(' ')} to fail`);
      assert.match(r.stderr, message);
    };
    fails(inlineConfig, /dispatchd needs Redis; set redis\.url .* or redis\.enabled=true/);
    fails([...inlineConfig, '--set', 'redis.enabled=true', '--set', 'redis.url=redis://x:6379'], /not both/);
    fails(['--set', 'redis.enabled=true'], /without a config file; set config .* or existingConfigMap/);
    // values.schema.json catches typos and malformed values before anything is deployed.
    fails([...external, '--set', 'redis.enable=true'], /additional properties 'enable' not allowed/);
    fails([...inlineConfig, '--set', 'redis.url=localhost:6379'], /redis\/url.*does not match pattern/);
    // Kubernetes would SIGKILL dispatchd before its shutdown timeout ran out.
    fails([...external, '--set', 'worker.shutdownTimeoutSeconds=60'], /worker\.terminationGracePeriodSeconds \(30\) must be at least 65/);
    fails(
      [...external, '--set', 'receiver.terminationGracePeriodSeconds=25'],
      new RegExp(
        String.raw`receiver\.terminationGracePeriodSeconds \(25\) must be at least 30: ` +
          String.raw`preStopSleepSeconds \(5\) \+ shutdownTimeoutSeconds \(20\)`,
      ),
    );
    // The chart's env would silently win over it.
    fails([...external, '--set', 'config.shutdownTimeout=60s'], /config\.shutdownTimeout: set receiver\.shutdownTimeoutSeconds/);
  });
});
