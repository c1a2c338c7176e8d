import { describe, expect, it } from 'vitest';
import { composeDependsOn } from '../../../src/checks/compose/depends-on.js';
import { runCompose } from './helpers.js';

describe('compose.depends-on', () => {
  it('passes the long form with the condition asked for', async () => {
    const config = 'services:\n  db: {image: postgres}\n  app:\n    image: php\n    depends_on:\n      db:\n        condition: service_healthy\n';
    const result = await runCompose(composeDependsOn, { service: 'app', on: 'db' }, config);
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toBe('`app` waits for `db` (service_healthy)');
  });

  it('fails the short form when health is required, and passes it for service_started', async () => {
    const config = 'services:\n  db: {image: postgres}\n  app:\n    image: php\n    depends_on:\n    - db\n';
    const healthy = await runCompose(composeDependsOn, { service: 'app', on: 'db', condition: 'service_healthy' }, config);
    expect(healthy.status).toBe('fail');
    expect(healthy.message).toBe('compose.yaml:5: `app` waits for `db` with service_started, not service_healthy');
    expect((await runCompose(composeDependsOn, { service: 'app', on: 'db', condition: 'service_started' }, config)).status).toBe('pass');
  });

  it('fails when there is no dependency or no such service', async () => {
    const config = 'services:\n  db: {image: postgres}\n  app: {image: php}\n';
    expect(await runCompose(composeDependsOn, { service: 'app', on: 'db' }, config)).toMatchObject({ status: 'fail', message: expect.stringContaining('`app` does not depend on `db`') });
    expect(await runCompose(composeDependsOn, { service: 'web', on: 'app' }, config)).toMatchObject({ status: 'fail', message: expect.stringContaining('no service `web`') });
  });
});
