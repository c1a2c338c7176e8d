import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containmentProblems, loadComposeModel, ownLimits, parseBytes, runFile } from '../../src/engine/compose.js';
import { DEFAULT_LIMITS } from '../../src/engine/run.js';
import { UserError } from '../../src/errors.js';
import { composeModel } from '../checks/compose/helpers.js';
import { describeNeeding, needs } from '../support/needs.js';

const LABELS = { 'dev.shipshape.tool': 'shipshape', 'dev.shipshape.run': 'r1' };

describe('the compose file we run', () => {
  const model = composeModel(`
services:
  app:
    build:
      context: /workspace/app
    container_name: fixed-name
    labels:
      com.example.team: web
    ports:
    - published: 8080
      target: 80
    - 127.0.0.1:9000:9000/udp
    privileged: false
  db:
    image: postgres:16-alpine
    networks: [backend]
    volumes:
    - dbdata:/var/lib/postgresql/data:rw
networks:
  backend: {}
volumes:
  dbdata: {}
`);
  const file = runFile(model, LABELS, DEFAULT_LIMITS) as {
    services: Record<string, Record<string, unknown>>;
    networks: Record<string, { labels: Record<string, string> }>;
    volumes: Record<string, { labels: Record<string, string> }>;
  };

  it('labels every service, build, network (the default one too) and volume as ours, keeping learner labels', () => {
    expect(file.services.app!.labels).toEqual({ 'com.example.team': 'web', ...LABELS });
    expect(file.services.db!.labels).toEqual(LABELS);
    expect((file.services.app!.build as { labels: unknown }).labels).toEqual(LABELS);
    expect(file.networks.default!.labels).toEqual(LABELS);
    expect(file.networks.backend!.labels).toEqual(LABELS);
    expect(file.volumes.dbdata!.labels).toEqual(LABELS);
  });

  it('contains every service: limits, no new privileges, no fixed name, ports only on ephemeral 127.0.0.1 ports', () => {
    for (const service of Object.values(file.services)) {
      expect(service).toMatchObject({
        privileged: false,
        mem_limit: DEFAULT_LIMITS.memoryBytes,
        pids_limit: DEFAULT_LIMITS.pidsLimit,
        cpus: DEFAULT_LIMITS.nanoCpus / 1e9,
        security_opt: ['no-new-privileges'],
      });
      expect(service.container_name).toBeUndefined();
    }
    expect(file.services.app!.ports).toEqual(['127.0.0.1::80/tcp', '127.0.0.1::9000/udp']);
    expect(file.services.db!.ports).toBeUndefined();
  });

  it('leaves the learner model itself unchanged', () => {
    expect(model.service('app')!.container_name).toBe('fixed-name');
    expect(model.ports('app')[0]).toMatchObject({ published: 8080, target: 80 });
  });
});

describe('the run file keeps a service\'s own limits when they are lower than the caps', () => {
  it('takes the service keys or deploy.resources.limits (the lower of both), and never more than the caps', () => {
    const model = composeModel(`
services:
  api:
    image: python:3.12-slim
    mem_limit: 128m
    cpus: 0.5
    pids_limit: 64
  worker:
    image: python:3.12-slim
    deploy:
      resources:
        limits: {memory: 96M, cpus: '0.25', pids: 32}
  greedy:
    image: python:3.12-slim
    mem_limit: 4g
    cpus: 8
    pids_limit: -1
`);
    const file = runFile(model, LABELS, DEFAULT_LIMITS) as { services: Record<string, Record<string, unknown>> };
    expect(file.services.api).toMatchObject({ mem_limit: 128 * 1024 * 1024, memswap_limit: 128 * 1024 * 1024, cpus: 0.5, pids_limit: 64 });
    expect(file.services.worker).toMatchObject({ mem_limit: 96 * 1024 * 1024, cpus: 0.25, pids_limit: 32 });
    expect(file.services.worker!.deploy).toBeUndefined();
    expect(file.services.greedy).toMatchObject({ mem_limit: DEFAULT_LIMITS.memoryBytes, cpus: 1, pids_limit: DEFAULT_LIMITS.pidsLimit });
  });

  it('reads Compose sizes as Compose does', () => {
    expect([parseBytes('128m'), parseBytes('96M'), parseBytes('1g'), parseBytes('512MB'), parseBytes('64MiB'), parseBytes(1024), parseBytes('134217728')]).toEqual([
      128 * 1024 ** 2, 96 * 1024 ** 2, 1024 ** 3, 512 * 1024 ** 2, 64 * 1024 ** 2, 1024, 134217728,
    ]);
    expect([parseBytes('lots'), parseBytes('-5m'), parseBytes(0)]).toEqual([null, null, null]);
    expect(ownLimits({ mem_limit: '200m', deploy: { resources: { limits: { memory: '100m' } } } }).memoryBytes).toBe(100 * 1024 ** 2);
  });
});

describe('the run file from a Compose v2 model', () => {
  it('drops the guessed project name and the names derived from it, keeping names the learner chose', () => {
    const model = composeModel(`
name: workspace
services:
  db:
    image: postgres
    volumes:
      - {type: volume, source: dbdata, target: /data}
networks:
  default:
    name: workspace_default
volumes:
  dbdata:
    name: workspace_dbdata
  shared:
    name: team-shared
`);
    const file = runFile(model, LABELS, DEFAULT_LIMITS) as Record<string, Record<string, Record<string, unknown>>>;
    expect(file.name).toBeUndefined();
    expect(file.networks!.default).toEqual({ labels: LABELS });
    expect(file.volumes!.dbdata).toEqual({ labels: LABELS });
    expect(file.volumes!.shared).toEqual({ name: 'team-shared', labels: LABELS });
  });
});

describe('containment of learner stacks', () => {
  it('accepts workspace binds, named volumes and file secrets inside the workspace', () => {
    const model = composeModel(`
services:
  web:
    image: nginx
    volumes: ["/ws/nginx/default.conf:/etc/nginx/conf.d/default.conf:ro", "data:/data"]
    network_mode: bridge
secrets:
  pw: {file: /ws/secrets/pw.txt}
volumes:
  data: {}
`);
    expect(containmentProblems(model, '/ws')).toEqual([]);
  });

  it('rejects host access with file:line for each setting', () => {
    const source = `services:
  web:
    image: nginx
    privileged: true
    network_mode: host
    pid: host
    cap_add: [SYS_ADMIN]
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - ../outside:/data
volumes:
  data:
    external: true
  host:
    driver_opts: {type: none, o: bind, device: /etc}
secrets:
  pw:
    file: /etc/shadow
`;
    const config = source.replace('../outside', '/elsewhere/outside');
    const problems = containmentProblems(composeModel(config, source), '/ws');
    expect(problems).toEqual([
      'compose.yaml:4: service web: `privileged: true` is not allowed',
      "compose.yaml:5: service web: `network_mode: host` is not allowed (it shares the host's or another container's namespace)",
      "compose.yaml:6: service web: `pid: host` is not allowed (it shares the host's or another container's namespace)",
      'compose.yaml:7: service web: `cap_add: SYS_ADMIN` is not allowed (a graded stack may add back only capabilities a default container has: AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, NET_RAW, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT)',
      // Each mount at its own line, not at `volumes:`.
      'compose.yaml:9: service web: bind mount of /var/run/docker.sock is outside the workspace; mount files of the workspace or use a named volume',
      'compose.yaml:10: service web: bind mount of /elsewhere/outside is outside the workspace; mount files of the workspace or use a named volume',
      'compose.yaml:13: volume data: external volumes are not allowed (the stack must create its own)',
      'compose.yaml:15: volume host: `driver_opts` are not allowed (they can mount host paths)',
      'compose.yaml:18: secret pw: file /etc/shadow is outside the workspace',
    ]);
  });

  it('rejects fixed volume and network names, but not those Compose v2 derived from the project', () => {
    const model = composeModel('name: ws\nservices:\n  db: {image: postgres}\nvolumes:\n  dbdata: {name: ws_dbdata}\n  shared:\n    name: team-shared\nnetworks:\n  default: {name: ws_default}\n');
    expect(containmentProblems(model, '/ws')).toEqual(['compose.yaml:7: volume shared: a fixed `name: team-shared` is not allowed (each graded run gets its own)']);
  });

  it('rejects a build context outside the workspace and joining another container', () => {
    const model = composeModel('services:\n  app:\n    build: {context: /srv/other}\n    network_mode: "container:abc"\n');
    expect(containmentProblems(model, '/ws')).toEqual([
      'compose.yaml:3: service app: build context /srv/other is outside the workspace',
      "compose.yaml:4: service app: `network_mode: container:abc` is not allowed (it shares the host's or another container's namespace)",
    ]);
  });
});

// These run the real compose CLI (`config` only: no engine, nothing created).
describeNeeding(needs.engine)('loading a learner compose file through compose config', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-compose-load-'));
    await mkdir(path.join(dir, 'secrets'));
    await writeFile(path.join(dir, 'secrets', 'pw.txt'), 'pw\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function load(text: string): Promise<UserError> {
    await writeFile(path.join(dir, 'compose.yaml'), text);
    const error = await loadComposeModel(dir, 'compose.yaml').then(() => null, (caught: unknown) => caught);
    if (!(error instanceof UserError)) throw new Error(`expected a UserError, got ${String(error)}`);
    return error;
  }

  it('normalises a valid file: relative paths resolved, short syntax kept readable', async () => {
    await writeFile(path.join(dir, 'compose.yaml'), 'services:\n  db:\n    image: postgres:16-alpine\n    secrets: [pw]\n    ports: ["5432:5432"]\nsecrets:\n  pw:\n    file: ./secrets/pw.txt\n');
    const model = await loadComposeModel(dir, 'compose.yaml');
    expect(model.section('secrets')).toEqual({ pw: { file: path.join(dir, 'secrets', 'pw.txt') } });
    expect(model.ports('db')).toEqual([{ target: 5432, published: 5432, protocol: 'tcp', hostIp: null }]);
  });

  it('a YAML syntax error is one message with file, line and column', async () => {
    const error = await load('services:\n  db:\n    image: postgres\n   environment: [A=1]\n');
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/^compose\.yaml:4:\d+: YAML syntax error: /);
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('a dependency on an unknown service names it, at the dependency', async () => {
    const error = await load('services:\n  db:\n    image: postgres\n  app:\n    image: php\n    depends_on: [dbx]\n');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe('compose.yaml:6: service app: depends on `dbx`, which is not a service of this file');
  });

  it('a missing file and host access are refused before anything runs', async () => {
    expect((await loadComposeModel(dir, 'nope.yaml').catch((error: UserError) => error)).message).toBe(`No compose file at nope.yaml in ${dir}.`);
    const error = await load('services:\n  web:\n    image: nginx\n    privileged: true\n    volumes: ["/:/host"]\n');
    expect(error.message).toBe(
      'compose.yaml asks for more than a graded stack may have:\n' +
        '  compose.yaml:4: service web: `privileged: true` is not allowed\n' +
        '  compose.yaml:5: service web: bind mount of / is outside the workspace; mount files of the workspace or use a named volume',
    );
  });
});
