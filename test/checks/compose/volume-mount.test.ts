import { describe, expect, it } from 'vitest';
import { composeVolumeMount } from '../../../src/checks/compose/volume-mount.js';
import { runCompose } from './helpers.js';

const db = (volumes: string, top = 'volumes:\n  dbdata: {}\n') => `services:\n  db:\n    image: postgres\n    volumes:\n${volumes}\n${top}`;
const params = { service: 'db', target: '/var/lib/postgresql/data', volume: 'dbdata' };

describe('compose.volume-mount', () => {
  it('passes a declared named volume at the path (short or long syntax, trailing slash)', async () => {
    const short = await runCompose(composeVolumeMount, params, db('    - dbdata:/var/lib/postgresql/data:rw'));
    expect(short.status, short.message).toBe('pass');
    expect(short.message).toBe('volume `dbdata` is mounted at /var/lib/postgresql/data in `db`');
    const long = await runCompose(composeVolumeMount, params, db('    - {type: volume, source: dbdata, target: /var/lib/postgresql/data/}'));
    expect(long.status, long.message).toBe('pass');
  });

  it('fails a bind mount, an anonymous volume, another volume, or nothing at the path', async () => {
    expect(await runCompose(composeVolumeMount, params, db('    - /workspace/pgdata:/var/lib/postgresql/data'))).toMatchObject({ status: 'fail', message: expect.stringContaining('a bind mount of /workspace/pgdata') });
    expect(await runCompose(composeVolumeMount, params, db('    - /var/lib/postgresql/data'))).toMatchObject({ status: 'fail', message: expect.stringContaining('anonymous volume') });
    expect(await runCompose(composeVolumeMount, params, db('    - other:/var/lib/postgresql/data', 'volumes:\n  other: {}\n'))).toMatchObject({ status: 'fail', message: expect.stringContaining('holds volume `other`, expected `dbdata`') });
    expect(await runCompose(composeVolumeMount, params, db('    - dbdata:/data'))).toMatchObject({ status: 'fail', message: expect.stringContaining('nothing is mounted at /var/lib/postgresql/data') });
  });

  it('fails an undeclared or external volume, and checks read-only when asked', async () => {
    expect(await runCompose(composeVolumeMount, params, db('    - dbdata:/var/lib/postgresql/data', ''))).toMatchObject({ status: 'fail', message: expect.stringContaining('not declared') });
    expect(await runCompose(composeVolumeMount, params, db('    - dbdata:/var/lib/postgresql/data', 'volumes:\n  dbdata: {external: true}\n'))).toMatchObject({ status: 'fail', message: expect.stringContaining('external') });
    const ro = await runCompose(composeVolumeMount, { ...params, readOnly: false }, db('    - dbdata:/var/lib/postgresql/data:ro'));
    expect(ro.status).toBe('fail');
    expect(ro.message).toContain('mounted read-only');
  });
});

describe('compose.volume-mount without a target', () => {
  it('finds the volume wherever it is mounted, and checks read-only', async () => {
    const config = 'services:\n  backup:\n    image: postgres\n    volumes:\n    - dbdata:/var/lib/postgresql/data:ro\nvolumes:\n  dbdata: {}\n';
    const result = await runCompose(composeVolumeMount, { service: 'backup', volume: 'dbdata', readOnly: true }, config);
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toBe('volume `dbdata` is mounted at /var/lib/postgresql/data in `backup` (read-only)');
    const missing = await runCompose(composeVolumeMount, { service: 'backup', volume: 'other' }, config);
    expect(missing.status).toBe('fail');
    expect(missing.message).toContain('volume `other` is not mounted in `backup`');
    expect(() => composeVolumeMount.params.parse({ service: 'backup' })).toThrow(/give `target`, `volume` or both/);
  });
});
