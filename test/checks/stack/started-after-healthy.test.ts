import { describe, expect, it } from 'vitest';
import { composeStartedAfterHealthy } from '../../../src/checks/stack/started-after-healthy.js';
import { container, fakeStack, runStack } from '../compose/helpers.js';

const HEALTHY_AT = Date.parse('2026-01-01T00:00:05.000Z');
const health = { status: 'healthy', log: [{ start: '2026-01-01T00:00:04.900Z', end: '2026-01-01T00:00:05.000Z', exitCode: 0, output: 'accepting connections' }] };

describe('compose.started-after-healthy', () => {
  it('passes when the dependent started after the first healthy event and still runs', async () => {
    const stack = fakeStack({
      containers: [container('db', { health }), container('app', { startedAt: '2026-01-01T00:00:05.400Z' })],
      healthy: { db: [HEALTHY_AT] },
    });
    const result = await runStack(composeStartedAfterHealthy, { service: 'app', after: 'db' }, stack);
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toMatch(/^`app` started 0\.4 ?s after `db` reported healthy, and is running$/);
  });

  it('fails when the dependent started first, quoting why it exited', async () => {
    const stack = fakeStack({
      containers: [container('db', { health }), container('app', { startedAt: '2026-01-01T00:00:02.000Z', running: false, status: 'exited', exitCode: 1 })],
      healthy: { db: [HEALTHY_AT] },
      logs: ['migrate: cannot reach the database: Connection refused'],
    });
    const result = await runStack(composeStartedAfterHealthy, { service: 'app', after: 'db' }, stack);
    expect(result.status).toBe('fail');
    expect(result.message).toMatch(/^`app` started 3(\.0)? ?s before `db` was healthy; `app` then exited with code 1: migrate: cannot reach the database/);
  });

  it('fails when the dependency has no health check or never became healthy', async () => {
    const none = fakeStack({ containers: [container('db'), container('app')] });
    expect(await runStack(composeStartedAfterHealthy, { service: 'app', after: 'db' }, none)).toMatchObject({ status: 'fail', message: expect.stringContaining('`db` has no health check') });
    const starting = fakeStack({ containers: [container('db', { health: { status: 'unhealthy', log: [{ start: '', end: '', exitCode: 2, output: 'no response' }] } }), container('app')] });
    expect(await runStack(composeStartedAfterHealthy, { service: 'app', after: 'db' }, starting)).toMatchObject({ status: 'fail', message: expect.stringContaining('`db` never reported healthy (status unhealthy)') });
  });

  it('falls back to the health log when no event was seen, and fails a dependent that died after a good start', async () => {
    const stack = fakeStack({ containers: [container('db', { health }), container('app', { startedAt: '2026-01-01T00:00:06.000Z', running: false, status: 'exited', exitCode: 137 })] });
    const result = await runStack(composeStartedAfterHealthy, { service: 'app', after: 'db' }, stack);
    expect(result.status).toBe('fail');
    expect(result.message).toContain('started after `db` was healthy but is not running');
  });

  it('fails when a service has no container', async () => {
    const stack = fakeStack({ containers: [container('db', { health })] });
    expect(await runStack(composeStartedAfterHealthy, { service: 'app', after: 'db' }, stack)).toMatchObject({ status: 'fail', message: 'the stack has no `app` container' });
  });
});
