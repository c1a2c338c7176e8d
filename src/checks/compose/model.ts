import path from 'node:path';
import { type Document, LineCounter, isMap, isNode, isScalar, parseDocument } from 'yaml';

/** A volume mount of a service, from the short ("src:/target:ro") or long syntax of the normalised model. */
export interface ServiceMount {
  type: 'volume' | 'bind' | 'tmpfs' | 'npipe';
  /** Named volume, host path (absolute after normalisation) or null (anonymous volume, tmpfs). */
  source: string | null;
  target: string;
  readOnly: boolean;
}

export interface ServicePort {
  target: number;
  published: number | null;
  protocol: string;
  hostIp: string | null;
}

export type Service = Record<string, unknown>;

/**
 * The compose file as `docker compose config` normalised it (interpolated, merged, relative paths
 * resolved), plus the learner's own source for file:line in messages.
 */
export class ComposeModel {
  private constructor(
    /** Absolute path of the learner's compose file. */
    readonly file: string,
    /** The normalised model (parsed output of `config`). */
    readonly config: Record<string, unknown>,
    private readonly source: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  static from(file: string, sourceText: string, config: Record<string, unknown>): ComposeModel {
    const lineCounter = new LineCounter();
    const source = parseDocument(sourceText, { lineCounter, prettyErrors: false, merge: true });
    return new ComposeModel(file, config, source, lineCounter);
  }

  /** From a source already parsed (and bounded) by the loader. */
  static fromSource(file: string, source: { document: Document; lineCounter: LineCounter }, config: Record<string, unknown>): ComposeModel {
    return new ComposeModel(file, config, source.document, source.lineCounter);
  }

  get serviceNames(): string[] {
    return Object.keys(this.section('services'));
  }

  service(name: string): Service | null {
    const service = this.section('services')[name];
    return isRecord(service) ? service : null;
  }

  section(key: 'services' | 'volumes' | 'secrets' | 'networks' | 'configs'): Record<string, unknown> {
    const value = this.config[key];
    return isRecord(value) ? value : {};
  }

  /** `file:line` of the deepest existing node along the path in the learner's file (for messages). */
  where(...keys: Array<string | number>): string {
    for (let length = keys.length; length >= 1; length--) {
      const offset = this.keyOffset(keys.slice(0, length));
      if (offset !== null) return `${path.basename(this.file)}:${this.lineCounter.linePos(offset).line}`;
    }
    return `${path.basename(this.file)}:1`;
  }

  /** Where the key itself is written (the line a reader looks for), else where the value starts. */
  private keyOffset(keys: Array<string | number>): number | null {
    const parent = keys.length > 1 ? this.source.getIn(keys.slice(0, -1), true) : this.source.contents;
    const last = keys.at(-1);
    if (isMap(parent)) {
      const pair = parent.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === last);
      if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
    }
    const node = this.source.getIn(keys, true);
    return isNode(node) && node.range ? node.range[0] : null;
  }

  image(service: string): string | null {
    const image = this.service(service)?.image;
    return typeof image === 'string' ? image : null;
  }

  build(service: string): { context: string; dockerfile: string } | null {
    const build = this.service(service)?.build;
    if (typeof build === 'string') return { context: build, dockerfile: 'Dockerfile' };
    if (isRecord(build) && typeof build.context === 'string') {
      return { context: build.context, dockerfile: typeof build.dockerfile === 'string' ? build.dockerfile : 'Dockerfile' };
    }
    return null;
  }

  /** Environment as a map; list entries without `=` map to null (taken from the host). */
  environment(service: string): Record<string, string | null> {
    const env = this.service(service)?.environment;
    const out: Record<string, string | null> = {};
    if (Array.isArray(env)) {
      for (const entry of env) {
        const text = String(entry);
        const equals = text.indexOf('=');
        if (equals === -1) out[text] = null;
        else out[text.slice(0, equals)] = unescapeDollars(text.slice(equals + 1));
      }
    } else if (isRecord(env)) {
      for (const [key, value] of Object.entries(env)) out[key] = value === null || value === undefined ? null : unescapeDollars(String(value));
    }
    return out;
  }

  /** depends_on as service -> condition (the short list form means service_started). */
  dependsOn(service: string): Record<string, string> {
    const deps = this.service(service)?.depends_on;
    const out: Record<string, string> = {};
    if (Array.isArray(deps)) for (const dep of deps) out[String(dep)] = 'service_started';
    else if (isRecord(deps)) {
      for (const [name, value] of Object.entries(deps)) {
        out[name] = isRecord(value) && typeof value.condition === 'string' ? value.condition : 'service_started';
      }
    }
    return out;
  }

  mounts(service: string): ServiceMount[] {
    const volumes = this.service(service)?.volumes;
    if (!Array.isArray(volumes)) return [];
    return volumes.flatMap((entry): ServiceMount[] => {
      if (typeof entry === 'string') return [parseShortMount(entry)];
      if (isRecord(entry) && typeof entry.target === 'string') {
        const type = (typeof entry.type === 'string' ? entry.type : typeof entry.source === 'string' && isHostPath(entry.source) ? 'bind' : 'volume') as ServiceMount['type'];
        return [{ type, source: typeof entry.source === 'string' ? entry.source : null, target: entry.target, readOnly: entry.read_only === true }];
      }
      return [];
    });
  }

  ports(service: string): ServicePort[] {
    const ports = this.service(service)?.ports;
    if (!Array.isArray(ports)) return [];
    return ports.flatMap((entry): ServicePort[] => {
      if (isRecord(entry) && entry.target !== undefined) {
        return [{
          target: Number(entry.target),
          published: entry.published === undefined || entry.published === null || entry.published === '' ? null : Number(entry.published),
          protocol: typeof entry.protocol === 'string' ? entry.protocol : 'tcp',
          hostIp: typeof entry.host_ip === 'string' ? entry.host_ip : null,
        }];
      }
      return parseShortPorts(String(entry));
    });
  }

  /** The health check's test as an argv-ish list ("CMD", ...) / ("CMD-SHELL", "...") / ("NONE"), or null. */
  healthcheck(service: string): { test: string[]; disabled: boolean; interval: string | null; retries: number | null } | null {
    const health = this.service(service)?.healthcheck;
    if (!isRecord(health)) return null;
    const raw = health.test;
    const test = (typeof raw === 'string' ? ['CMD-SHELL', raw] : Array.isArray(raw) ? raw.map(String) : []).map(unescapeDollars);
    return {
      test,
      disabled: health.disable === true || test[0] === 'NONE',
      interval: typeof health.interval === 'string' ? health.interval : null,
      retries: typeof health.retries === 'number' ? health.retries : null,
    };
  }

  /** Secrets given to the service: source name and the path it appears at in the container. */
  serviceSecrets(service: string): Array<{ source: string; target: string }> {
    const secrets = this.service(service)?.secrets;
    if (!Array.isArray(secrets)) return [];
    return secrets.flatMap((entry) => {
      if (typeof entry === 'string') return [{ source: entry, target: `/run/secrets/${entry}` }];
      if (isRecord(entry) && typeof entry.source === 'string') {
        const target = typeof entry.target === 'string' ? entry.target : entry.source;
        return [{ source: entry.source, target: target.startsWith('/') ? target : `/run/secrets/${target}` }];
      }
      return [];
    });
  }
}

/**
 * `config` keeps a literal dollar escaped as `$$` (its output is read again by compose, as our run file
 * is); the container sees one `$`, and so do messages.
 */
export function unescapeDollars(text: string): string {
  return text.replaceAll('$$', '$');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHostPath(source: string): boolean {
  return source.startsWith('/') || source.startsWith('.') || source.startsWith('~') || /^[A-Za-z]:[\\/]/.test(source);
}

/** "src:/target[:mode]", "/target" (anonymous volume). */
export function parseShortMount(text: string): ServiceMount {
  const parts = text.split(':');
  if (parts.length === 1) return { type: 'volume', source: null, target: parts[0]!, readOnly: false };
  const [source, target, mode = ''] = parts as [string, string, string?];
  return {
    type: isHostPath(source) ? 'bind' : 'volume',
    source,
    target,
    readOnly: mode.split(',').includes('ro'),
  };
}

/** "8080:80", "127.0.0.1:8080:80/tcp", "80", "127.0.0.1::80", "8000-8001:80-81". */
export function parseShortPorts(text: string): ServicePort[] {
  const [spec, protocol = 'tcp'] = text.split('/') as [string, string?];
  const parts = spec.split(':');
  const container = parts.pop()!;
  const published = parts.pop() ?? '';
  const hostIp = parts.length > 0 ? parts.join(':') : null;
  const range = (value: string): number[] => {
    if (!value) return [];
    const [from, to = from] = value.split('-').map(Number) as [number, number?];
    return Array.from({ length: (to ?? from) - from + 1 }, (_, index) => from + index);
  };
  const targets = range(container);
  const hosts = range(published);
  return targets.map((target, index) => ({ target, published: hosts[index] ?? null, protocol, hostIp }));
}

/** Health tests that can never tell a broken service from a working one. */
export function trivialHealthTest(test: string[]): string | null {
  if (test.length === 0) return 'the health check has no test';
  if (test[0] === 'NONE') return 'the health check is disabled (NONE)';
  const command = (test[0] === 'CMD' || test[0] === 'CMD-SHELL' ? test.slice(1) : test).join(' ').trim();
  if (!command) return 'the health check has an empty test';
  const normalised = command.replace(/\s+/g, ' ').replace(/^(\/usr)?\/bin\//, '');
  if (/^(true|:|exit 0|echo\b.*|sleep \d+|test 1|\[ 1 \])( ?(;|&&|\|\|) ?(true|:|exit 0))*;?$/.test(normalised)) {
    return `the test \`${command}\` always succeeds, so it says nothing about the service`;
  }
  if (/\|\|\s*(true|:|exit 0)\s*;?\s*$/.test(normalised)) {
    return `the test \`${command}\` ends in a fallback that always succeeds, so a failing probe would still count as healthy`;
  }
  return null;
}
