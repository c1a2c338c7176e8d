import { describe, expect, it } from 'vitest';
import { composeRunService } from '../../../src/checks/stack/run-service.js';
import { container, fakeStack, runStack } from '../compose/helpers.js';

const CONFIG = 'services:\n  db: {image: postgres}\n  backup: {image: postgres, profiles: [tools]}\n';

describe('compose.run-service', () => {
  it('passes a job that exits 0 while db keeps running', async () => {
    const runs: string[] = [];
    const stack = fakeStack({
      containers: [container('db')],
      runService: async (service) => {
        runs.push(service);
        return { exitCode: 0, outputTail: ['backup written'], timedOut: false };
      },
    });
    const result = await runStack(composeRunService, { service: 'backup', keepsRunning: ['db'], output: 'backup written' }, stack, CONFIG);
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toMatch(/^`backup` ran in .+ and exited 0; `db` kept running$/);
    expect(runs).toEqual(['backup']);
  });

  it('fails a job that exits non-zero or times out, quoting its output', async () => {
    const failing = fakeStack({ containers: [container('db')], runService: async () => ({ exitCode: 2, outputTail: ['tar: /backups: Cannot open: Permission denied'], timedOut: false }) });
    expect(await runStack(composeRunService, { service: 'backup' }, failing, CONFIG)).toMatchObject({ status: 'fail', message: '`backup` exited 2: tar: /backups: Cannot open: Permission denied' });
    const slow = fakeStack({ containers: [container('db')], runService: async () => ({ exitCode: -1, outputTail: [], timedOut: true }) });
    expect(await runStack(composeRunService, { service: 'backup', timeoutSeconds: 5 }, slow, CONFIG)).toMatchObject({ status: 'fail', message: '`backup` did not finish within 5 s' });
  });

  it('fails when a service that must keep running was restarted or stopped by the job', async () => {
    const db = container('db');
    const stack = fakeStack({
      containers: [db],
      runService: async () => {
        db.startedAt = '2026-01-01T00:01:00.000Z';
        return { exitCode: 0, outputTail: [], timedOut: false };
      },
    });
    expect(await runStack(composeRunService, { service: 'backup', keepsRunning: ['db'] }, stack, CONFIG)).toMatchObject({ status: 'fail', message: '`db` was restarted while `backup` ran' });
    const stopping = container('db');
    const stopped = fakeStack({
      containers: [stopping],
      runService: async () => {
        stopping.running = false;
        return { exitCode: 0, outputTail: [], timedOut: false };
      },
    });
    expect(await runStack(composeRunService, { service: 'backup', keepsRunning: ['db'] }, stopped, CONFIG)).toMatchObject({ status: 'fail', message: '`db` stopped while `backup` ran' });
  });

  it('fails a service the model does not have without running anything', async () => {
    const stack = fakeStack({ containers: [] });
    expect(await runStack(composeRunService, { service: 'restore' }, stack, CONFIG)).toMatchObject({ status: 'fail', message: expect.stringContaining('no service `restore` to run') });
  });
});
