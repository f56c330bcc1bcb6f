import type { DispatchdConfig } from '../../config/schema.js';
import { loadConfigFile } from '../../config/load.js';
import { ConfigError } from '../../core/errors.js';
import { fail, formatCheck, ok, type Check } from './check.js';
import { checkHost } from './doctor-scm.js';
import { checkRedis } from './doctor-redis.js';
import { checkRegistry } from './doctor-registry.js';
import { EXIT, type CliIo } from './io.js';

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

async function checkConfig(io: CliIo): Promise<{ checks: Check[]; config?: DispatchdConfig }> {
  const path = io.env.DISPATCHD_CONFIG;
  if (!path)
    return {
      checks: [
        fail(
          'config: DISPATCHD_CONFIG is not set',
          'point DISPATCHD_CONFIG at the YAML config (without one dispatchd only runs its offline demo)',
        ),
      ],
    };
  try {
    const config = await loadConfigFile(path, io.env);
    const summary = [
      plural(Object.keys(config.hosts).length, 'host'),
      plural(config.repositories.length, 'repository').replace('repositorys', 'repositories'),
      plural(config.gitops.length, 'gitops grant'),
      plural(config.registries.length, 'registry').replace('registrys', 'registries'),
    ];
    return { checks: [ok(`config: ${path} is valid (${summary.join(', ')})`)], config };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Every problem on its own line, as the service lists them at start.
    return { checks: err.problems.map((p) => fail(`config: ${p}`, '')) };
  }
}

/**
 * `dispatchd doctor`: every check runs even after one fails, so one run lists all there is to fix.
 * Lines go to stdout as they finish (a slow host shows as progress); exit 1 if any check failed.
 */
export async function runDoctor(opts: { timeoutMs: number }, io: CliIo): Promise<number> {
  const timeoutMs = Number.isFinite(opts.timeoutMs) && opts.timeoutMs > 0 ? opts.timeoutMs : 10_000;
  let failed = 0;
  let warned = 0;
  const report = (checks: Check[]) => {
    for (const c of checks) {
      if (c.state === 'fail') failed++;
      if (c.state === 'warn') warned++;
      io.out(formatCheck(c));
    }
  };
  const { checks, config } = await checkConfig(io);
  report(checks);
  io.err('checking Redis…');
  report(await checkRedis(io.env.REDIS_URL, timeoutMs));
  if (config) {
    for (const name of Object.keys(config.hosts)) {
      io.err(`checking host ${name}…`);
      report(await checkHost(config, name, timeoutMs));
    }
    for (const entry of config.registries) {
      io.err(`checking registry ${entry.host}…`);
      report([await checkRegistry(entry, timeoutMs)]);
    }
  } else {
    io.out('- hosts and registries not checked: fix the config first');
  }
  io.out(
    failed > 0
      ? `${plural(failed, 'problem')} to fix${warned ? `, ${plural(warned, 'warning')}` : ''}`
      : `all checks passed${warned ? ` (${plural(warned, 'warning')})` : ''}`,
  );
  return failed > 0 ? EXIT.failed : EXIT.ok;
}
