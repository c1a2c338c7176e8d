import type { DockerOptions } from 'dockerode';
import { UserError } from '../errors.js';

/**
 * dockerode options for a `--docker-host` URL, in the forms DOCKER_HOST takes:
 * `unix:///path/docker.sock`, `tcp://host:port` (plain) or `https://host:port`/`tcp://` with
 * DOCKER_TLS_VERIFY set (dockerode then reads DOCKER_CERT_PATH itself). Anything else is bad input.
 */
export function dockerOptionsForHost(url: string): DockerOptions {
  const value = url.trim();
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw badHost(url, 'a unix socket needs an absolute path, e.g. unix:///var/run/docker.sock');
    return { socketPath };
  }
  if (value.startsWith('/')) return { socketPath: value };
  const match = /^(tcp|http|https):\/\/([^/:]+|\[[^\]]+\]):(\d+)\/?$/.exec(value);
  if (!match) throw badHost(url, 'expected unix:///path/to/docker.sock or tcp://host:port');
  const [, scheme, host, port] = match;
  const tls = scheme === 'https' || (scheme === 'tcp' && Boolean(process.env.DOCKER_TLS_VERIFY));
  return { host: host!.replace(/^\[|\]$/g, ''), port: Number(port), protocol: tls ? 'https' : 'http' };
}

function badHost(url: string, why: string): UserError {
  return new UserError(`Invalid --docker-host "${url}": ${why}.`, 2);
}
