import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);

export interface RegistryOptions {
  /** Require these credentials: htpasswd basic auth, or with `tokenAuth` at the token server. */
  htpasswd?: { user: string; password: string };
  /** Bearer-token auth through a token server run by this helper. */
  tokenAuth?: boolean;
}

export interface TestRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** With `tokenAuth`: "127.0.0.1:PORT" of the token server (the realm's host), for the entry's `tokenHosts`. */
  tokenHost?: string;
  /** Pushes a one-layer OCI image and returns its manifest digest (checked against the registry's answer). */
  pushImage(repo: string, tag: string, opts?: { configBody?: string }): Promise<string>;
  /** How many token requests the token server answered with a token. */
  tokensIssued(): number;
  close(): Promise<void>;
}

const SERVICE = 'dispatchd-test-registry';
const ISSUER = 'dispatchd-test-issuer';

/** Debian's docker-registry on a free loopback port, its storage in a temp dir removed on close. */
export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'dispatchd-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let tokenServer: TokenServer | undefined;
  let child: ChildProcess | undefined;
  try {
    let auth = '';
    if (opts.tokenAuth === true) {
      tokenServer = await startTokenServer(dir, opts.htpasswd);
      auth = `auth:\n  token:\n    realm: ${tokenServer.realm}\n    service: ${SERVICE}\n    issuer: ${ISSUER}\n    rootcertbundle: ${tokenServer.certPath}\n`;
    } else if (opts.htpasswd !== undefined) {
      const { stdout } = await run('htpasswd', ['-nbB', '-C', '4', opts.htpasswd.user, opts.htpasswd.password]);
      await writeFile(join(dir, 'htpasswd'), stdout.trim() + '\n');
      auth = `auth:\n  htpasswd:\n    realm: dispatchd-test\n    path: ${join(dir, 'htpasswd')}\n`;
    }
    const config =
      `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n` +
      `storage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n` +
      `http:\n  addr: ${host}\n  secret: ${randomBytes(16).toString('hex')}\n` +
      auth;
    await writeFile(join(dir, 'config.yml'), config);

    child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const output: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await waitUntilServing(host, child, output);
  } catch (error) {
    child?.kill('SIGKILL');
    await tokenServer?.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const registryProcess = child;
  const admin = (repo: string): string | undefined => {
    if (tokenServer !== undefined) return `Bearer ${tokenServer.mint(repo, ['pull', 'push'])}`;
    if (opts.htpasswd !== undefined)
      return `Basic ${Buffer.from(`${opts.htpasswd.user}:${opts.htpasswd.password}`).toString('base64')}`;
    return undefined;
  };

  return {
    host,
    ...(tokenServer !== undefined && { tokenHost: new URL(tokenServer.realm).host }),
    pushImage: (repo, tag, pushOpts) => pushImage(host, repo, tag, admin(repo), pushOpts?.configBody),
    tokensIssued: () => tokenServer?.issued() ?? 0,
    async close() {
      if (registryProcess.exitCode === null) {
        const exited = new Promise((resolve) => registryProcess.once('exit', resolve));
        registryProcess.kill('SIGTERM');
        await exited;
      }
      await tokenServer?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilServing(host: string, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${output.join('')}`);
    try {
      const response = await fetch(`http://${host}/v2/`);
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry did not answer on ${host} within 10 s: ${output.join('')}`);
}

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function uploadBlob(
  host: string,
  repo: string,
  bytes: Buffer,
  authorization: string | undefined,
): Promise<string> {
  const headers: Record<string, string> = authorization !== undefined ? { authorization } : {};
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers });
  await start.body?.cancel();
  const location = start.headers.get('location');
  if (start.status !== 202 || location === null)
    throw new Error(`blob upload start for ${repo} answered ${start.status}`);
  const digest = sha256(bytes);
  const url = new URL(location, `http://${host}`);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(bytes),
  });
  const text = await put.text();
  if (put.status !== 201) throw new Error(`blob upload for ${repo} answered ${put.status}: ${text}`);
  return digest;
}

async function pushImage(
  host: string,
  repo: string,
  tag: string,
  authorization: string | undefined,
  configBody?: string,
): Promise<string> {
  const layerContent = Buffer.from(`layer of ${repo}:${tag} ${randomBytes(8).toString('hex')}\n`);
  const layer = gzipSync(layerContent);
  const config = Buffer.from(
    configBody ??
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: {},
        rootfs: { type: 'layers', diff_ids: [sha256(layerContent)] },
      }),
  );
  const configDigest = await uploadBlob(host, repo, config, authorization);
  const layerDigest = await uploadBlob(host, repo, layer, authorization);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
    }),
  );
  const headers: Record<string, string> = { 'content-type': 'application/vnd.oci.image.manifest.v1+json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const put = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    headers,
    body: new Uint8Array(manifest),
  });
  const text = await put.text();
  if (put.status !== 201) throw new Error(`manifest upload for ${repo}:${tag} answered ${put.status}: ${text}`);
  const expected = sha256(manifest);
  const answered = put.headers.get('docker-content-digest');
  if (answered !== expected)
    throw new Error(`registry answered digest ${answered} for a manifest whose sha256 is ${expected}`);
  return expected;
}

interface TokenServer {
  realm: string;
  certPath: string;
  mint(repo: string, actions: string[]): string;
  issued(): number;
  close(): Promise<void>;
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/**
 * A token service as docker/distribution's token auth expects: JWTs signed with a key whose
 * self-signed certificate is the registry's rootcertbundle, the certificate sent in `x5c`.
 */
async function startTokenServer(
  dir: string,
  required: { user: string; password: string } | undefined,
): Promise<TokenServer> {
  const keyPath = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '1',
    '-subj',
    '/CN=dispatchd-test-token',
  ]);
  const key: KeyObject = createPrivateKey(await readFile(keyPath));
  const certDer = new X509Certificate(await readFile(certPath)).raw.toString('base64');
  let issued = 0;

  const mint = (repo: string, actions: string[], subject = ''): string => {
    const nowS = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [certDer] }));
    const claims = base64url(
      JSON.stringify({
        iss: ISSUER,
        sub: subject,
        aud: SERVICE,
        exp: nowS + 300,
        nbf: nowS - 10,
        iat: nowS,
        jti: randomBytes(8).toString('hex'),
        access: [{ type: 'repository', name: repo, actions }],
      }),
    );
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
    return `${header}.${claims}.${base64url(signature)}`;
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    let subject = '';
    if (required !== undefined) {
      const expected = `Basic ${Buffer.from(`${required.user}:${required.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': 'Basic realm="dispatchd-test-token"',
        });
        res.end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      subject = required.user;
    }
    // Grant pull on every repository asked for; that is all a digest lookup needs.
    const repos = url.searchParams
      .getAll('scope')
      .map((s) => s.split(':'))
      .filter((p) => p[0] === 'repository' && p[1] !== undefined)
      .map((p) => p[1]!);
    const token = mint(repos[0] ?? '', repos[0] !== undefined ? ['pull'] : [], subject);
    issued++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certPath,
    mint,
    issued: () => issued,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
