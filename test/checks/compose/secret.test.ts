import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSecret } from '../../../src/checks/compose/secret.js';
import { runCompose } from './helpers.js';

let dir: string;
const params = { service: 'db', secret: 'db_password', fileEnv: 'POSTGRES_PASSWORD_FILE', forbidEnv: ['POSTGRES_PASSWORD'] };
const config = (file: string, env: string, serviceSecrets = '    secrets:\n    - source: db_password\n') =>
  `services:\n  db:\n    image: postgres\n    environment:\n${env}\n${serviceSecrets}secrets:\n  db_password:\n    file: ${file}\n`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-secret-test-'));
  await writeFile(path.join(dir, 'pw.txt'), 'n3w-Rotated-Secret\n');
  await writeFile(path.join(dir, 'empty.txt'), '\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('compose.secret', () => {
  it('passes a file secret given to the service and named by the _FILE variable', async () => {
    const result = await runCompose(composeSecret, params, config(path.join(dir, 'pw.txt'), '      POSTGRES_PASSWORD_FILE: /run/secrets/db_password'));
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toBe('`db` reads secret `db_password` at /run/secrets/db_password (POSTGRES_PASSWORD_FILE)');
  });

  it('fails a plaintext password left beside the secret', async () => {
    const result = await runCompose(composeSecret, params, config(path.join(dir, 'pw.txt'), '      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n      POSTGRES_PASSWORD: hunter2'));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('still sets POSTGRES_PASSWORD in plain text');
  });

  it('fails a _FILE variable pointing elsewhere, or a secret not given to the service', async () => {
    expect(await runCompose(composeSecret, params, config(path.join(dir, 'pw.txt'), '      POSTGRES_PASSWORD_FILE: /run/secrets/other'))).toMatchObject({ status: 'fail', message: expect.stringContaining('but the secret is at /run/secrets/db_password') });
    expect(await runCompose(composeSecret, params, config(path.join(dir, 'pw.txt'), '      POSTGRES_PASSWORD_FILE: /run/secrets/db_password', ''))).toMatchObject({ status: 'fail', message: expect.stringContaining('is not given the secret') });
  });

  it('fails a missing or empty secret file, or no such secret', async () => {
    expect(await runCompose(composeSecret, params, config(path.join(dir, 'nope.txt'), '      X: y'))).toMatchObject({ status: 'fail', message: expect.stringContaining('does not exist') });
    expect(await runCompose(composeSecret, params, config(path.join(dir, 'empty.txt'), '      X: y'))).toMatchObject({ status: 'fail', message: expect.stringContaining('is empty') });
    expect(await runCompose(composeSecret, params, 'services:\n  db: {image: postgres}\n')).toMatchObject({ status: 'fail', message: expect.stringContaining('no secret `db_password`') });
  });

  it('fails when the secret value is written elsewhere in the model', async () => {
    const result = await runCompose(composeSecret, params, config(path.join(dir, 'pw.txt'), '      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n      BACKUP_PASS: n3w-Rotated-Secret'));
    expect(result.status).toBe('fail');
    expect(result.message).toContain("the secret's value appears in the compose file");
  });
});
