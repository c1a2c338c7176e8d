import { describe, expect, it } from 'vitest';
import { buildSucceeds } from '../../../src/checks/build/succeeds.js';
import { DockerfileModel } from '../../../src/checks/dockerfile/model.js';
import type { BuildContext, BuildOutcome } from '../../../src/checks/kind.js';

function run(source: string, build: Partial<BuildOutcome>) {
  const context: BuildContext = {
    dockerfile: DockerfileModel.parse('Dockerfile', source),
    workspaceDir: '/tmp',
    build: { imageId: null, failure: null, durationMs: 1200, steps: 3, stepLog: [], ...build },
  };
  return buildSucceeds.run({}, context);
}

const HEREDOC = 'FROM debian:bookworm-slim\nWORKDIR /app\nRUN <<EOF\necho hi > /hi\nEOF\nCMD ["cat", "/hi"]\n';

describe('build.succeeds', () => {
  it('passes when the engine produced an image with no error, with the steps and time', async () => {
    const verdict = await run('FROM debian:bookworm-slim\n', { imageId: 'sha256:built', steps: 3, durationMs: 1200, builder: 'classic' });
    expect(verdict).toEqual({
      status: 'pass',
      message: 'built in 1.2 s (3 steps)',
      evidence: { imageId: 'sha256:built', steps: 3, durationMs: 1200, builder: 'classic' },
    });
  });

  it('fails a failed step with the step, the error and its last output', async () => {
    const verdict = await run('FROM debian:bookworm-slim\nRUN exit 3\n', {
      failure: { step: 'Step 2/2 : RUN exit 3', message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3", lastLines: ['about to fail'] },
    });
    expect(verdict).toMatchObject({
      status: 'fail',
      message: "build failed at Step 2/2 : RUN exit 3: The command '/bin/sh -c exit 3' returned a non-zero code: 3",
      evidence: { step: 'Step 2/2 : RUN exit 3', lastLines: ['about to fail'] },
    });
  });

  it('fails when no image id came back, even without an error', async () => {
    expect(await run('FROM debian:bookworm-slim\n', { imageId: null, failure: null })).toMatchObject({ status: 'fail', message: 'build failed: no image was produced' });
  });
});

describe('build.succeeds messages for input the engine cannot take', () => {
  it('explains an "unknown instruction" that is really a heredoc body line, naming the RUN that opened it', async () => {
    const verdict = await run(HEREDOC, {
      failure: { step: null, message: 'the engine rejected the Dockerfile: dockerfile parse error line 4: unknown instruction: ECHO', lastLines: [] },
    });
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain('line 4 is inside the heredoc EOF opened by RUN at line 3');
    expect(verdict.message).toContain('does not support heredocs');
  });

  it('explains it in CRLF files with a BOM too', async () => {
    const verdict = await run(`\uFEFF${HEREDOC.replace(/\n/g, '\r\n')}`, {
      failure: { step: null, message: 'dockerfile parse error line 4: unknown instruction: ECHO', lastLines: [] },
    });
    expect(verdict.message).toContain('line 4 is inside the heredoc EOF opened by RUN at line 3');
  });

  it('leaves a genuine unknown instruction alone', async () => {
    const verdict = await run('FROM debian:bookworm-slim\nFOO bar\n', {
      failure: { step: null, message: 'the engine rejected the Dockerfile: dockerfile parse error line 2: unknown instruction: FOO', lastLines: [] },
    });
    expect(verdict.message).toBe('build failed: the engine rejected the Dockerfile: dockerfile parse error line 2: unknown instruction: FOO');
  });

  it('notes a `# syntax=` line the classic builder ignored, but not for BuildKit builds', async () => {
    const source = '# syntax=docker/dockerfile:1.4\nFROM debian:bookworm-slim\n';
    const classic = await run(source, { imageId: 'sha256:x', builder: 'classic' });
    expect(classic.status).toBe('pass');
    expect(classic.message).toBe(
      'built in 1.2 s (3 steps); note: the `# syntax=docker/dockerfile:1.4` line was ignored: the classic builder always uses its built-in Dockerfile frontend',
    );
    for (const builder of ['buildkit', 'buildkit-cli'] as const) {
      const buildkit = await run(source, { imageId: 'sha256:x', builder });
      expect(buildkit.message).toBe('built in 1.2 s (3 steps)');
    }
    const comment = await run('FROM debian:bookworm-slim\n# syntax=docker/dockerfile:1.4\n', { imageId: 'sha256:x', builder: 'classic' });
    expect(comment.message).toBe('built in 1.2 s (3 steps)');
  });

  it('names the line of a `# syntax=` frontend BuildKit could not fetch', async () => {
    const source = '# escape=\\\n# syntax=docker/dockerfile:1.7\nFROM debian:bookworm-slim\n';
    const failed = await run(source, {
      imageId: null,
      builder: 'buildkit',
      failure: {
        step: null,
        message: 'the `# syntax=` line asks BuildKit for the Dockerfile frontend image docker/dockerfile:1.7, which is not on the engine and could not be fetched',
        lastLines: [],
      },
    });
    expect(failed.status).toBe('fail');
    expect(failed.message).toBe(
      'build failed: the `# syntax=docker/dockerfile:1.7` line (line 2 of the Dockerfile) asks BuildKit for the Dockerfile frontend image docker/dockerfile:1.7, which is not on the engine and could not be fetched',
    );
  });
});
