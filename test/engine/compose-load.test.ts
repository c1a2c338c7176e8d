import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadComposeModel } from '../../src/engine/compose.js';
import { UserError } from '../../src/errors.js';
import { composeVersions, requireComposeVersions, restoreCompose, useCompose } from '../support/compose.js';

/**
 * The cases of issue 23, each a workspace given to the loader on every Compose version found (the real
 * `compose config`: no engine objects are created). Refusals must be the same text on v1 and v2.
 */
interface Case {
  name: string;
  files: Record<string, string>;
  links?: Record<string, string>;
  dirs?: string[];
  /** A refusal matching this, or null when the file must load. */
  refused: RegExp | null;
}

const SERVICE = 'services:\n  web:\n    image: nginx:alpine\n';

const CASES: Case[] = [
  { name: 'a config from a host file', files: { 'compose.yaml': `${SERVICE}    configs: [c]\nconfigs:\n  c:\n    file: /etc/shadow\n` }, refused: /^compose\.yaml:7: config c: file \/etc\/shadow is outside the workspace$/m },
  { name: 'env_file of a host file', files: { 'compose.yaml': `${SERVICE}    env_file: /etc/passwd\n` }, refused: /^compose\.yaml:4: service web: env_file \/etc\/passwd is outside the workspace$/m },
  { name: 'env_file through a link out of the workspace', files: { 'compose.yaml': `${SERVICE}    env_file: ./app.env\n` }, links: { 'app.env': '/etc/passwd' }, refused: /^compose\.yaml:4: service web: env_file \.\/app\.env is outside the workspace$/m },
  { name: 'volumes_from a host container', files: { 'compose.yaml': `${SERVICE}    volumes_from: ["container:some-host-container"]\n` }, refused: /^compose\.yaml:4: service web: `volumes_from: container:some-host-container` is not allowed/m },
  { name: 'a bind mount through a symlink to /etc', files: { 'compose.yaml': `${SERVICE}    volumes:\n      - ./conf:/etc/nginx/conf.d:ro\n` }, links: { conf: '/etc' }, refused: /^compose\.yaml:5: service web: bind mount of \.\/conf is outside the workspace/m },
  { name: 'the docker socket, at the mount line', files: { 'compose.yaml': `${SERVICE}    volumes:\n      - ./ok:/ok\n      - /var/run/docker.sock:/var/run/docker.sock\n` }, dirs: ['ok'], refused: /^compose\.yaml:6: service web: bind mount of \/var\/run\/docker\.sock is outside the workspace/m },
  { name: 'include of a file outside', files: { 'compose.yaml': `include:\n  - /etc/hostname\n${SERVICE}` }, refused: /^compose\.yaml:2: include: included file \/etc\/hostname is outside the workspace/m },
  { name: 'cgroup: host', files: { 'compose.yaml': `${SERVICE}    cgroup: host\n` }, refused: /^compose\.yaml:4: service web: `cgroup: host` is not allowed/m },
  { name: 'an additional build context of /', files: { 'compose.yaml': 'services:\n  app:\n    build:\n      context: .\n      additional_contexts:\n        hostroot: /\n', Dockerfile: 'FROM nginx:alpine\n' }, refused: /^compose\.yaml:6: service app: additional build context hostroot \(\/\) is outside the workspace/m },
  { name: 'an external network without a name', files: { 'compose.yaml': `${SERVICE}    networks: [outside]\nnetworks:\n  outside:\n    external: true\n` }, refused: /\ncompose\.yaml:7: network outside: external networks are not allowed$/ },
  { name: 'use_api_socket', files: { 'compose.yaml': `${SERVICE}    use_api_socket: true\n` }, refused: /^compose\.yaml:4: service web: `use_api_socket` is not allowed/m },
  { name: 'a compose file that is a directory', files: {}, dirs: ['compose.yaml'], refused: /^The compose file compose\.yaml is a directory, not a regular file\.$/ },
  { name: 'a compose file that links out of the workspace', files: {}, links: { 'compose.yaml': '/etc/hostname' }, refused: /^The compose file compose\.yaml is a symbolic link to \/etc\/hostname, outside the workspace/ },
  { name: 'an unknown service', files: { 'compose.yaml': `${SERVICE}    depends_on: [dbx]\n` }, refused: /^compose\.yaml:4: service web: depends on `dbx`, which is not a service of this file$/ },
  { name: 'an unknown setting', files: { 'compose.yaml': `${SERVICE}    imagee: nginx\n` }, refused: /^compose\.yaml:4: service web: `imagee` is not a Compose service setting$/ },
  { name: 'an undeclared volume', files: { 'compose.yaml': `${SERVICE}    volumes: ["data:/data"]\n` }, refused: /^compose\.yaml:4: service web: mounts volume `data`, which is not declared under the top-level `volumes:`$/ },
  { name: 'an undeclared network', files: { 'compose.yaml': `${SERVICE}    networks: [lan]\n` }, refused: /^compose\.yaml:4: service web: joins network `lan`, which is not declared under the top-level `networks:`$/ },
  { name: 'an undeclared secret', files: { 'compose.yaml': `${SERVICE}    secrets: [pw]\n` }, refused: /^compose\.yaml:4: service web: uses secret `pw`, which is not declared under the top-level `secrets:`$/ },
  { name: 'profiles: every service is in the model', files: { 'compose.yaml': `${SERVICE}  backup:\n    image: postgres:16-alpine\n    profiles: [tools]\n` }, refused: null },
  { name: 'a bind mount of the workspace itself', files: { 'compose.yaml': `${SERVICE}    volumes: [".:/srv:ro", "./sub/../data:/data"]\n` }, dirs: ['data'], refused: null },
];

async function materialise(root: string, entry: Case): Promise<string> {
  const dir = path.join(root, entry.name.replace(/[^a-z0-9]+/gi, '-'));
  await mkdir(dir, { recursive: true });
  for (const sub of entry.dirs ?? []) await mkdir(path.join(dir, sub), { recursive: true });
  for (const [file, text] of Object.entries(entry.files)) await writeFile(path.join(dir, file), text);
  for (const [file, target] of Object.entries(entry.links ?? {})) await symlink(target, path.join(dir, file));
  return dir;
}

async function outcome(dir: string): Promise<string> {
  try {
    const model = await loadComposeModel(dir, 'compose.yaml');
    return `loaded: ${model.serviceNames.sort().join(',')}`;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return error.message.split('\n').map((line) => line.trim()).join('\n');
  }
}

describe('compose files of issue 23 on every Compose version', () => {
  let root: string;
  const previous = process.env.SHIPSHAPE_COMPOSE;
  const seen = new Map<string, Map<string, string>>();

  beforeAll(async () => {
    requireComposeVersions();
    root = await mkdtemp(path.join(os.tmpdir(), 'shipshape-compose-cases-'));
  });
  afterAll(async () => {
    restoreCompose(previous);
    await rm(root, { recursive: true, force: true });
  });

  for (const version of composeVersions) {
    describe(`Compose ${version.label}`, () => {
      beforeAll(() => useCompose(version));
      for (const entry of CASES) {
        it(entry.name, async () => {
          useCompose(version);
          const dir = await materialise(path.join(root, version.label), entry);
          const result = await outcome(dir);
          if (entry.refused) expect(result).toMatch(entry.refused);
          else expect(result).toMatch(/^loaded: /);
          expect(result).not.toMatch(/time=|level=|WARNING|Traceback|EISDIR|ENOENT/);
          seen.set(entry.name, (seen.get(entry.name) ?? new Map()).set(version.label, result.split(dir).join('<ws>')));
        }, 60_000);
      }
    });
  }

  for (const version of composeVersions) {
    it(`Compose ${version.label}: the verdict does not depend on the current directory`, async () => {
      useCompose(version);
      const dir = await materialise(path.join(root, `cwd-${version.label}`), { name: 'ws', files: { 'compose.yaml': `${SERVICE}    volumes: [".:/srv:ro"]\n` }, refused: null });
      const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'shipshape-elsewhere-'));
      const cwd = process.cwd();
      try {
        const inside = await outcome(dir);
        process.chdir(elsewhere);
        expect(await outcome(dir)).toBe(inside);
        expect(await outcome(path.relative(elsewhere, dir))).toBe(inside);
        expect(inside).toBe('loaded: web');
      } finally {
        process.chdir(cwd);
        await rm(elsewhere, { recursive: true, force: true });
      }
    }, 60_000);
  }

  it.runIf(composeVersions.length === 2)('gives the same verdict, word for word, on v1 and v2', () => {
    for (const [name, byVersion] of seen) expect(byVersion.get('v1'), name).toBe(byVersion.get('v2'));
  });
});

describe('override files merged over the compose file, on every Compose version', () => {
  let root: string;
  const previous = process.env.SHIPSHAPE_COMPOSE;
  const BASE = 'services:\n  web:\n    image: python:3.12-slim\n    ports: ["8000:8000"]\n    environment:\n      GREETING: dev\n';

  beforeAll(async () => {
    requireComposeVersions();
    root = await mkdtemp(path.join(os.tmpdir(), 'shipshape-compose-overrides-'));
  });
  afterAll(async () => {
    restoreCompose(previous);
    await rm(root, { recursive: true, force: true });
  });

  const load = async (dir: string, overrides: string[]) => {
    try {
      return await loadComposeModel(dir, 'compose.yaml', overrides);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return error.message;
    }
  };

  for (const version of composeVersions) {
    it(`Compose ${version.label}: merges a partial override (no image there) in order, env_file read from the workspace`, async () => {
      useCompose(version);
      const dir = await materialise(path.join(root, version.label), {
        name: 'merged',
        files: {
          'compose.yaml': BASE,
          'compose.prod.yaml': 'services:\n  web:\n    restart: unless-stopped\n    env_file: [prod.env]\n    environment:\n      LOG_LEVEL: info\n',
          'prod.env': 'WORKERS=4\n',
          // Not named: Compose's automatic override is off when files are given, as on the command line.
          'compose.override.yaml': 'services:\n  web:\n    ports: ["5678:5678"]\n',
        },
        refused: null,
      });
      const model = await load(dir, ['compose.prod.yaml']);
      if (typeof model === 'string') throw new Error(model);
      expect(model.service('web')).toMatchObject({ restart: 'unless-stopped' });
      expect(model.environment('web')).toMatchObject({ GREETING: 'dev', LOG_LEVEL: 'info', WORKERS: '4' });
      expect(model.ports('web').map((port) => port.target)).toEqual([8000]);
    }, 60_000);

    it(`Compose ${version.label}: an override is contained like the compose file, named with its own file and line`, async () => {
      useCompose(version);
      const dir = await materialise(path.join(root, version.label), {
        name: 'refused',
        files: { 'compose.yaml': BASE, 'compose.prod.yaml': 'services:\n  web:\n    privileged: true\n    env_file: /etc/passwd\n' },
        refused: null,
      });
      const message = await load(dir, ['compose.prod.yaml']);
      expect(message).toMatch(/^compose\.prod\.yaml asks for more than a graded stack may have:\n\s+compose\.prod\.yaml:3: service web: `privileged: true` is not allowed/);
      expect(await load(dir, ['compose.missing.yaml'])).toMatch(/compose\.missing\.yaml/);
    }, 60_000);
  }
});
