import { describe, expect, it } from 'vitest';
import { imageConfig, isRootUser } from '../../../src/checks/image/config.js';
import type { ImageFacts } from '../../../src/checks/kind.js';
import { FakeInspector, facts, imageContext } from './fake.js';

function check(params: Record<string, unknown>, image: Partial<ImageFacts>) {
  return imageConfig.run(imageConfig.params.parse(params), imageContext(facts(image), new FakeInspector()));
}

describe('image.config', () => {
  it('compares the working directory the engine reports, ignoring a trailing slash', async () => {
    expect((await check({ workingDir: '/app' }, { workingDir: '/app/' })).status).toBe('pass');
    const wrong = await check({ workingDir: '/app' }, { workingDir: '/var/www/html' });
    expect(wrong).toMatchObject({ status: 'fail', message: 'the working directory is /var/www/html, expected /app' });
    expect((await check({ workingDir: '/app' }, { workingDir: '' })).message).toBe('the working directory is /, expected /app');
  });

  it('treats an empty USER, root and uid 0 (with or without a group) as root', async () => {
    for (const user of ['', 'root', '0', '0:0', 'root:app']) {
      expect(isRootUser(user), user).toBe(true);
      expect((await check({ nonRootUser: true }, { user })).status, user).toBe('fail');
    }
    for (const user of ['node', '1000', '65534:65534', 'app:app']) {
      expect(isRootUser(user), user).toBe(false);
      expect((await check({ nonRootUser: true }, { user })).status, user).toBe('pass');
    }
  });

  it('requires an exact USER when one is named', async () => {
    expect((await check({ user: 'node' }, { user: 'node' })).status).toBe('pass');
    expect(await check({ user: 'node' }, { user: 'app' })).toMatchObject({ status: 'fail', message: 'USER is app, expected node' });
  });

  it('tells a shell-form CMD by what the engine stored, not by the text', async () => {
    const shell = await check({ cmdExecForm: true }, { cmd: ['/bin/sh', '-c', 'php-fpm'] });
    expect(shell.status).toBe('fail');
    expect(shell.message).toContain('CMD is in shell form (the engine stored ["/bin/sh","-c","php-fpm"])');
    expect((await check({ cmdExecForm: true }, { cmd: null })).message).toBe('CMD is not set in the image');
    expect((await check({ cmdExecForm: true }, { cmd: ['php-fpm'] })).status).toBe('pass');
    expect((await check({ entrypointExecForm: true }, { entrypoint: ['/bin/sh', '-c', 'exec app'] })).status).toBe('fail');
    expect((await check({ entrypointExecForm: true }, { entrypoint: ['/pinger'] })).status).toBe('pass');
  });

  it('checks environment variables by name or by exact value', async () => {
    const env = ['PATH=/bin', 'NODE_ENV=production'];
    expect((await check({ env: ['NODE_ENV'] }, { env })).status).toBe('pass');
    expect((await check({ env: ['NODE_ENV=production'] }, { env })).status).toBe('pass');
    expect(await check({ env: ['NODE_ENV=development'] }, { env })).toMatchObject({ status: 'fail', message: 'NODE_ENV=production is set, expected NODE_ENV=development' });
    expect((await check({ env: ['DEBUG'] }, { env })).message).toBe("DEBUG is not set in the image's environment");
  });

  it('reports every problem at once', async () => {
    const verdict = await check({ workingDir: '/app', cmdExecForm: true, nonRootUser: true }, { workingDir: '/', cmd: ['/bin/sh', '-c', 'x'] });
    expect(verdict.message.split('; ')).toHaveLength(3);
  });

  it('refuses a with: block that checks nothing', () => {
    expect(imageConfig.params.safeParse({}).success).toBe(false);
    expect(imageConfig.params.safeParse({ cmdExecForm: false }).success).toBe(false);
    expect(imageConfig.params.safeParse(imageConfig.example).success).toBe(true);
  });
});
