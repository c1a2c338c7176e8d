import { describe, expect, it } from 'vitest';
import { composePostgresOnVolume } from '../../../src/checks/stack/postgres-on-volume.js';
import { fakeStack, runStack } from '../compose/helpers.js';

const CONFIG = 'services:\n  db: {image: "postgres:16-alpine"}\n';
const params = { volume: 'restored', imageOf: 'db', user: 'shop', database: 'shop', sql: 'SELECT count(*) FROM orders', output: '^4$' };

describe('compose.postgres-on-volume', () => {
  it("starts the db service's image on the volume and matches the query output", async () => {
    const calls: Array<{ volume: string; image: string; command: string[] }> = [];
    const stack = fakeStack({
      withVolumeContainer: async (volume, options) => {
        calls.push({ volume, image: options.image, command: options.command });
        return { ready: true, result: { exitCode: 0, stdout: '4\n', stderr: '', timedOut: false }, logTail: [] };
      },
    });
    const result = await runStack(composePostgresOnVolume, params, stack, CONFIG);
    expect(result.status, result.message).toBe('pass');
    expect(calls).toEqual([{ volume: 'restored', image: 'postgres:16-alpine', command: ['psql', '-X', '-v', 'ON_ERROR_STOP=1', '-U', 'shop', '-d', 'shop', '-tAc', 'SELECT count(*) FROM orders'] }]);
  });

  it('explains an empty volume, a failing query and a wrong answer', async () => {
    const empty = fakeStack({ withVolumeContainer: async () => ({ ready: false, result: null, logTail: ['Error: Database is uninitialized and superuser password is not specified.'] }) });
    expect(await runStack(composePostgresOnVolume, params, empty, CONFIG)).toMatchObject({ status: 'fail', message: expect.stringContaining('holds no Postgres data directory') });
    const missing = fakeStack({ withVolumeContainer: async () => ({ ready: true, result: { exitCode: 1, stdout: '', stderr: 'ERROR:  relation "orders" does not exist', timedOut: false }, logTail: [] }) });
    expect(await runStack(composePostgresOnVolume, params, missing, CONFIG)).toMatchObject({ status: 'fail', message: expect.stringContaining('failed: ERROR:  relation "orders" does not exist') });
    const wrong = fakeStack({ withVolumeContainer: async () => ({ ready: true, result: { exitCode: 0, stdout: '3\n', stderr: '', timedOut: false }, logTail: [] }) });
    expect(await runStack(composePostgresOnVolume, params, wrong, CONFIG)).toMatchObject({ status: 'fail', message: '`SELECT count(*) FROM orders` on `restored` returned "3", not /^4$/' });
  });

  it('fails when the named service has no image', async () => {
    const stack = fakeStack({});
    expect(await runStack(composePostgresOnVolume, { ...params, imageOf: 'app' }, stack, 'services:\n  app: {build: {context: /ws}}\n')).toMatchObject({ status: 'fail', message: expect.stringContaining('has no image') });
  });
});
