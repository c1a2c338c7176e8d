import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandOptions } from '../../src/checks/kind.js';
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
    requireImages('alpine:3.20', 'busybox:1.36', 'golang:1.22-alpine', 'node:20-alpine', 'python:3.12-slim');
    engine = await connectEngine();
    scope = new RunScope(engine.docker, 'stand-ins-test');
  });

  afterAll(async () => {
    if (scope) await scope.dispose();
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

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
});
