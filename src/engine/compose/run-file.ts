import { type ComposeModel, isRecord } from '../../checks/compose/model.js';
import type { ContainerLimits } from '../run.js';

/**
 * The file we actually run: the normalised model with our run labels on every service, build,
 * network and volume, containment limits on every service, no fixed container names, and every
 * published port moved to an ephemeral port on 127.0.0.1 (so runs never collide on host ports).
 */
export function runFile(model: ComposeModel, labels: Record<string, string>, limits: ContainerLimits): Record<string, unknown> {
  const config = structuredClone(model.config);
  // Compose v2's `config` spells out the project name it guessed and the names derived from it
  // (`<dir>_default`, `<dir>_dbdata`): drop them so our unique project name applies to everything.
  const guessed = typeof config.name === 'string' ? config.name : null;
  delete config.name;
  for (const section of ['networks', 'volumes'] as const) {
    const entries = isRecord(config[section]) ? (config[section] as Record<string, unknown>) : {};
    for (const [key, entry] of Object.entries(entries)) {
      if (isRecord(entry) && guessed && entry.name === `${guessed}_${key}`) delete entry.name;
    }
  }
  const services = isRecord(config.services) ? config.services : {};
  for (const [name, raw] of Object.entries(services)) {
    if (!isRecord(raw)) continue;
    const service = raw;
    service.labels = { ...(isRecord(service.labels) ? service.labels : listToMap(service.labels)), ...labels };
    const build = service.build;
    if (typeof build === 'string') service.build = { context: build, labels };
    else if (isRecord(build)) build.labels = { ...(isRecord(build.labels) ? build.labels : listToMap(build.labels)), ...labels };
    delete service.container_name;
    service.privileged = false;
    // The learner's own limits stay when they are lower than ours (a resource-limits challenge reads them back).
    const own = ownLimits(service);
    const memory = Math.min(own.memoryBytes ?? Infinity, limits.memoryBytes);
    service.mem_limit = memory;
    service.memswap_limit = memory;
    service.pids_limit = Math.min(own.pidsLimit ?? Infinity, limits.pidsLimit);
    service.cpus = Math.min(own.nanoCpus ?? Infinity, limits.nanoCpus) / 1e9;
    const securityOpt = Array.isArray(service.security_opt) ? service.security_opt.map(String) : [];
    if (!securityOpt.includes('no-new-privileges') && !securityOpt.includes('no-new-privileges:true')) securityOpt.push('no-new-privileges');
    service.security_opt = securityOpt;
    delete service.deploy;
    const ports = model.ports(name);
    if (ports.length > 0) service.ports = ports.map((port) => `127.0.0.1::${port.target}/${port.protocol}`);
  }
  const networks = isRecord(config.networks) ? config.networks : {};
  const usesDefault = Object.values(services).some((service) => !isRecord(service) || !service.networks);
  if (usesDefault && !('default' in networks)) networks.default = {};
  for (const [name, network] of Object.entries(networks)) {
    const entry = isRecord(network) ? network : {};
    entry.labels = { ...(isRecord(entry.labels) ? entry.labels : listToMap(entry.labels)), ...labels };
    networks[name] = entry;
  }
  if (Object.keys(networks).length > 0) config.networks = networks;
  const volumes = isRecord(config.volumes) ? config.volumes : {};
  for (const [name, volume] of Object.entries(volumes)) {
    const entry = isRecord(volume) ? volume : {};
    entry.labels = { ...(isRecord(entry.labels) ? entry.labels : listToMap(entry.labels)), ...labels };
    volumes[name] = entry;
  }
  return config;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Compose's byte sizes: a number, or `128m`, `1g`, `512MB`, `64MiB` (binary units, as Compose reads them). */
export function parseBytes(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.floor(value) : null;
  if (typeof value !== 'string') return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([bkmg]?)(?:i?b)?\s*$/i.exec(value);
  if (!match) return null;
  const bytes = Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
  return bytes > 0 ? bytes : null;
}

function positive(value: unknown): number | null {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : null;
}

/**
 * The limits a service sets itself, from the service keys or `deploy.resources.limits` (the lower of
 * the two when both are given); null where it sets none.
 */
export function ownLimits(service: Record<string, unknown>): { memoryBytes: number | null; nanoCpus: number | null; pidsLimit: number | null } {
  const deploy = isRecord(service.deploy) && isRecord(service.deploy.resources) && isRecord(service.deploy.resources.limits) ? service.deploy.resources.limits : {};
  const lower = (...values: Array<number | null>) => {
    const set = values.filter((value): value is number => value !== null);
    return set.length > 0 ? Math.min(...set) : null;
  };
  const cpus = lower(positive(service.cpus), positive(deploy.cpus));
  return {
    memoryBytes: lower(parseBytes(service.mem_limit), parseBytes(deploy.memory)),
    nanoCpus: cpus === null ? null : Math.round(cpus * 1e9),
    pidsLimit: lower(positive(service.pids_limit), positive(deploy.pids)),
  };
}

function listToMap(value: unknown): Record<string, string> {
  if (!Array.isArray(value)) return {};
  return Object.fromEntries(value.map((entry) => {
    const text = String(entry);
    const equals = text.indexOf('=');
    return equals === -1 ? [text, ''] : [text.slice(0, equals), text.slice(equals + 1)];
  }));
}
