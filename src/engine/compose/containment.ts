import { isRecord } from '../../checks/compose/model.js';
import { isRemoteContext, leadsInside } from './paths.js';

/**
 * Containment of a learner's stack by allow-list: every key of the normalised model (v1 and v2 print
 * slightly different ones) is listed here as harmless, checked, or refused. A key that is not listed is
 * refused, so a setting Compose learns later cannot slip through. test/engine/compose-containment.test.ts
 * holds this table against every key of the Compose specification's schema.
 */
export interface RuleContext {
  /** Workspace root with symlinks resolved. */
  root: string;
  /** Directory relative paths are taken from (the workspace). */
  base: string;
  services: Set<string>;
  /** Declared top-level names, for references. */
  declared: { volumes: Set<string>; networks: Set<string>; secrets: Set<string>; configs: Set<string> };
}

/** A problem found under one key: the message and, when deeper than the key, the path below it. */
export interface RuleProblem {
  message: string;
  at?: Array<string | number>;
}

export type Rule = 'allow' | 'refuse' | ((value: unknown, context: RuleContext) => RuleProblem[]);

const SHARES_NAMESPACE = "it shares the host's or another container's namespace";

const problem = (message: string, ...at: Array<string | number>): RuleProblem => ({ message, at });
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);
const entries = (value: unknown): Array<[string, unknown]> => {
  if (isRecord(value)) return Object.entries(value);
  return list(value).map((entry) => {
    const text = String(entry);
    const equals = text.indexOf('=');
    return equals === -1 ? [text, null] : [text.slice(0, equals), text.slice(equals + 1)];
  });
};

/** `key: value` shown in messages. */
const shown = (key: string, value: unknown) => `\`${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}\``;

function namespace(key: string, allowed: (value: string) => boolean): Rule {
  return (value) => {
    if (value === null || value === undefined || value === '') return [];
    return allowed(String(value)) ? [] : [problem(`${shown(key, value)} is not allowed (${SHARES_NAMESPACE})`)];
  };
}

function hostPath(what: string, value: unknown, context: RuleContext, ...at: Array<string | number>): RuleProblem[] {
  if (typeof value !== 'string') return [];
  return leadsInside(context.root, context.base, value) ? [] : [problem(`${what} ${value} is outside the workspace`, ...at)];
}

function mountProblems(value: unknown, context: RuleContext): RuleProblem[] {
  const out: RuleProblem[] = [];
  list(value).forEach((entry, index) => {
    if (typeof entry === 'string') {
      const [source, target] = entry.split(':');
      // A source with a slash is a path to us even where Compose would call it a volume name.
      if (target !== undefined && source && (/^[.~]|^[A-Za-z]:[\\/]/.test(source) || source.includes('/'))) {
        if (!leadsInside(context.root, context.base, source)) out.push(problem(bindOutside(source), index));
      }
      return;
    }
    if (!isRecord(entry)) return;
    for (const key of Object.keys(entry)) {
      if (!MOUNT_KEYS.has(key)) out.push(problem(`volume option \`${key}\` is not allowed`, index, key));
    }
    const type = typeof entry.type === 'string' ? entry.type : 'volume';
    if (!['bind', 'volume', 'tmpfs', 'image'].includes(type)) out.push(problem(`a \`${type}\` mount is not allowed`, index));
    if (type === 'bind' && typeof entry.source === 'string' && !leadsInside(context.root, context.base, entry.source)) out.push(problem(bindOutside(entry.source), index));
    if (type === 'bind' && !entry.source) out.push(problem('a bind mount without a source is not allowed', index));
    const bind = isRecord(entry.bind) ? entry.bind : {};
    if (typeof bind.propagation === 'string' && !['private', 'rprivate'].includes(bind.propagation)) {
      out.push(problem(`bind propagation \`${bind.propagation}\` is not allowed (it shares mounts with the host)`, index));
    }
  });
  return out;
}

const bindOutside = (source: string) => `bind mount of ${source} is outside the workspace; mount files of the workspace or use a named volume`;

export const MOUNT_KEYS = new Set(['type', 'source', 'target', 'read_only', 'consistency', 'bind', 'volume', 'tmpfs', 'image']);

function references(section: keyof RuleContext['declared'], what: string): Rule {
  return (value, context) =>
    list(value).flatMap((entry, index) => {
      const source = typeof entry === 'string' ? entry : isRecord(entry) ? entry.source : undefined;
      return typeof source === 'string' && !context.declared[section].has(source) ? [problem(`${what} \`${source}\` is not declared at the top level`, index)] : [];
    });
}

/**
 * Capabilities a service may add back after `cap_drop`: exactly those Docker grants every container by
 * default, so adding one never gives more than a container without `cap_drop` has. Everything else
 * (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, DAC_READ_SEARCH, BPF, `ALL`, ...) reaches the host
 * kernel or other processes and is refused.
 */
export const ADDABLE_CAPS = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'NET_RAW', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

const NAMESPACED_SYSCTL = /^(net\.|kernel\.shm|kernel\.msg|kernel\.sem$|fs\.mqueue\.)/;

/** Every key a service may have, after `compose config`. */
export const SERVICE_RULES: Record<string, Rule> = {
  annotations: 'allow',
  attach: 'allow',
  blkio_config: 'refuse',
  build: (value, context) => buildProblems(value, context),
  cap_add: (value) =>
    list(value).flatMap((entry, index) =>
      ADDABLE_CAPS.has(String(entry).toUpperCase().replace(/^CAP_/, ''))
        ? []
        : [problem(`\`cap_add: ${String(entry)}\` is not allowed (a graded stack may add back only capabilities a default container has: ${[...ADDABLE_CAPS].join(', ')})`, index)],
    ),
  cap_drop: 'allow',
  cgroup: namespace('cgroup', (value) => value === 'private'),
  cgroup_parent: 'refuse',
  command: 'allow',
  configs: references('configs', 'config'),
  container_name: 'allow',
  cpu_count: 'allow',
  cpu_percent: 'allow',
  cpu_shares: 'allow',
  cpu_quota: 'allow',
  cpu_period: 'allow',
  cpu_rt_period: 'refuse',
  cpu_rt_runtime: 'refuse',
  cpus: 'allow',
  cpuset: 'allow',
  credential_spec: 'refuse',
  depends_on: 'allow',
  deploy: 'allow',
  develop: 'allow',
  device_cgroup_rules: 'refuse',
  devices: (value) => (list(value).length > 0 ? [problem('`devices` are not allowed')] : []),
  dns: 'allow',
  dns_opt: 'allow',
  dns_search: 'allow',
  domainname: 'allow',
  entrypoint: 'allow',
  env_file: (value, context) => list(value).flatMap((entry, index) => hostPath('env_file', isRecord(entry) ? entry.path : entry, context, index)),
  environment: 'allow',
  expose: 'allow',
  extends: 'allow',
  external_links: (value) => (list(value).length > 0 ? [problem('`external_links` are not allowed (they reach containers outside the stack)')] : []),
  extra_hosts: 'allow',
  gpus: 'refuse',
  group_add: 'allow',
  healthcheck: 'allow',
  hostname: 'allow',
  image: 'allow',
  init: 'allow',
  ipc: namespace('ipc', (value) => ['private', 'shareable', 'none'].includes(value) || value.startsWith('service:')),
  isolation: (value) => (value === 'default' || value === undefined ? [] : [problem(`${shown('isolation', value)} is not allowed`)]),
  label_file: (value, context) => list(value).flatMap((entry, index) => hostPath('label_file', entry, context, index)),
  labels: 'allow',
  links: (value, context) =>
    list(value).flatMap((entry, index) => {
      const name = String(entry).split(':')[0]!;
      return context.services.has(name) ? [] : [problem(`link to \`${name}\` is not allowed (it is not a service of this file)`, index)];
    }),
  logging: (value) => {
    const driver = isRecord(value) ? value.driver : undefined;
    return driver === undefined || ['json-file', 'local', 'none'].includes(String(driver)) ? [] : [problem(`logging driver \`${String(driver)}\` is not allowed (it writes outside the container)`, 'driver')];
  },
  mac_address: 'allow',
  mem_limit: 'allow',
  mem_reservation: 'allow',
  mem_swappiness: 'allow',
  memswap_limit: 'allow',
  models: 'refuse',
  network_mode: namespace('network_mode', (value) => ['bridge', 'none', 'default'].includes(value) || value.startsWith('service:')),
  networks: 'allow',
  oom_kill_disable: (value) => (value === true || value === 'true' ? [problem('`oom_kill_disable` is not allowed')] : []),
  oom_score_adj: (value) => (Number(value) < 0 ? [problem('a negative `oom_score_adj` is not allowed')] : []),
  pid: namespace('pid', (value) => value.startsWith('service:')),
  pids_limit: 'allow',
  platform: 'allow',
  ports: 'allow',
  post_start: (value) => hookProblems(value),
  pre_stop: (value) => hookProblems(value),
  privileged: (value) => (value === true || value === 'true' ? [problem('`privileged: true` is not allowed')] : []),
  profiles: 'allow',
  provider: 'refuse',
  pull_policy: 'allow',
  pull_refresh_after: 'allow',
  read_only: 'allow',
  restart: 'allow',
  runtime: (value) => (value === 'runc' ? [] : [problem(`${shown('runtime', value)} is not allowed`)]),
  scale: 'allow',
  secrets: references('secrets', 'secret'),
  security_opt: (value) =>
    list(value).flatMap((entry, index) => (/^no-new-privileges(?:[:=]true)?$/.test(String(entry)) ? [] : [problem(`security option \`${String(entry)}\` is not allowed`, index)])),
  shm_size: 'allow',
  stdin_open: 'allow',
  stop_grace_period: 'allow',
  stop_signal: 'allow',
  storage_opt: 'refuse',
  sysctls: (value) =>
    entries(value).flatMap(([key]) => (NAMESPACED_SYSCTL.test(key) ? [] : [problem(`sysctl \`${key}\` is not allowed (only the container's own network, IPC and message-queue settings are)`, key)])),
  tmpfs: 'allow',
  tty: 'allow',
  ulimits: 'allow',
  use_api_socket: (value) => (value === true || value === 'true' ? [problem('`use_api_socket` is not allowed (it gives the container the Docker engine)')] : []),
  user: 'allow',
  userns_mode: namespace('userns_mode', () => false),
  uts: namespace('uts', () => false),
  volumes: mountProblems,
  volumes_from: (value, context) =>
    list(value).flatMap((entry, index) => {
      const text = String(entry);
      const name = text.startsWith('service:') ? text.slice('service:'.length).split(':')[0]! : text.startsWith('container:') ? null : text.split(':')[0]!;
      return name !== null && context.services.has(name) ? [] : [problem(`\`volumes_from: ${text}\` is not allowed (only services of this file)`, index)];
    }),
  working_dir: 'allow',
};

function hookProblems(value: unknown): RuleProblem[] {
  return list(value).flatMap((hook, index) => (isRecord(hook) && (hook.privileged === true || hook.privileged === 'true') ? [problem('a privileged hook is not allowed', index)] : []));
}

/** Keys of a service's `build:` mapping. */
export const BUILD_RULES: Record<string, Rule> = {
  context: 'allow', // checked with dockerfile below: it needs both
  dockerfile: 'allow',
  dockerfile_inline: 'allow',
  entitlements: (value) => (list(value).length > 0 ? [problem('build `entitlements` are not allowed')] : []),
  args: 'allow',
  ssh: (value) => (list(value).length > 0 || isRecord(value) ? [problem('build `ssh` is not allowed (it hands the build an SSH agent or keys of the host)')] : []),
  labels: 'allow',
  cache_from: (value) => list(value).flatMap((entry, index) => (/type=local/.test(String(entry)) ? [problem(`a local build cache (\`${String(entry)}\`) is not allowed`, index)] : [])),
  cache_to: (value) => (list(value).length > 0 ? [problem('build `cache_to` is not allowed (it writes to the host)')] : []),
  no_cache: 'allow',
  additional_contexts: (value, context) =>
    entries(value).flatMap(([name, target]) => {
      const text = String(target ?? '');
      if (/^(docker-image|oci-layout|target|service):/.test(text) || isRemoteContext(text)) return /^oci-layout:/.test(text) ? [problem(`additional context ${name}: \`${text}\` is not allowed`, name)] : [];
      return leadsInside(context.root, context.base, text) ? [] : [problem(`additional build context ${name} (${text}) is outside the workspace`, name)];
    }),
  network: (value) => (value === undefined || ['default', 'none'].includes(String(value)) ? [] : [problem(`build ${shown('network', value)} is not allowed`)]),
  pull: 'allow',
  target: 'allow',
  shm_size: 'allow',
  extra_hosts: 'allow',
  isolation: (value) => (value === 'default' ? [] : [problem(`build ${shown('isolation', value)} is not allowed`)]),
  privileged: (value) => (value === true || value === 'true' ? [problem('a privileged build is not allowed')] : []),
  secrets: references('secrets', 'build secret'),
  tags: 'allow',
  ulimits: 'allow',
  platforms: 'allow',
};

function buildProblems(value: unknown, context: RuleContext): RuleProblem[] {
  if (typeof value === 'string') return isRemoteContext(value) || leadsInside(context.root, context.base, value) ? [] : [problem(`build context ${value} is outside the workspace`)];
  if (!isRecord(value)) return [];
  const out = checkKeys(value, BUILD_RULES, context, 'build option');
  const buildContext = typeof value.context === 'string' ? value.context : '.';
  if (!isRemoteContext(buildContext)) {
    if (!leadsInside(context.root, context.base, buildContext)) out.push(problem(`build context ${buildContext} is outside the workspace`, 'context'));
    else if (typeof value.dockerfile === 'string' && !leadsInside(context.root, context.base, resolveFrom(buildContext, value.dockerfile))) {
      out.push(problem(`Dockerfile ${value.dockerfile} is outside the workspace`, 'dockerfile'));
    }
  }
  return out;
}

const resolveFrom = (dir: string, file: string) => (file.startsWith('/') ? file : `${dir.replace(/\/$/, '')}/${file}`);

/** Top-level keys of the model. */
export const TOP_LEVEL_RULES: Record<string, Rule> = {
  version: 'allow',
  name: 'allow', // dropped from the run file: each run gets its own project name
  include: 'allow', // merged by `compose config`; its files are checked before Compose reads them
  services: 'allow',
  networks: 'allow',
  volumes: 'allow',
  secrets: 'allow',
  configs: 'allow',
  models: 'refuse',
};

export const VOLUME_RULES: Record<string, Rule> = {
  name: 'allow',
  driver: (value) => (value === 'local' ? [] : [problem(`volume ${shown('driver', value)} is not allowed`)]),
  driver_opts: (value) => (isRecord(value) && Object.keys(value).length > 0 ? [problem('`driver_opts` are not allowed (they can mount host paths)')] : []),
  external: (value) => (value === false || value === 'false' ? [] : [problem('external volumes are not allowed (the stack must create its own)')]),
  labels: 'allow',
};

export const NETWORK_RULES: Record<string, Rule> = {
  name: 'allow',
  driver: (value) => (['bridge', 'none'].includes(String(value)) ? [] : [problem(`network ${shown('driver', value)} is not allowed`)]),
  driver_opts: (value) => (isRecord(value) && Object.keys(value).length > 0 ? [problem('network `driver_opts` are not allowed')] : []),
  ipam: 'allow',
  external: (value) => (value === false || value === 'false' ? [] : [problem('external networks are not allowed')]),
  internal: 'allow',
  enable_ipv4: 'allow',
  enable_ipv6: 'allow',
  attachable: 'allow',
  labels: 'allow',
};

function fileSource(what: string): Record<string, Rule> {
  return {
    name: 'allow',
    file: (value, context) => hostPath('file', value, context),
    environment: (value) => [problem(`a ${what} from the variable ${String(value)} is not allowed (the grader's environment is not the learner's)`)],
    external: (value) => (value === false || value === 'false' ? [] : [problem(`external ${what}s are not allowed`)]),
    labels: 'allow',
    template_driver: 'refuse',
  };
}

export const SECRET_RULES: Record<string, Rule> = { ...fileSource('secret'), driver: 'refuse', driver_opts: 'refuse' };
export const CONFIG_RULES: Record<string, Rule> = { ...fileSource('config'), content: 'allow' };

/** Checks the keys of `value` against `rules`: unknown keys are refused, `refuse` keys are refused when set. */
export function checkKeys(value: Record<string, unknown>, rules: Record<string, Rule>, context: RuleContext, what: string): RuleProblem[] {
  const out: RuleProblem[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('x-')) continue;
    const rule = Object.hasOwn(rules, key) ? rules[key]! : undefined;
    if (rule === undefined) out.push(problem(`${what} \`${key}\` is not one a graded stack may use`, key));
    else if (rule === 'refuse') {
      if (child !== undefined && child !== null && child !== false) out.push(problem(`\`${key}\` is not allowed`, key));
    } else if (rule !== 'allow') {
      for (const found of rule(child, context)) out.push({ message: found.message, at: [key, ...(found.at ?? [])] });
    }
  }
  return out;
}

/** Where a problem is shown: `file:line` of the deepest key of the path that the learner's file has. */
export type Locate = (...keys: Array<string | number>) => string;

/**
 * Settings of the normalised model that would give learner code the host, another container or the
 * grader's files: one line per problem, `file:line: what: why`, in file order of the sections.
 */
export function modelProblems(config: Record<string, unknown>, context: Omit<RuleContext, 'services' | 'declared'>, locate: Locate): string[] {
  const section = (key: string) => (isRecord(config[key]) ? (config[key] as Record<string, unknown>) : {});
  const full: RuleContext = {
    ...context,
    services: new Set(Object.keys(section('services'))),
    declared: {
      volumes: new Set(Object.keys(section('volumes'))),
      networks: new Set(Object.keys(section('networks'))),
      secrets: new Set(Object.keys(section('secrets'))),
      configs: new Set(Object.keys(section('configs'))),
    },
  };
  const out: string[] = [];
  const report = (base: Array<string | number>, label: string, found: RuleProblem[]) => {
    for (const item of found) out.push(`${locate(...base, ...(item.at ?? []))}: ${label}: ${item.message}`);
  };
  report([], 'the file', checkKeys(config, TOP_LEVEL_RULES, full, 'top-level key'));
  for (const [name, service] of Object.entries(section('services'))) {
    if (isRecord(service)) report(['services', name], `service ${name}`, checkKeys(service, SERVICE_RULES, full, 'setting'));
  }
  // v2 spells out the names it derived from the project it guessed: those are not the learner's.
  const guessed = typeof config.name === 'string' ? config.name : null;
  const sections = [
    ['volumes', 'volume', VOLUME_RULES],
    ['networks', 'network', NETWORK_RULES],
    ['secrets', 'secret', SECRET_RULES],
    ['configs', 'config', CONFIG_RULES],
  ] as const;
  for (const [key, what, rules] of sections) {
    for (const [name, entry] of Object.entries(section(key))) {
      if (!isRecord(entry)) continue;
      const found = checkKeys(entry, rules, full, `${what} option`);
      const external = entry.external !== undefined && entry.external !== false && entry.external !== 'false';
      if ((key === 'volumes' || key === 'networks') && !external && typeof entry.name === 'string' && entry.name !== `${guessed}_${name}`) {
        found.push({ message: `a fixed \`name: ${entry.name}\` is not allowed (each graded run gets its own)`, at: ['name'] });
      }
      report([key, name], `${what} ${name}`, found);
    }
  }
  return out;
}
