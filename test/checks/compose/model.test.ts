import { describe, expect, it } from 'vitest';
import { parseShortMount, parseShortPorts, trivialHealthTest } from '../../../src/checks/compose/model.js';
import { composeModel } from './helpers.js';

// What docker-compose 1.29 prints for `config` (short strings) and what Compose v2 prints (long forms).
const V1 = `
services:
  app:
    build:
      context: /workspace/app
    depends_on:
      db:
        condition: service_healthy
    environment:
      DB_HOST: db
    volumes:
    - /workspace/src:/var/www/html:ro
  db:
    image: postgres:16-alpine
    environment:
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    healthcheck:
      interval: 2s
      test:
      - CMD-SHELL
      - pg_isready -h localhost
    ports:
    - published: 5432
      target: 5432
    secrets:
    - source: db_password
    volumes:
    - dbdata:/var/lib/postgresql/data:rw
secrets:
  db_password:
    file: /workspace/secrets/db_password.txt
version: '3.9'
volumes:
  dbdata: {}
`;

const V2 = `
name: workspace
services:
  app:
    depends_on:
      db:
        condition: service_started
        required: true
    environment:
      - DB_HOST=db
      - FROM_HOST
    image: php:8.2-fpm-alpine
    ports:
      - mode: ingress
        target: 9000
        published: "9001"
        protocol: tcp
    volumes:
      - type: bind
        source: /workspace/src
        target: /var/www/html
        read_only: true
  db:
    image: postgres:16-alpine
    secrets:
      - source: db_password
        target: pw
    volumes:
      - type: volume
        source: dbdata
        target: /var/lib/postgresql/data
volumes:
  dbdata:
    name: workspace_dbdata
`;

describe('ComposeModel over the normalised config', () => {
  it('reads the v1 shapes: build, depends_on, environment, short mounts, long ports, secrets, health checks', () => {
    const model = composeModel(V1);
    expect(model.serviceNames).toEqual(['app', 'db']);
    expect(model.build('app')).toEqual({ context: '/workspace/app', dockerfile: 'Dockerfile' });
    expect(model.image('db')).toBe('postgres:16-alpine');
    expect(model.dependsOn('app')).toEqual({ db: 'service_healthy' });
    expect(model.environment('app')).toEqual({ DB_HOST: 'db' });
    expect(model.mounts('app')).toEqual([{ type: 'bind', source: '/workspace/src', target: '/var/www/html', readOnly: true }]);
    expect(model.mounts('db')).toEqual([{ type: 'volume', source: 'dbdata', target: '/var/lib/postgresql/data', readOnly: false }]);
    expect(model.ports('db')).toEqual([{ target: 5432, published: 5432, protocol: 'tcp', hostIp: null }]);
    expect(model.serviceSecrets('db')).toEqual([{ source: 'db_password', target: '/run/secrets/db_password' }]);
    expect(model.healthcheck('db')).toEqual({ test: ['CMD-SHELL', 'pg_isready -h localhost'], disabled: false, interval: '2s', retries: null });
    expect(model.healthcheck('app')).toBeNull();
  });

  it('reads the v2 shapes: list environment, long volumes, string published ports, secret targets', () => {
    const model = composeModel(V2);
    expect(model.environment('app')).toEqual({ DB_HOST: 'db', FROM_HOST: null });
    expect(model.dependsOn('app')).toEqual({ db: 'service_started' });
    expect(model.mounts('app')).toEqual([{ type: 'bind', source: '/workspace/src', target: '/var/www/html', readOnly: true }]);
    expect(model.mounts('db')).toEqual([{ type: 'volume', source: 'dbdata', target: '/var/lib/postgresql/data', readOnly: false }]);
    expect(model.ports('app')).toEqual([{ target: 9000, published: 9001, protocol: 'tcp', hostIp: null }]);
    expect(model.serviceSecrets('db')).toEqual([{ source: 'db_password', target: '/run/secrets/pw' }]);
  });

  it('points messages at the line in the learner file, or the nearest existing parent', () => {
    const source = 'services:\n  db:\n    image: postgres:16-alpine\n\n  app:\n    image: php\n';
    const model = composeModel(V1, source);
    expect(model.where('services', 'app')).toBe('compose.yaml:5');
    expect(model.where('services', 'app', 'healthcheck')).toBe('compose.yaml:5');
    expect(model.where('services', 'db', 'image')).toBe('compose.yaml:3');
  });
});

describe('compose syntax helpers', () => {
  it('parses short mounts', () => {
    expect(parseShortMount('/data')).toEqual({ type: 'volume', source: null, target: '/data', readOnly: false });
    expect(parseShortMount('./conf:/etc/x:ro')).toMatchObject({ type: 'bind', source: './conf', readOnly: true });
    expect(parseShortMount('vol:/data:rw,z')).toMatchObject({ type: 'volume', source: 'vol', readOnly: false });
  });

  it('parses short ports with host address, ranges and protocol', () => {
    expect(parseShortPorts('8080:80')).toEqual([{ target: 80, published: 8080, protocol: 'tcp', hostIp: null }]);
    expect(parseShortPorts('127.0.0.1::80/udp')).toEqual([{ target: 80, published: null, protocol: 'udp', hostIp: '127.0.0.1' }]);
    expect(parseShortPorts('80')).toEqual([{ target: 80, published: null, protocol: 'tcp', hostIp: null }]);
    expect(parseShortPorts('8000-8001:80-81').map((port) => [port.published, port.target])).toEqual([[8000, 80], [8001, 81]]);
  });

  it('recognises health tests that always succeed', () => {
    expect(trivialHealthTest(['CMD', 'true'])).toMatch(/always succeeds/);
    expect(trivialHealthTest(['CMD-SHELL', 'exit 0'])).toMatch(/always succeeds/);
    expect(trivialHealthTest(['CMD-SHELL', '/bin/true'])).toMatch(/always succeeds/);
    expect(trivialHealthTest(['CMD-SHELL', 'echo ok'])).toMatch(/always succeeds/);
    expect(trivialHealthTest(['CMD-SHELL', 'pg_isready || true'])).toMatch(/fallback/);
    expect(trivialHealthTest(['CMD-SHELL', 'pg_isready || exit 0'])).toMatch(/fallback/);
    expect(trivialHealthTest(['NONE'])).toMatch(/disabled/);
    expect(trivialHealthTest(['CMD-SHELL', 'pg_isready -h localhost || exit 1'])).toBeNull();
    expect(trivialHealthTest(['CMD', 'pg_isready'])).toBeNull();
  });
});
