import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { UserError, errorMessage } from '../errors.js';

/** How the endpoint was chosen, in the order they are tried. */
export type EndpointSource = 'flag' | 'DOCKER_HOST' | 'context' | 'default' | 'podman';

export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  /** Check the server's certificate against `ca` (or the system CAs). */
  verify: boolean;
}

export interface Endpoint {
  /** The engine address as a URL: unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host. */
  host: string;
  source: EndpointSource;
  /** One line for people: `--docker-host`, `DOCKER_HOST`, `Docker context "x" (DOCKER_CONTEXT)`. */
  foundBy: string;
  context?: string;
  /** Set for tcp endpoints that speak TLS. */
  tls?: TlsFiles;
}

export interface ResolveOptions {
  /** The `--docker-host` flag. */
  flag?: string;
  env?: NodeJS.ProcessEnv;
  /** Home directory (tests point it at a temporary one). */
  home?: string;
  /** Whether a unix socket exists (tests replace it). */
  socketExists?: (socketPath: string) => boolean;
}

export const DEFAULT_SOCKET = '/var/run/docker.sock';

export function dockerConfigDir(env: NodeJS.ProcessEnv, home: string): string {
  return env.DOCKER_CONFIG ? path.resolve(env.DOCKER_CONFIG) : path.join(home, '.docker');
}

function isSocket(socketPath: string): boolean {
  try {
    return statSync(socketPath).isSocket();
  } catch {
    return false;
  }
}

/**
 * Chooses the engine the way the docker CLI does: `--docker-host`, then DOCKER_HOST, then the
 * current context (DOCKER_CONTEXT, else `currentContext` in config.json), then the default
 * socket, then a Podman socket when the default socket does not exist.
 */
export function resolveEndpoint(options: ResolveOptions = {}): Endpoint {
  const env = options.env ?? process.env;
  const home = options.home ?? env.HOME ?? os.homedir();
  const socketExists = options.socketExists ?? isSocket;
  const configDir = dockerConfigDir(env, home);

  const flag = options.flag?.trim();
  if (flag) return hostEndpoint(flag, 'flag', '--docker-host', env, configDir);
  const fromEnv = env.DOCKER_HOST?.trim();
  if (fromEnv) return hostEndpoint(fromEnv, 'DOCKER_HOST', 'DOCKER_HOST', env, configDir);

  const contextFromEnv = env.DOCKER_CONTEXT?.trim();
  const contextName = contextFromEnv || readCurrentContext(configDir);
  if (contextName && contextName !== 'default') {
    return contextEndpoint(contextName, contextFromEnv ? 'DOCKER_CONTEXT' : `currentContext in ${path.join(configDir, 'config.json')}`, configDir);
  }

  if (!socketExists(DEFAULT_SOCKET)) {
    const podman = [env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock') : null, '/run/podman/podman.sock'];
    for (const candidate of podman) {
      if (candidate && socketExists(candidate)) {
        return { host: `unix://${candidate}`, source: 'podman', foundBy: `the Podman socket (${DEFAULT_SOCKET} does not exist)` };
      }
    }
  }
  return { host: `unix://${DEFAULT_SOCKET}`, source: 'default', foundBy: 'the default socket' };
}

function readCurrentContext(configDir: string): string | undefined {
  const file = path.join(configDir, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const config = JSON.parse(text) as { currentContext?: unknown };
    return typeof config.currentContext === 'string' && config.currentContext ? config.currentContext : undefined;
  } catch (error) {
    throw new UserError(`The Docker CLI configuration ${file} is not valid JSON: ${errorMessage(error)}.`, 2, 'Fix or remove that file, or pass --docker-host.');
  }
}

/** The context store keys each context by the sha256 of its name. */
export function contextDigest(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function contextEndpoint(name: string, via: string, configDir: string): Endpoint {
  const digest = contextDigest(name);
  const metaFile = path.join(configDir, 'contexts', 'meta', digest, 'meta.json');
  const foundBy = `Docker context "${name}" (${via})`;
  let meta: { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UserError(
      missing
        ? `The Docker context "${name}" (from ${via}) does not exist: no ${metaFile}.`
        : `The Docker context "${name}" (from ${via}) is unreadable: ${metaFile}: ${errorMessage(error)}.`,
      2,
      'List contexts with `docker context ls` and pick one with `docker context use NAME`, or pass --docker-host.',
    );
  }
  const docker = meta.Endpoints?.docker;
  const host = typeof docker?.Host === 'string' ? docker.Host.trim() : '';
  if (!host) {
    throw new UserError(`The Docker context "${name}" has no docker endpoint host in ${metaFile}.`, 2, 'Recreate it with `docker context create`, or pass --docker-host.');
  }
  const endpoint: Endpoint = { host: normaliseHost(host, foundBy), source: 'context', foundBy, context: name };
  if (endpoint.host.startsWith('tcp://')) {
    const tlsDir = path.join(configDir, 'contexts', 'tls', digest, 'docker');
    const files = tlsFilesIn(tlsDir);
    const skip = docker?.SkipTLSVerify === true;
    if (files.ca || files.cert || files.key || skip) endpoint.tls = { ...files, verify: !skip };
  }
  return endpoint;
}

function tlsFilesIn(dir: string): Omit<TlsFiles, 'verify'> {
  const found: Omit<TlsFiles, 'verify'> = {};
  for (const name of ['ca', 'cert', 'key'] as const) {
    const file = path.join(dir, `${name}.pem`);
    if (existsSync(file)) found[name] = file;
  }
  return found;
}

/** A host given by flag or DOCKER_HOST; DOCKER_TLS_VERIFY and DOCKER_CERT_PATH apply to tcp, as with the docker CLI. */
function hostEndpoint(raw: string, source: 'flag' | 'DOCKER_HOST', foundBy: string, env: NodeJS.ProcessEnv, configDir: string): Endpoint {
  const endpoint: Endpoint = { host: normaliseHost(raw, foundBy), source, foundBy };
  if (endpoint.host.startsWith('tcp://')) {
    const verify = Boolean(env.DOCKER_TLS_VERIFY);
    const certPath = env.DOCKER_CERT_PATH;
    if (verify || certPath) endpoint.tls = { ...tlsFilesIn(certPath ? path.resolve(certPath) : configDir), verify };
  }
  return endpoint;
}

/** Accepts unix://, tcp://, ssh://, npipe:// and a bare socket path; anything else is a usage error. */
export function normaliseHost(raw: string, foundBy: string): string {
  if (raw.startsWith('/')) return `unix://${raw}`;
  const scheme = /^([a-z]+):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme === 'unix' || scheme === 'npipe') {
    if (raw.length <= scheme.length + 3) throw badHost(raw, foundBy, 'it names no socket path');
    return raw;
  }
  if (scheme === 'tcp' || scheme === 'ssh' || scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw badHost(raw, foundBy, 'it is not a valid address');
    }
    if (!url.hostname) throw badHost(raw, foundBy, 'it names no host');
    return scheme === 'http' || scheme === 'https' ? `tcp://${url.host}` : raw;
  }
  throw badHost(raw, foundBy, scheme ? `the scheme ${scheme}:// is not supported` : 'it has no scheme');
}

function badHost(raw: string, foundBy: string, why: string): UserError {
  return new UserError(
    `Cannot use the Docker host "${raw}" (from ${foundBy}): ${why}.`,
    2,
    'Use unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST.',
  );
}

function readPem(file: string | undefined, endpoint: Endpoint): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UserError(`Cannot read the TLS file ${file} for ${endpoint.host} (${endpoint.foundBy}): ${errorMessage(error)}.`, 2, 'Check DOCKER_CERT_PATH or the context\'s TLS files.');
  }
}

/** dockerode options for an endpoint; every value is explicit so nothing falls back to the environment. */
export function dockerodeOptions(endpoint: Endpoint, env: NodeJS.ProcessEnv = process.env): Docker.DockerOptions {
  const blank = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    protocol: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    username: undefined,
    sshOptions: undefined,
  };
  const { host } = endpoint;
  if (host.startsWith('unix://')) return { ...blank, socketPath: host.slice('unix://'.length) };
  if (host.startsWith('npipe://')) return { ...blank, socketPath: host.slice('npipe://'.length) };
  const url = new URL(host);
  if (url.protocol === 'ssh:') {
    return {
      ...blank,
      protocol: 'ssh',
      host: url.hostname,
      port: url.port || 22,
      username: decodeURIComponent(url.username) || os.userInfo().username,
      sshOptions: sshAuth(env),
    } as Docker.DockerOptions;
  }
  if (!endpoint.tls) return { ...blank, protocol: 'http', host: url.hostname, port: url.port || 2375 };
  const ca = readPem(endpoint.tls.ca, endpoint);
  const cert = readPem(endpoint.tls.cert, endpoint);
  const key = readPem(endpoint.tls.key, endpoint);
  const options: Docker.DockerOptions = { ...blank, protocol: 'https', host: url.hostname, port: url.port || 2376, ca, cert, key };
  // docker-modem has no switch for an unverified server certificate: an agent carries it.
  if (!endpoint.tls.verify) (options as { agent?: https.Agent }).agent = new https.Agent({ ca, cert, key, rejectUnauthorized: false });
  return options;
}

/** ssh2 has no ~/.ssh/config: use the agent, else the usual private keys. */
function sshAuth(env: NodeJS.ProcessEnv): Record<string, unknown> {
  if (env.SSH_AUTH_SOCK) return { agent: env.SSH_AUTH_SOCK };
  const sshDir = path.join(env.HOME ?? os.homedir(), '.ssh');
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const file = path.join(sshDir, name);
    if (existsSync(file)) return { privateKey: readFileSync(file) };
  }
  return {};
}
