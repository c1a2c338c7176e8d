import { describe, expect, it } from 'vitest';
import { composeServiceDefined } from '../../../src/checks/compose/service-defined.js';
import { runCompose } from './helpers.js';

const CONFIG = `
services:
  app:
    build:
      context: /workspace/app
  db:
    image: postgres:16-alpine
`;

describe('compose.service-defined', () => {
  it('passes a service with a matching image, and a built one', async () => {
    const db = await runCompose(composeServiceDefined, { service: 'db', image: 'postgres:16*' }, CONFIG);
    expect(db.status, db.message).toBe('pass');
    expect(db.message).toBe('service `db` uses postgres:16-alpine');
    const app = await runCompose(composeServiceDefined, { service: 'app', build: true }, CONFIG);
    expect(app.status, app.message).toBe('pass');
  });

  it('fails a missing service and names those that exist', async () => {
    const result = await runCompose(composeServiceDefined, { service: 'web' }, CONFIG);
    expect(result.status).toBe('fail');
    expect(result.message).toContain('no service `web` (services: app, db)');
  });

  it('fails a wrong image, a missing build and an unwanted build', async () => {
    expect(await runCompose(composeServiceDefined, { service: 'db', image: 'postgres:15*' }, CONFIG)).toMatchObject({ status: 'fail', message: expect.stringContaining('uses image postgres:16-alpine, expected postgres:15*') });
    expect((await runCompose(composeServiceDefined, { service: 'db', build: true }, CONFIG)).status).toBe('fail');
    expect(await runCompose(composeServiceDefined, { service: 'app', build: false }, CONFIG)).toMatchObject({ status: 'fail', message: expect.stringContaining('should use a ready image') });
    expect(await runCompose(composeServiceDefined, { service: 'app', image: 'php:*' }, CONFIG)).toMatchObject({ status: 'fail', message: expect.stringContaining('uses image (none)') });
  });
});
