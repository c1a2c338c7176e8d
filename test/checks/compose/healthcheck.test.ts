import { describe, expect, it } from 'vitest';
import { composeHealthcheck } from '../../../src/checks/compose/healthcheck.js';
import { runCompose } from './helpers.js';

const withTest = (test: string, extra = '') => `
services:
  db:
    image: postgres:16-alpine
    healthcheck:
      test: ${test}
      interval: 2s
${extra}`;

describe('compose.healthcheck', () => {
  it('shows a literal dollar as the container sees it, not as `config` escapes it', async () => {
    // `compose config` prints `$$` for a literal `$` (issue 23).
    const result = await runCompose(composeHealthcheck, { service: 'db', command: 'pg_isready' }, withTest('[CMD-SHELL, "pg_isready -U $$POSTGRES_USER"]'));
    expect(result.message).toBe('`db` health check: pg_isready -U $POSTGRES_USER every 2s');
  });

  it('passes a pg_isready test in exec or shell form', async () => {
    const exec = await runCompose(composeHealthcheck, { service: 'db', command: 'pg_isready' }, withTest('[CMD, pg_isready, -h, localhost]'));
    expect(exec.status, exec.message).toBe('pass');
    expect(exec.message).toBe('`db` health check: pg_isready -h localhost every 2s');
    const shell = await runCompose(composeHealthcheck, { service: 'db', command: 'pg_isready' }, withTest('[CMD-SHELL, "pg_isready -U app || exit 1"]'));
    expect(shell.status, shell.message).toBe('pass');
  });

  it('fails without a health check, pointing at the service', async () => {
    const result = await runCompose(composeHealthcheck, { service: 'db' }, 'services:\n  db:\n    image: postgres:16-alpine\n');
    expect(result.status).toBe('fail');
    expect(result.message).toBe('compose.yaml:2: service `db` has no healthcheck');
  });

  it('rejects tests that always succeed and disabled checks', async () => {
    for (const test of ['[CMD, "true"]', '[CMD-SHELL, "exit 0"]', '[CMD-SHELL, "pg_isready || true"]']) {
      const result = await runCompose(composeHealthcheck, { service: 'db' }, withTest(test));
      expect(result.status, test).toBe('fail');
    }
    const disabled = await runCompose(composeHealthcheck, { service: 'db' }, withTest('[CMD, pg_isready]', '      disable: true'));
    expect(disabled.status).toBe('fail');
    expect(disabled.message).toContain('disabled');
    expect((await runCompose(composeHealthcheck, { service: 'db' }, withTest('[NONE]'))).status).toBe('fail');
  });

  it('fails a real test that does not run the required command, matching whole words only', async () => {
    const other = await runCompose(composeHealthcheck, { service: 'db', command: 'pg_isready' }, withTest('[CMD-SHELL, "psql -c \\"select 1\\""]'));
    expect(other.status).toBe('fail');
    expect(other.message).toContain('does not run pg_isready');
    const lookalike = await runCompose(composeHealthcheck, { service: 'db', command: 'pg_isready' }, withTest('[CMD-SHELL, "/usr/local/bin/not_pg_isready"]'));
    expect(lookalike.status).toBe('fail');
    const path = await runCompose(composeHealthcheck, { service: 'db', command: 'pg_isready' }, withTest('[CMD, /usr/bin/pg_isready]'));
    expect(path.status, path.message).toBe('pass');
  });
});
