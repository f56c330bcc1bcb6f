import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { round, summarize } from '../lib/stats.js';
import { variantBody } from './payload.js';

export interface LoadSpec {
  url: string;
  /**
   * Request i sends body `prefix + variantSha(k) + suffix` with k = (startAt + i) mod
   * signatures.length, signed with signatures[k] in `signatureHeader`: distinct signed bodies, so
   * the receiver's replay check (on, as in production) drops none while k does not wrap.
   */
  template: { prefix: string; suffix: string };
  signatures: string[];
  signatureHeader: string;
  /** The first body index of this run (the warm-up's requests come before it). */
  startAt: number;
  headers: Record<string, string>;
  /** Header given a fresh value per request (a delivery id), so no request is a duplicate. */
  uniqueHeader: string;
  concurrency: number;
  durationS: number;
  /** Node generator only: stop after this many requests (the duration still caps it). */
  maxRequests: number;
}

export interface LoadResult {
  generator: 'wrk' | 'node';
  requests: number;
  /** Requests answered 2xx. */
  ok: number;
  failed: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

const run = promisify(execFile);

/** Debian's wrk (C, one thread): it stays far below the server's cost, so it measures the server. */
export async function wrkLoad(spec: LoadSpec): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'dispatchd-wrk-'));
  try {
    const { prefix, suffix } = spec.template;
    if ((prefix + suffix).includes(']==]')) throw new Error('body cannot be embedded in the wrk script');
    const headers = Object.entries(spec.headers)
      .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
      .join('\n');
    // The signatures are read from a file at start-up: computing HMAC-SHA256 in wrk's Lua is not
    // possible, and a literal table of 100k strings would be a slow script to parse.
    const sigPath = join(dir, 'signatures.txt');
    await writeFile(sigPath, `${spec.signatures.join('\n')}\n`);
    const script = `
wrk.method = "POST"
${headers}
local bodyPrefix = [==[${prefix}]==]
local bodySuffix = [==[${suffix}]==]
local sigs = {}
for line in io.lines(${JSON.stringify(sigPath)}) do sigs[#sigs + 1] = line end
local n = 0
local k = ${spec.startAt}
local prefix = "bench-" .. tostring(os.time()) .. "-" .. tostring(math.random(1, 1e9)) .. "-"
request = function()
  n = n + 1
  local i = k % #sigs
  k = k + 1
  wrk.headers[${JSON.stringify(spec.uniqueHeader)}] = prefix .. n
  wrk.headers[${JSON.stringify(spec.signatureHeader)}] = sigs[i + 1]
  return wrk.format(nil, nil, nil, bodyPrefix .. string.format("%040x", i + 1) .. bodySuffix)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;
    await writeFile(join(dir, 'bench.lua'), script);
    const { stdout } = await run(
      'wrk',
      [
        '-t1',
        `-c${spec.concurrency}`,
        `-d${spec.durationS}s`,
        '--timeout',
        '10s',
        '-s',
        join(dir, 'bench.lua'),
        spec.url,
      ],
      { maxBuffer: 1 << 20 },
    );
    const line = /WRKJSON (\{.*\})/.exec(stdout)?.[1];
    if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
    const r = JSON.parse(line) as {
      requests: number;
      durationUs: number;
      status: number;
      connect: number;
      read: number;
      write: number;
      timeout: number;
      p50Us: number;
      p99Us: number;
    };
    const failed = r.status + r.connect + r.read + r.write + r.timeout;
    const durationS = r.durationUs / 1e6;
    const ok = r.requests - r.status;
    return {
      generator: 'wrk',
      requests: r.requests,
      ok,
      failed,
      durationS: round(durationS),
      rps: round(ok / durationS, 0),
      p50Ms: round(r.p50Us / 1000),
      p99Ms: round(r.p99Us / 1000),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Fallback when wrk is missing: a bounded loop of `concurrency` keep-alive clients on 127.0.0.1,
 * stopping at `maxRequests` or `durationS`. Node's client costs more CPU than wrk, so on 2 cores
 * it caps both servers and the ratio reads closer to 1 than it is; the table says which was used.
 */
export async function nodeLoad(spec: LoadSpec): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const url = new URL(spec.url);
  const latencies: number[] = [];
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + spec.durationS * 1000;
  let k = spec.startAt;
  const one = (id: string) =>
    new Promise<number>((resolve) => {
      const i = k++ % spec.signatures.length;
      const body = variantBody(spec.template, i);
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            ...spec.headers,
            [spec.uniqueHeader]: id,
            [spec.signatureHeader]: spec.signatures[i]!,
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const prefix = `bench-${Date.now()}-`;
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (sent < spec.maxRequests && performance.now() < deadline) {
        const id = `${prefix}${++sent}`;
        const t = performance.now();
        const status = await one(id);
        latencies.push(performance.now() - t);
        if (status >= 200 && status < 300) ok++;
        else failed++;
      }
    }),
  );
  const durationS = (performance.now() - started) / 1000;
  agent.destroy();
  const s = summarize(latencies);
  return {
    generator: 'node',
    requests: latencies.length,
    ok,
    failed,
    durationS: round(durationS),
    rps: round(ok / durationS, 0),
    p50Ms: s.p50Ms,
    p99Ms: s.p99Ms,
  };
}
