import { createRequire } from 'node:module';
import type Docker from 'dockerode';

// dockerode (with ssh2 and the HTTP modem) takes a noticeable part of start-up: it is loaded on
// first use, so a command's static work (parsing a Dockerfile) shows before the engine is needed.
const requireLazily = createRequire(import.meta.url);
let DockerClass: typeof Docker | null = null;
function dockerClass(): typeof Docker {
  DockerClass ??= requireLazily('dockerode') as typeof Docker;
  return DockerClass;
}
import { EngineUnavailableError, UserError, errorMessage } from '../errors.js';
import { type Endpoint, type EndpointSource, dockerodeOptions, resolveEndpoint } from './endpoint.js';
import { waitFor } from '../wait.js';

export interface EngineInfo {
  /** Where we connected: a socket path or tcp address. */
  endpoint: string;
  /** How the endpoint was chosen: flag, DOCKER_HOST, context, default socket or Podman socket. */
  endpointSource: EndpointSource;
  /** The same for people, e.g. `Docker context "remote" (DOCKER_CONTEXT)`. */
  foundBy: string;
  serverVersion: string;
  apiVersion: string;
  os: string;
  architecture: string;
}

export interface Engine {
  docker: Docker;
  info: EngineInfo;
}

const DEFAULT_PING_TIMEOUT_MS = 3_000;
/** Health checks on create, pids limits and the archive HEAD all need at least this (Docker 19.03). */
export const MIN_API_VERSION = '1.40';

export function apiAtLeast(version: string, minimum: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor = 0, minMinor = 0] = minimum.split('.').map(Number);
  return major > minMajor || (major === minMajor && minor >= minMinor);
}

/** Describes the endpoint a dockerode client talks to. */
export function describeEndpoint(docker: Docker): string {
  const modem = docker.modem as unknown as { socketPath?: string | (() => unknown); host?: string; port?: number | string; protocol?: string };
  // Newer docker-modem versions default socketPath to a function that picks the socket lazily.
  if (typeof modem.socketPath === 'function') return 'unix:///var/run/docker.sock (default socket)';
  if (modem.socketPath) return `unix://${modem.socketPath}`;
  return `${modem.protocol ?? 'http'}://${modem.host ?? 'localhost'}:${modem.port ?? ''}`;
}

/** A dockerode client for a resolved endpoint. */
export function createDocker(endpoint: Endpoint): Docker {
  const options = dockerodeOptions(endpoint);
  if (endpoint.host.startsWith('ssh://')) quietSshUrlWarning();
  // docker-modem re-reads DOCKER_HOST (and its cert files) on construction; the endpoint is already resolved.
  const saved = process.env.DOCKER_HOST;
  delete process.env.DOCKER_HOST;
  try {
    const Client = dockerClass();
    return new Client(options);
  } finally {
    if (saved !== undefined) process.env.DOCKER_HOST = saved;
  }
}

let sshWarningFiltered = false;
/** docker-modem builds an `ssh:host:port` URL that Node flags as invalid (DEP0170): harmless, and not the user's concern. */
function quietSshUrlWarning(): void {
  if (sshWarningFiltered) return;
  sshWarningFiltered = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
    if (code === 'DEP0170' && String(warning).includes('ssh:')) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the engine answers a ping within `timeoutMs`. */
export async function engineAnswers(engine: Engine, timeoutMs = 2000): Promise<boolean> {
  try {
    await withTimeout(engine.docker.ping(), timeoutMs, 'the Docker engine');
    return true;
  } catch {
    return false;
  }
}

/**
 * Pings the engine (at least once) until `windowMs` has passed: true as soon as it stops answering.
 * A daemon that is shutting down kills a running step first and goes away within seconds.
 */
export async function engineStopsAnswering(
  engine: Engine,
  windowMs: number,
  options: { pingTimeoutMs?: number; intervalMs?: number } = {},
): Promise<boolean> {
  const stopped = await waitFor(async () => !(await engineAnswers(engine, options.pingTimeoutMs)), {
    interval: options.intervalMs ?? 250,
    deadline: Date.now() + windowMs,
  });
  return stopped.ready;
}

export interface ConnectOptions {
  pingTimeoutMs?: number;
  /** The `--docker-host` flag; else DOCKER_HOST, the Docker context, the default socket, Podman. */
  dockerHost?: string;
}

/** Connects and pings with a short timeout; no engine gives one clear message (exit 2). */
export async function connectEngine(options: ConnectOptions = {}): Promise<Engine> {
  const chosen = resolveEndpoint({ flag: options.dockerHost });
  let docker: Docker;
  try {
    docker = createDocker(chosen);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new EngineUnavailableError(
      `Cannot set up a Docker client for ${chosen.host} (from ${chosen.foundBy}): ${errorMessage(error)}`,
      'Check --docker-host, DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and the Docker context.',
    );
  }
  const endpoint = chosen.host;
  const timeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  // A request left hanging after a timeout would keep the process alive after the error is printed.
  const abort = new AbortController();
  try {
    // dockerode takes an abort signal here, but its typings do not say so.
    const abortable = docker as unknown as { ping(options: object): Promise<unknown>; version(options: object): Promise<Docker.DockerVersion> };
    await withTimeout(abortable.ping({ abortSignal: abort.signal }), timeoutMs, `the Docker engine at ${endpoint}`);
    const version = await withTimeout(abortable.version({ abortSignal: abort.signal }), timeoutMs, `the Docker engine at ${endpoint}`);
    if (!apiAtLeast(version.ApiVersion, MIN_API_VERSION)) {
      throw new EngineUnavailableError(
        `The Docker engine at ${endpoint} is too old: Docker ${version.Version} speaks API ${version.ApiVersion}; Shipshape needs API ${MIN_API_VERSION} (Docker 19.03) or newer.`,
        `Upgrade Docker, or choose a newer engine (${chosen.foundBy} chose this one).`,
      );
    }
    return {
      docker,
      info: {
        endpoint,
        endpointSource: chosen.source,
        foundBy: chosen.foundBy,
        serverVersion: version.Version,
        apiVersion: version.ApiVersion,
        os: version.Os,
        architecture: version.Arch,
      },
    };
  } catch (error) {
    abort.abort();
    if (error instanceof EngineUnavailableError) throw error;
    throw new EngineUnavailableError(
      `No Docker engine answered at ${endpoint} (from ${chosen.foundBy}): ${errorMessage(error)}.`,
      unreachableSuggestion(chosen),
    );
  }
}

export function unreachableSuggestion(chosen: Endpoint): string {
  const ssh = chosen.host.startsWith('ssh://')
    ? `For ssh, the host key must be in ~/.ssh/known_hosts (connect once with \`${sshCommand(chosen.host)}\`), your key in the ssh agent or ~/.ssh/id_*, and docker installed there. `
    : '';
  return ssh + bySource(chosen);
}

function bySource(chosen: Endpoint): string {
  switch (chosen.source) {
    case 'flag':
      return 'Check the --docker-host address, or leave it out to use DOCKER_HOST, the Docker context or the local socket.';
    case 'DOCKER_HOST':
      return 'Start the engine DOCKER_HOST points at, or unset DOCKER_HOST to use the Docker context or the local socket.';
    case 'context':
      return `Start the engine of the Docker context "${chosen.context}", or switch with \`docker context use default\` (or pass --docker-host).`;
    default:
      return (
        'Start Docker (Docker Desktop, `sudo systemctl start docker`, or `colima start`) and try again, or pass --docker-host. ' +
        'On Debian as root, `bash scripts/ensure-engine.sh` installs and starts an engine.'
      );
  }
}

function sshCommand(host: string): string {
  const url = new URL(host);
  return `ssh ${url.port ? `-p ${url.port} ` : ''}${url.username ? `${decodeURIComponent(url.username)}@` : ''}${url.hostname}`;
}
