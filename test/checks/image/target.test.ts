import { describe, expect, it } from 'vitest';
import { buildTarget } from '../../../src/checks/image/target.js';
import type { VariantBuild } from '../../../src/checks/kind.js';
import { FakeInspector, commandRun, facts, imageContext } from '../image/fake.js';

function built(id: string): VariantBuild {
  return { outcome: { imageId: id, failure: null, durationMs: 1200, steps: 5, stepLog: [] }, image: facts({ id, size: 150_000_000 }) };
}

describe('build.target', () => {
  it('builds the named target and looks for paths and runs the command in THAT image', async () => {
    const inspector = new FakeInspector({
      variant: (variant) => built(`sha256:${variant.target}`),
      paths: { 'sha256:test': ['/app/tests/test_greeter.py'] },
      run: () => commandRun({ stdout: 'OK\n' }),
    });
    const params = buildTarget.params.parse({ target: 'test', present: ['/app/tests/test_greeter.py'], absent: ['/app/.env'], command: ['python', '-m', 'unittest'] });
    const verdict = await buildTarget.run(params, imageContext(facts(), inspector));
    expect(verdict.status).toBe('pass');
    expect(inspector.variants).toEqual([{ target: 'test' }]);
    expect(inspector.pathQueries.map((query) => query.imageId)).toEqual(['sha256:test', 'sha256:test']);
    expect(inspector.runs[0]).toMatchObject({ imageId: 'sha256:test', command: ['python', '-m', 'unittest'] });
    expect(verdict.message).toContain('/app/tests/test_greeter.py present; /app/.env absent; `python -m unittest` passed');
  });

  it('fails listing every path that is wrong and a failing command', async () => {
    const inspector = new FakeInspector({
      variant: () => built('sha256:prod'),
      paths: { 'sha256:prod': ['/app/tests'] },
      run: () => commandRun({ exitCode: 1, stderr: 'ModuleNotFoundError: No module named greeter' }),
    });
    const params = buildTarget.params.parse({ target: 'prod', present: ['/app/greeter'], absent: ['/app/tests'], command: ['python', '-c', 'import greeter'] });
    const verdict = await buildTarget.run(params, imageContext(facts(), inspector));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe(
      'in target prod: /app/greeter is missing; /app/tests is there but must not be; `python -c "import greeter"`: exited with 1, expected 0: ModuleNotFoundError: No module named greeter',
    );
  });

  it('says plainly when the stage does not exist, and shows the failing step otherwise', async () => {
    const missing = new FakeInspector({
      variant: () => ({ outcome: { imageId: null, failure: { step: null, message: 'failed to reach build target test in Dockerfile', lastLines: [] }, durationMs: 50, steps: 0, stepLog: [] }, image: null }),
    });
    const params = buildTarget.params.parse({ target: 'test' });
    expect(await buildTarget.run(params, imageContext(facts(), missing))).toMatchObject({ status: 'fail', message: 'the Dockerfile has no stage named test' });
    const failing = new FakeInspector({
      variant: () => ({ outcome: { imageId: null, failure: { step: 'Step 7/7 : RUN python -m unittest', message: "The command returned a non-zero code: 1", lastLines: ['FAILED (failures=1)'] }, durationMs: 50, steps: 7, stepLog: [] }, image: null }),
    });
    const verdict = await buildTarget.run(params, imageContext(facts(), failing));
    expect(verdict.message).toBe('building target test failed at Step 7/7 : RUN python -m unittest: The command returned a non-zero code: 1');
    expect(verdict.evidence).toMatchObject({ lastLines: ['FAILED (failures=1)'] });
  });
});
