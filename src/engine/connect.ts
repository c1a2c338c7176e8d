import Docker from 'dockerode';
import { EngineUnavailableError, errorMessage } from '../errors.js';
import { dockerOptionsForHost } from './hosts.js';

export interface EngineInfo {
  /** Where we connected: a socket path or tcp address. */
  endpoint: string;
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

/** Describes the endpoint dockerode will use; it reads DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH itself. */
export async function describeEndpoint(docker: Docker): Promise<string> {
  const modem = docker.modem as unknown as {
    socketPath?: string | (() => Promise<string>);
    getSocketPath?: () => Promise<string | undefined>;
    host?: string;
    port?: number | string;
    protocol?: string;
  };
  // docker-modem 5 keeps the default socket as a function that picks ~/.docker/run/docker.sock or /var/run/docker.sock.
  if (typeof modem.socketPath === 'function') {
    const resolved = await (modem.getSocketPath?.() ?? modem.socketPath()).catch(() => undefined);
    return `unix://${resolved ?? '/var/run/docker.sock'}`;
  }
  if (modem.socketPath) return `unix://${modem.socketPath}`;
  return `${modem.protocol ?? 'http'}://${modem.host ?? 'localhost'}:${modem.port ?? ''}`;
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

/** Connects and pings with a short timeout; no engine gives one clear message (exit 2). */
export async function connectEngine(options: { pingTimeoutMs?: number; host?: string } = {}): Promise<Engine> {
  let docker: Docker;
  // A bad --docker-host is the user's input: its own message, not "cannot set up a client".
  const hostOptions = options.host ? dockerOptionsForHost(options.host) : undefined;
  try {
    docker = hostOptions ? new Docker(hostOptions) : new Docker();
  } catch (error) {
    throw new EngineUnavailableError(
      `Cannot set up a Docker client: ${errorMessage(error)}`,
      'Check DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.',
    );
  }
  const endpoint = await describeEndpoint(docker);
  const timeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  try {
    await withTimeout(docker.ping(), timeoutMs, `the Docker engine at ${endpoint}`);
    const version = await withTimeout(docker.version(), timeoutMs, `the Docker engine at ${endpoint}`);
    if (!apiAtLeast(version.ApiVersion, MIN_API_VERSION)) {
      throw new EngineUnavailableError(
        `The Docker engine at ${endpoint} is too old: Docker ${version.Version} speaks API ${version.ApiVersion}; Shipshape needs API ${MIN_API_VERSION} (Docker 19.03) or newer.`,
        'Upgrade Docker, or point DOCKER_HOST at a newer engine.',
      );
    }
    return {
      docker,
      info: {
        endpoint,
        serverVersion: version.Version,
        apiVersion: version.ApiVersion,
        os: version.Os,
        architecture: version.Arch,
      },
    };
  } catch (error) {
    if (error instanceof EngineUnavailableError) throw error;
    const source = options.host ? `--docker-host ${options.host}` : process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : 'the default socket';
    throw new EngineUnavailableError(
      `No Docker engine answered at ${endpoint} (from ${source}): ${errorMessage(error)}.`,
      options.host
        ? 'Start that engine, or leave it out of --docker-host.'
        : process.env.DOCKER_HOST
        ? 'Start the engine DOCKER_HOST points at, or unset DOCKER_HOST to use the local socket.'
        : 'Start Docker (Docker Desktop, `sudo systemctl start docker`, or `colima start`) and try again. ' +
            'On Debian as root, `bash scripts/ensure-engine.sh` installs and starts an engine.',
    );
  }
}
