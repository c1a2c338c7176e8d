import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandOptions } from '../../src/checks/kind.js';
import { buildImage, type BuildResult } from '../../src/engine/build.js';
import { connectEngine, type Engine } from '../../src/engine/connect.js';
import { inspectImage, runInImage } from '../../src/engine/inspect.js';
import { RunScope } from '../../src/engine/scope.js';
import { labelledObjects, requireEngine, requireImages } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

/** The stand-in base images are real programs: each does offline what the challenges rely on. */
describeNeeding(needs.engine)('stand-in base images', { timeout: 300_000 }, () => {
  let engine: Engine;
  let scope: RunScope;
  const sh = (image: string, script: string, options: CommandOptions = {}) =>
    runInImage(engine, scope, image, ['sh', '-c', script], { entrypoint: [], timeoutMs: 120_000, ...options });

  beforeAll(async () => {
    requireEngine();
    requireImages('alpine:3.20', 'busybox:1.36', 'golang:1.22-alpine', 'node:20-alpine', 'python:3.12-slim', 'php:8.2-fpm-alpine', 'registry:2', 'nginx:alpine', 'postgres:16-alpine');
    engine = await connectEngine();
    scope = new RunScope(engine.docker, 'stand-ins-test');
  });

  afterAll(async () => {
    if (scope) await scope.dispose();
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  /** Builds a one-file context on the engine (our labels; removed with the scope). */
  async function build(dockerfile: string): Promise<BuildResult> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-stand-in-'));
    try {
      await writeFile(path.join(dir, 'Dockerfile'), dockerfile);
      return await buildImage(engine, scope, { contextDir: dir, timeoutMs: 280_000 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const failureText = (result: BuildResult) => [result.failure?.message ?? '', ...(result.failure?.lastLines ?? [])].join('\n');

  it('busybox:1.36 is about 2 MB with all its applets linked, users and groups included', async () => {
    const facts = await inspectImage(engine, 'busybox:1.36');
    expect(facts!.size).toBeLessThan(3_000_000);
    const run = await sh('busybox:1.36', 'ls /bin /sbin /usr/bin /usr/sbin | wc -l; which wget httpd; id -u nobody; id -g www-data');
    expect(run.exitCode, run.stderr).toBe(0);
    const [applets, wget, httpd, nobody, wwwData] = run.stdout.trim().split('\n').map((line) => line.trim());
    expect(Number(applets)).toBeGreaterThan(200);
    expect([wget, httpd]).toEqual(['/usr/bin/wget', '/usr/sbin/httpd']);
    expect([nobody, wwwData]).toEqual(['65534', '33']);
  });

  it("BusyBox wget behaves as in the Alpine-based images, -T included (health checks use it): 0 on success, 1 with the reason otherwise", async () => {
    // A one-shot HTTP answer from BusyBox nc, then the checks a health check or a probe would run.
    const script = [
      '(printf "HTTP/1.0 200 OK\\r\\n\\r\\nok\\n" | nc -l -p 8080 >/dev/null) & sleep 1',
      'wget -T 3 -q -O - http://127.0.0.1:8080/; echo "served=$?"',
      'wget -T 2 -q -O /dev/null http://127.0.0.1:9/; echo "refused=$?"',
      'wget -T 2 -q -O /dev/null http://no-such-host.invalid/; echo "unknown=$?"',
    ].join('; ');
    for (const image of ['alpine:3.20', 'busybox:1.36', 'node:20-alpine', 'golang:1.22-alpine', 'nginx:alpine', 'php:8.2-fpm-alpine', 'postgres:16-alpine']) {
      const run = await sh(image, script, { user: '0' });
      expect(run.stdout.trim().split('\n'), `${image}: ${run.stderr}`).toEqual(['ok', 'served=0', 'refused=1', 'unknown=1']);
      expect(run.stderr, image).toMatch(/Connection refused/);
      expect(run.stderr, image).toMatch(/bad address 'no-such-host\.invalid'/);
    }
  });

  it("alpine:3.20 takes Alpine's adduser/addgroup options and installs packages with apk add", async () => {
    const users = await sh('alpine:3.20', 'addgroup -S app && adduser -S -G app app && adduser -D -u 1001 bob && id app && id bob && getent passwd app | cut -d: -f7');
    expect(users.exitCode, users.stderr).toBe(0);
    expect(users.stdout).toMatch(/^uid=\d+\(app\) gid=\d+\(app\) groups=\d+\(app\)$/m);
    expect(users.stdout).toMatch(/^uid=1001\(bob\) gid=1001\(bob\)/m);
    expect(users.stdout).toMatch(/^\/usr\/sbin\/nologin$/m);
    const apk = await sh('alpine:3.20', 'apk add --no-cache jq >/dev/null 2>&1 && echo \'{"a":41}\' | jq ".a + 1"', { network: true });
    expect(apk.exitCode, apk.stderr).toBe(0);
    expect(apk.stdout.trim()).toBe('42');
  });

  it('golang:1.22-alpine builds a dependency-free module offline into a static binary', async () => {
    const run = await sh(
      'golang:1.22-alpine',
      [
        'mkdir -p /tmp/m && cd /tmp/m',
        "printf 'module example.com/m\\n\\ngo 1.19\\n' > go.mod",
        "printf 'package main\\nimport (\"fmt\"; \"net/http\")\\nfunc main() { fmt.Println(\"built\", http.StatusTeapot) }\\n' > main.go",
        'go build -o /tmp/m/app . && /tmp/m/app',
        // A dynamically linked binary names its loader (ld-linux / ld-musl); a static one does not.
        'if grep -q "ld-linux\\|ld-musl" /tmp/m/app; then echo dynamic; else echo static; fi',
      ].join(' && '),
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual(['built 418', 'static']);
  });

  it('golang:1.22-alpine cross-compiles without emulation: GOARCH=arm64 gives an AArch64 binary (the multi-arch challenge)', async () => {
    const run = await sh(
      'golang:1.22-alpine',
      [
        'mkdir -p /tmp/x && cd /tmp/x',
        "printf 'module example.com/x\\n\\ngo 1.19\\n' > go.mod",
        "printf 'package main\\nfunc main() {}\\n' > main.go",
        'CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -o /tmp/x/app .',
        // The ELF header's e_machine (bytes 18-19, little-endian): 0xb7 is AArch64.
        'od -An -tx1 -j18 -N2 /tmp/x/app',
      ].join(' && '),
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('b7 00');
    const platform = await engine.docker.getImage('golang:1.22-alpine').inspect();
    // The build stage of a multi-platform build runs on the build platform: this machine's.
    expect(`${platform.Os}/${platform.Architecture}`).toBe(`linux/${engine.info.architecture === 'x86_64' ? 'amd64' : engine.info.architecture}`);
  });

  it('registry:2 is laid out like the official image and serves pushes on port 5000, storing under /var/lib/registry', async () => {
    const image = await engine.docker.getImage('registry:2').inspect();
    expect(image.Config.Entrypoint).toEqual(['/entrypoint.sh']);
    expect(image.Config.Cmd).toEqual(['/etc/docker/registry/config.yml']);
    expect(Object.keys(image.Config.ExposedPorts ?? {})).toEqual(['5000/tcp']);
    expect(Object.keys(image.Config.Volumes ?? {})).toEqual(['/var/lib/registry']);
    const config = await sh('registry:2', 'cat /etc/docker/registry/config.yml; command -v registry');
    expect(config.stdout).toMatch(/rootdirectory: \/var\/lib\/registry/);
    expect(config.stdout).toMatch(/addr: :5000/);
    const { startRegistry } = await import('../../src/engine/registry.js');
    const registry = await startRegistry(engine, scope);
    // A copy of ours (labelled, removed with the scope), so busybox:1.36 gets no tag or digest of the registry.
    const copy = await registry.markedCopy('busybox:1.36');
    const pushed = await registry.push(copy.imageId, 'stand-in/check', 'v1');
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await registry.tags('stand-in/check')).toEqual(['v1']);
    const containers = await engine.docker.listContainers({ filters: { label: [`dev.shipshape.run=${scope.runId}`], ancestor: ['registry:2'] } });
    const stored = await engine.docker.getContainer(containers[0]!.Id).exec({ Cmd: ['ls', '/var/lib/registry/docker/registry/v2/repositories/stand-in'], AttachStdout: true });
    const stream = await stored.start({});
    const listing = await new Promise<string>((resolve) => {
      let text = '';
      stream.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      stream.on('end', () => resolve(text));
    });
    expect(listing).toContain('check');
  });

  it('node:20-alpine runs node and npm, with a node user of uid and gid 1000', async () => {
    const run = await sh('node:20-alpine', 'id node && node -e "console.log(6 * 7)" && npm --version');
    expect(run.exitCode, run.stderr).toBe(0);
    const [id, answer, npm] = run.stdout.trim().split('\n');
    expect(id).toMatch(/^uid=1000\(node\) gid=1000\(node\)/);
    expect(answer).toBe('42');
    expect(npm).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('python:3.12-slim has python and pip, and installs a local wheel with no index', async () => {
    const run = await sh(
      'python:3.12-slim',
      [
        'mkdir -p /tmp/p/hello && cd /tmp/p',
        "printf 'def answer():\\n    return 42\\n' > hello/__init__.py",
        "printf '[build-system]\\nrequires = [\"setuptools\"]\\nbuild-backend = \"setuptools.build_meta\"\\n[project]\\nname = \"hello\"\\nversion = \"0.1\"\\n' > pyproject.toml",
        'pip wheel -q --no-index --no-build-isolation -w /tmp/wheels . >/dev/null',
        'pip install -q --no-index --find-links /tmp/wheels hello',
        'cd / && python -c "import hello; print(hello.answer())"',
      ].join(' && '),
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('42');
  });

  describe('strict where the real images are strict', () => {
    it('php:8.2-fpm-alpine refuses pdo_pgsql without libpq headers, with the configure error of the real image', async () => {
      const result = await build('FROM php:8.2-fpm-alpine\nRUN docker-php-ext-install pdo_pgsql\n');
      expect(result.imageId).toBeNull();
      expect(failureText(result)).toContain('configure: error: Cannot find libpq-fe.h');
    });

    it('php:8.2-fpm-alpine refuses a PECL extension as docker-php-ext-install does', async () => {
      const result = await build('FROM php:8.2-fpm-alpine\nRUN docker-php-ext-install redis\n');
      expect(result.imageId).toBeNull();
      expect(failureText(result)).toContain('error: /usr/src/php/ext/redis does not exist');
    });

    it('php:8.2-fpm-alpine: deleting a --virtual group with postgresql-dev unloads pdo_pgsql unless libpq was kept', async () => {
      const lost = await build(
        [
          'FROM php:8.2-fpm-alpine',
          'RUN apk add --no-cache --virtual .build-deps postgresql-dev && docker-php-ext-install pdo_pgsql && apk del .build-deps',
        ].join('\n'),
      );
      expect(lost.failure, lost.failure?.message).toBeNull();
      const broken = await sh(lost.imageId!, 'php -r \'echo extension_loaded("pdo_pgsql") ? "loaded" : "missing";\' 2>&1');
      expect(broken.stdout).toMatch(/Unable to load dynamic library 'pdo_pgsql.so'.*libpq\.so\.5/);
      expect(broken.stdout.trim().split('\n').at(-1)).toBe('missing');
      // The pack's way: libpq added by name stays when the headers' group goes.
      const kept = await build(
        [
          'FROM php:8.2-fpm-alpine',
          'RUN apk add --no-cache libpq && apk add --no-cache --virtual .build-deps postgresql-dev && docker-php-ext-install pdo_pgsql && apk del .build-deps',
        ].join('\n'),
      );
      expect(kept.failure, kept.failure?.message).toBeNull();
      const works = await sh(kept.imageId!, 'php -r \'echo extension_loaded("pdo_pgsql") ? "loaded" : "missing", PHP_EOL;\' 2>&1; test -e /usr/include/postgresql/libpq-fe.h && echo headers-left || echo headers-gone');
      expect(works.stdout.trim().split('\n')).toEqual(['loaded', 'headers-gone']);
    }, 600_000);

    it("php:8.2-fpm-alpine has the official image's config: entrypoint, www-data 82, PHP_INI_DIR, the same extensions", async () => {
      const facts = await inspectImage(engine, 'php:8.2-fpm-alpine');
      expect(facts).toMatchObject({ entrypoint: ['docker-php-entrypoint'], cmd: ['php-fpm'], workingDir: '/var/www/html' });
      expect(facts!.env).toContain('PHP_INI_DIR=/usr/local/etc/php');
      const run = await sh('php:8.2-fpm-alpine', 'id -u www-data; php -m | grep -c -x -i -E "calendar|exif|sockets|xsl|pdo_pgsql|Zend OPcache"; ls "$PHP_INI_DIR"');
      expect(run.stdout.trim().split('\n')).toEqual(['82', '0', 'conf.d', 'php.ini-development', 'php.ini-production']);
      // Extensions the official image has built in: docker-php-ext-install warns and goes on, as there.
      const builtIn = await sh('php:8.2-fpm-alpine', 'docker-php-ext-install pdo session 2>&1; echo "rc=$?"');
      expect(builtIn.stdout).toContain('warning: pdo (pdo.so) is already loaded!');
      expect(builtIn.stdout).toContain('warning: session (session.so) is already loaded!');
      expect(builtIn.stdout.trim().split('\n').at(-1)).toBe('rc=0');
    });

    it('alpine:3.20 refuses a package name that is not Alpine\'s, and apk add without --no-cache needs an index', async () => {
      const debianName = await build('FROM alpine:3.20\nRUN apk add --no-cache build-essential\n');
      expect(debianName.imageId).toBeNull();
      expect(failureText(debianName)).toContain('build-essential (no such package)');
      const noIndex = await build('FROM alpine:3.20\nRUN apk add jq\n');
      expect(noIndex.imageId).toBeNull();
      expect(failureText(noIndex)).toMatch(/unable to select packages[\s\S]*jq \(no such package\)/);
      // `apk update` fetches the index and keeps it in the layer; --no-cache leaves nothing.
      const cached = await build('FROM alpine:3.20\nRUN apk update && apk add jq\n');
      expect(cached.failure, cached.failure?.message).toBeNull();
      const left = await sh(cached.imageId!, 'du -sk /var/cache/apk | cut -f1; jq -n 6*7');
      const [kib, answer] = left.stdout.trim().split('\n');
      expect(Number(kib)).toBeGreaterThan(2000);
      expect(answer).toBe('42');
      const clean = await build('FROM alpine:3.20\nRUN apk add --no-cache jq\n');
      expect(clean.failure, clean.failure?.message).toBeNull();
      expect((await sh(clean.imageId!, 'ls /var/cache/apk | wc -l')).stdout.trim()).toBe('0');
    });

    it('golang:1.22-alpine leaves CGO_ENABLED unset: static without gcc, and a gcc-linked binary fails on scratch', async () => {
      const facts = await inspectImage(engine, 'golang:1.22-alpine');
      expect(facts!.env.filter((entry) => entry.startsWith('CGO_ENABLED='))).toEqual([]);
      const program = [
        'mkdir -p /src && cd /src',
        "printf 'module example.com/p\\n\\ngo 1.19\\n' > go.mod",
        "printf 'package main\\nimport (\"fmt\"; \"net/http\")\\nfunc main() { fmt.Println(\"ran\", http.StatusTeapot) }\\n' > main.go",
      ].join(' && ');
      const stage = (setup: string) =>
        ['FROM golang:1.22-alpine AS build', `RUN ${setup}${program} && go env CGO_ENABLED && go build -o /out/p .`, 'FROM scratch', 'COPY --from=build /out/p /p', 'ENTRYPOINT ["/p"]'].join('\n');
      const plain = await build(stage(''));
      expect(plain.failure, plain.failure?.message).toBeNull();
      expect((await runInImage(engine, scope, plain.imageId!, [], { timeoutMs: 30_000 })).stdout.trim()).toBe('ran 418');
      const withGcc = await build(stage('apk add --no-cache gcc musl-dev && '));
      expect(withGcc.failure, withGcc.failure?.message).toBeNull();
      const run = await runInImage(engine, scope, withGcc.imageId!, [], { timeoutMs: 30_000 });
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toMatch(/no such file or directory/);
    });

    it('node:20-alpine runs a script given as the command through node, and sets no NODE_ENV', async () => {
      const facts = await inspectImage(engine, 'node:20-alpine');
      expect(facts!.entrypoint).toEqual(['docker-entrypoint.sh']);
      expect(facts!.env.filter((entry) => entry.startsWith('NODE_ENV='))).toEqual([]);
      const built = await build('FROM node:20-alpine\nWORKDIR /app\nRUN echo "console.log(6 * 7)" > app.js\nCMD ["app.js"]\n');
      expect(built.failure, built.failure?.message).toBeNull();
      expect((await runInImage(engine, scope, built.imageId!, ['app.js'], { timeoutMs: 30_000 })).stdout.trim()).toBe('42');
    });
  });
});
