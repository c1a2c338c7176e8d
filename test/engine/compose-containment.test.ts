import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILD_RULES,
  CONFIG_RULES,
  MOUNT_KEYS,
  NETWORK_RULES,
  type Rule,
  SECRET_RULES,
  SERVICE_RULES,
  TOP_LEVEL_RULES,
  VOLUME_RULES,
  modelProblems,
} from '../../src/engine/compose/containment.js';
import { INCLUDE_KEYS } from '../../src/engine/compose/references.js';
import spec from '../fixtures/compose/spec-keys.json' with { type: 'json' };

/**
 * Keys through which a model can reach the host, another container or the grader's files (issue 23).
 * Each must be refused or checked by a rule, never plainly allowed; every other key of the spec must be
 * in the tables too, so a key the spec adds fails here until someone decides about it.
 */
const HOST_REACHING: Record<string, string[]> = {
  top: ['include', 'models'],
  service: [
    'blkio_config', 'build', 'cap_add', 'cgroup', 'cgroup_parent', 'configs', 'cpu_rt_period', 'cpu_rt_runtime', 'credential_spec', 'device_cgroup_rules', 'devices', 'env_file',
    'external_links', 'gpus', 'ipc', 'isolation', 'label_file', 'links', 'logging', 'models', 'network_mode', 'oom_kill_disable', 'oom_score_adj', 'pid', 'post_start', 'pre_stop',
    'privileged', 'provider', 'runtime', 'secrets', 'security_opt', 'storage_opt', 'sysctls', 'use_api_socket', 'userns_mode', 'uts', 'volumes', 'volumes_from',
  ],
  build: ['additional_contexts', 'cache_from', 'cache_to', 'entitlements', 'isolation', 'network', 'privileged', 'secrets', 'ssh'],
  network: ['driver', 'driver_opts', 'external'],
  volume: ['driver', 'driver_opts', 'external'],
  secret: ['driver', 'driver_opts', 'environment', 'external', 'file', 'template_driver'],
  config: ['environment', 'external', 'file', 'template_driver'],
};
// Keys allowed in the table because another step checks them: `include` and `extends.file` are read
// and checked before Compose runs (references.ts); build context and dockerfile by the build rule.
const CHECKED_ELSEWHERE: Record<string, string[]> = { top: ['include'], build: ['context', 'dockerfile'] };

const TABLES: Record<string, Record<string, Rule>> = {
  top: TOP_LEVEL_RULES,
  service: SERVICE_RULES,
  build: BUILD_RULES,
  network: NETWORK_RULES,
  volume: VOLUME_RULES,
  secret: SECRET_RULES,
  config: CONFIG_RULES,
};

describe('the containment tables against the Compose specification', () => {
  for (const [section, table] of Object.entries(TABLES)) {
    it(`lists every ${section} key of the spec, and no host-reaching one as plainly allowed`, () => {
      const keys = (spec as unknown as Record<string, string[]>)[section]!;
      expect(keys.length).toBeGreaterThan(2);
      const unlisted = keys.filter((key) => !Object.hasOwn(table, key));
      expect(unlisted, `${section} keys neither allowed nor refused`).toEqual([]);
      const loose = (HOST_REACHING[section] ?? []).filter((key) => table[key] === 'allow' && !(CHECKED_ELSEWHERE[section] ?? []).includes(key));
      expect(loose, `${section} keys that reach the host but are allowed unchecked`).toEqual([]);
    });
  }

  it('lists every mount key and include key of the spec', () => {
    expect(spec.mount.filter((key) => !MOUNT_KEYS.has(key))).toEqual([]);
    expect(spec.include.filter((key) => !(INCLUDE_KEYS as readonly string[]).includes(key))).toEqual([]);
  });

  it('refuses a key the table does not know (allow-list, not deny-list)', () => {
    const problems = modelProblems({ services: { web: { image: 'nginx', brand_new_host_key: '/' } } }, { root: '/ws', base: '/ws' }, (...keys) => keys.join('.'));
    expect(problems).toEqual(['services.web.brand_new_host_key: service web: setting `brand_new_host_key` is not one a graded stack may use']);
  });
});

describe('paths in the model, property-tested', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'shipshape-containment-'));
    await mkdir(path.join(root, 'app'));
    await symlink('/etc', path.join(root, 'etc-link'));
    await symlink('./app', path.join(root, 'app-link'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  /** Every place a path can be put, as a model with that path in it. */
  const PLACES: Array<(value: string) => Record<string, unknown>> = [
    (value) => ({ services: { s: { image: 'x', volumes: [`${value}:/data`] } } }),
    (value) => ({ services: { s: { image: 'x', volumes: [{ type: 'bind', source: value, target: '/data' }] } } }),
    (value) => ({ services: { s: { build: value } } }),
    (value) => ({ services: { s: { build: { context: value } } } }),
    (value) => ({ services: { s: { build: { context: '.', dockerfile: value } } } }),
    (value) => ({ services: { s: { build: { context: '.', additional_contexts: { extra: value } } } } }),
    (value) => ({ services: { s: { build: { context: '.', additional_contexts: [`extra=${value}`] } } } }),
    (value) => ({ services: { s: { image: 'x', env_file: [value] } } }),
    (value) => ({ services: { s: { image: 'x', env_file: [{ path: value, required: false }] } } }),
    (value) => ({ services: { s: { image: 'x', label_file: value } } }),
    (value) => ({ services: { s: { image: 'x' } }, secrets: { k: { file: value } } }),
    (value) => ({ services: { s: { image: 'x' } }, configs: { k: { file: value } } }),
  ];
  const DOCKERFILE = 4;
  const OUTSIDE = ['/', '/etc', '/etc/shadow', '/var/run/docker.sock', '..', '../other', './etc-link', './etc-link/passwd', 'app/../../x', '~/.ssh', '~'];
  const INSIDE = ['.', './app', 'app', './app-link', './app/sub/new-dir', 'app/../app'];

  it('refuses every host path in every place, and accepts every workspace path', () => {
    fc.assert(
      fc.property(fc.nat(PLACES.length - 1), fc.constantFrom(...OUTSIDE), fc.constantFrom(...INSIDE), (place, outside, inside) => {
        // A Dockerfile path is taken from the build context as written: Compose does not expand ~ there.
        if (place === DOCKERFILE && outside.startsWith('~')) return true;
        const refused = modelProblems(PLACES[place]!(outside), { root, base: root }, (...keys) => keys.join('.'));
        const accepted = modelProblems(PLACES[place]!(inside), { root, base: root }, (...keys) => keys.join('.'));
        return refused.length > 0 && accepted.length === 0;
      }),
      { numRuns: 300 },
    );
  });
});

describe('hardening settings a graded stack may use', () => {
  const check = (service: Record<string, unknown>) =>
    modelProblems({ services: { app: { image: 'python:3.12-slim', ...service } } }, { root: '/ws', base: '/ws' }, (...keys) => keys.join('.'));

  it('allows cap_drop ALL, adding back default capabilities, read_only, tmpfs and no-new-privileges', () => {
    expect(check({ cap_drop: ['ALL'], cap_add: ['SETUID', 'CAP_SETGID', 'net_bind_service'], read_only: true, tmpfs: ['/tmp'], security_opt: ['no-new-privileges:true'] })).toEqual([]);
  });

  it('refuses adding a capability a default container does not have, and ALL', () => {
    const problems = check({ cap_drop: ['ALL'], cap_add: ['SETUID', 'SYS_ADMIN', 'CAP_NET_ADMIN', 'ALL', 'SYS_PTRACE'] });
    expect(problems).toHaveLength(4);
    expect(problems.map((line) => line.split(':')[0])).toEqual(['services.app.cap_add.1', 'services.app.cap_add.2', 'services.app.cap_add.3', 'services.app.cap_add.4']);
    expect(problems[0]).toContain('`cap_add: SYS_ADMIN` is not allowed');
  });

  it('refuses privileged, seccomp and apparmor unconfined', () => {
    expect(check({ privileged: true })).toHaveLength(1);
    expect(check({ security_opt: ['seccomp=unconfined', 'apparmor:unconfined', 'no-new-privileges=true'] })).toHaveLength(2);
  });

  it('allows internal networks, resource limits and restart policies', () => {
    const problems = modelProblems(
      {
        services: { db: { image: 'postgres:16-alpine', networks: { backend: null }, mem_limit: '128m', cpus: 0.5, pids_limit: 64, restart: 'unless-stopped', deploy: { resources: { limits: { memory: '64M', cpus: '0.25', pids: 32 } } } } },
        networks: { backend: { internal: true } },
      },
      { root: '/ws', base: '/ws' },
      (...keys) => keys.join('.'),
    );
    expect(problems).toEqual([]);
  });
});
