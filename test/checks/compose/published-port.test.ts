import { describe, expect, it } from 'vitest';
import { composePublishedPort } from '../../../src/checks/compose/published-port.js';
import { runCompose } from './helpers.js';

const web = (ports: string) => `services:\n  web:\n    image: nginx\n    ports:\n${ports}\n`;

describe('compose.published-port', () => {
  it('passes the container port on the host port asked for (long or short form)', async () => {
    const long = await runCompose(composePublishedPort, { service: 'web', target: 80, published: 8080 }, web('    - {published: 8080, target: 80}'));
    expect(long.status, long.message).toBe('pass');
    expect(long.message).toBe('`web` publishes 8080:80/tcp');
    expect((await runCompose(composePublishedPort, { service: 'web', target: 80, published: 8080 }, web('    - "127.0.0.1:8080:80"'))).status).toBe('pass');
    expect((await runCompose(composePublishedPort, { service: 'web', target: 80 }, web('    - "80"'))).status).toBe('pass');
  });

  it('fails another host port, another container port, udp, or no ports', async () => {
    expect(await runCompose(composePublishedPort, { service: 'web', target: 80, published: 8080 }, web('    - "8081:80"'))).toMatchObject({ status: 'fail', message: expect.stringContaining('published on 8081, expected host port 8080') });
    expect(await runCompose(composePublishedPort, { service: 'web', target: 80 }, web('    - "8080:8080"'))).toMatchObject({ status: 'fail', message: expect.stringContaining('does not publish container port 80/tcp (it publishes 8080:8080)') });
    expect((await runCompose(composePublishedPort, { service: 'web', target: 80 }, web('    - "8080:80/udp"'))).status).toBe('fail');
    expect((await runCompose(composePublishedPort, { service: 'web', target: 80 }, 'services:\n  web: {image: nginx}\n')).status).toBe('fail');
  });
});
