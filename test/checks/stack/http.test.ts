import { describe, expect, it } from 'vitest';
import { composeHttp } from '../../../src/checks/stack/http.js';
import { container, fakeStack, runStack } from '../compose/helpers.js';

const web = [container('web', { ports: { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: 32768 }] } })];

describe('compose.http', () => {
  it('passes when status and body match, after a gateway error clears', async () => {
    const answers = [{ status: 502, body: '<h1>502 Bad Gateway</h1>' }, { status: 200, body: 'Rendered by PHP 8.2.7\n6 x 7 = 42\n' }];
    const paths: string[] = [];
    const stack = fakeStack({
      containers: web,
      http: async (_service, _port, urlPath) => {
        paths.push(urlPath);
        return { ...answers.shift()!, url: `http://127.0.0.1:32768${urlPath}` };
      },
    });
    const result = await runStack(composeHttp, { service: 'web', port: 80, path: '/index.php', body: '6 x 7 = 42', timeoutSeconds: 10 }, stack);
    expect(result.status, result.message).toBe('pass');
    expect(paths).toEqual(['/index.php', '/index.php']);
    expect(result.evidence).toMatchObject({ status: 200, attempts: 2 });
  });

  it('fails at once on a non-gateway answer whose body does not match (no retry)', async () => {
    let calls = 0;
    const stack = fakeStack({
      containers: web,
      http: async () => {
        calls++;
        return { status: 200, body: '<?php echo 6 * 7;', url: 'http://127.0.0.1:32768/index.php' };
      },
    });
    const result = await runStack(composeHttp, { service: 'web', port: 80, path: '/index.php', body: '42', timeoutSeconds: 10 }, stack);
    expect(result.status).toBe('fail');
    expect(calls).toBe(1);
    expect(result.message).toContain('answered 200, but the body does not match /42/: <?php echo 6 * 7;');
  });

  it('fails a wrong status and an unpublished port with the reason', async () => {
    const notFound = fakeStack({ containers: web, http: async () => ({ status: 404, body: 'File not found.', url: 'u' }) });
    expect(await runStack(composeHttp, { service: 'web', port: 80, timeoutSeconds: 5 }, notFound)).toMatchObject({ status: 'fail', message: expect.stringContaining('answered 404 (expected 200): File not found.') });
    const unpublished = fakeStack({
      containers: web,
      http: async () => {
        throw new Error('service web publishes no host port for container port 80');
      },
    });
    expect(await runStack(composeHttp, { service: 'web', port: 80, timeoutSeconds: 5 }, unpublished)).toMatchObject({ status: 'fail', message: expect.stringContaining('publishes no host port') });
  });
});
