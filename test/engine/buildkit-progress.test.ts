import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../src/engine/build.js';
import { PlainProgress, findDockerCli } from '../../src/engine/buildkit.js';
import { UserError } from '../../src/errors.js';

// Output of `DOCKER_BUILDKIT=1 docker build --progress=plain` on Docker 20.10, recorded on the engine.
const FAILING_RUN = `#1 [internal] load remote build context
#1 DONE 0.0s

#2 copy /context /
#2 DONE 0.0s

#3 [internal] load metadata for docker.io/library/debian:bookworm-slim
#3 DONE 0.0s

#4 [1/4] FROM docker.io/library/debian:bookworm-slim
#4 sha256:56bf5dcd38ee2f60f646b15b1b91e40b5e8375a457572f890edbccbd17190813
#4 CACHED

#5 [2/4] RUN --mount=type=secret,id=api_token test -s /run/secrets/api_token && echo "len $(wc -c < /run/secrets/api_token)"
#5 sha256:c8b7a47fac748473e064bdbf8327172a1cb9f5f03df938a20576ba0b37652a96
#5 0.164 len 6
#5 DONE 0.2s

#6 [3/4] RUN echo "token is abc123secret" > /tmp/x
#6 DONE 0.3s

#7 [4/4] RUN echo about to fail && false
#7 0.201 about to fail
#7 ERROR: executor failed running [/bin/sh -c echo about to fail && false]: exit code: 1
------
 > [4/4] RUN echo about to fail && false:
------
executor failed running [/bin/sh -c echo about to fail && false]: exit code: 1
`;

const MISSING_BASE = `#3 [internal] load metadata for docker.io/library/nosuchimage:1.0
#3 ERROR: failed to do request: Head "https://registry-1.docker.io/v2/library/nosuchimage/manifests/1.0": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host
------
 > [internal] load metadata for docker.io/library/nosuchimage:1.0:
------
failed to solve with frontend dockerfile.v0: failed to create LLB definition: failed to do request: Head "https://registry-1.docker.io/v2/library/nosuchimage/manifests/1.0": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host
`;

const SYNTAX_OFFLINE = `#3 resolve image config for docker.io/docker/dockerfile:1
#3 ERROR: failed to do request: Head "https://registry-1.docker.io/v2/docker/dockerfile/manifests/1": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host
------
 > resolve image config for docker.io/docker/dockerfile:1:
------
failed to solve with frontend dockerfile.v0: failed to solve with frontend gateway.v0: failed to do request: Head "https://registry-1.docker.io/v2/docker/dockerfile/manifests/1": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host
`;

const PARSE_ERROR = `#1 [internal] load build definition from Dockerfile
#1 DONE 0.0s

#2 [internal] load .dockerignore
#2 transferring context: 2B done
#2 DONE 0.0s
failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 3: unknown instruction: ECHO
`;

function progressOf(text: string, chunkSize = 7) {
  const events: BuildEvent[] = [];
  const progress = new PlainProgress((line) => line.split('abc123secret').join('***'), (event) => events.push(event));
  // Fed in small pieces: lines arrive split across chunks.
  for (let offset = 0; offset < text.length; offset += chunkSize) progress.feed(text.slice(offset, offset + chunkSize));
  progress.end();
  return { progress, events };
}

describe('BuildKit plain progress', () => {
  it('turns steps into step events, marks cached ones, and names the failing step with its output', () => {
    const { progress, events } = progressOf(FAILING_RUN);
    expect(events.filter((event) => event.type === 'step')).toEqual([
      { type: 'step', index: 1, total: 4, instruction: 'FROM docker.io/library/debian:bookworm-slim' },
      { type: 'step', index: 2, total: 4, instruction: 'RUN --mount=type=secret,id=api_token test -s /run/secrets/api_token && echo "len $(wc -c < /run/secrets/api_token)"' },
      { type: 'step', index: 3, total: 4, instruction: 'RUN echo "token is ***" > /tmp/x' },
      { type: 'step', index: 4, total: 4, instruction: 'RUN echo about to fail && false' },
    ]);
    expect(progress.stepLog.map((step) => step.cached)).toEqual([true, false, false, false]);
    const failure = progress.failure(1);
    expect(failure).toEqual({
      step: 'Step 4/4 : RUN echo about to fail && false',
      message: 'executor failed running [/bin/sh -c echo about to fail && false]: exit code: 1',
      lastLines: ['len 6', 'about to fail'],
    });
    expect(progress.missingBase(failure)).toBeNull();
    expect(JSON.stringify(events)).not.toContain('abc123secret');
  });

  it('recognises a base image that is neither local nor pullable', () => {
    const { progress } = progressOf(MISSING_BASE);
    const failure = progress.failure(1);
    expect(failure.message).toMatch(/^the engine rejected the Dockerfile: failed to do request: .*no such host$/);
    expect(progress.missingBase(failure)).toBe('nosuchimage:1.0');
  });

  it('explains a `# syntax=` frontend image that cannot be fetched offline', () => {
    const { progress } = progressOf(SYNTAX_OFFLINE);
    const failure = progress.failure(1);
    expect(progress.frontendImage).toBe('docker/dockerfile:1');
    expect(failure.message).toBe(
      "the `# syntax=` line asks BuildKit for the Dockerfile frontend image docker/dockerfile:1, which is not on the engine and could not be pulled (no registry reachable); remove the `# syntax=` line to use the engine's built-in frontend",
    );
    expect(progress.missingBase(failure)).toBeNull();
  });

  it('reports a Dockerfile the frontend rejects with the line it names', () => {
    const { progress } = progressOf(PARSE_ERROR, 1000);
    expect(progress.failure(1)).toEqual({
      step: null,
      message: 'the engine rejected the Dockerfile: dockerfile parse error line 3: unknown instruction: ECHO',
      lastLines: [],
    });
  });

  it('handles CRLF output and ANSI colour codes', () => {
    const { events } = progressOf('#4 [1/1] RUN echo hi\r\n#4 0.100 \u001b[32mhi\u001b[0m\r\n#4 DONE 0.1s\r\n');
    expect(events).toEqual([
      { type: 'step', index: 1, total: 1, instruction: 'RUN echo hi' },
      { type: 'output', line: 'hi' },
    ]);
  });
});

describe('finding the docker CLI', () => {
  it('takes the preferred path, else the first docker on PATH, else a clear error', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-cli-'));
    try {
      const fake = path.join(dir, 'docker');
      await writeFile(fake, '#!/bin/sh\n');
      await chmod(fake, 0o755);
      expect(await findDockerCli({ PATH: dir }, path.join(dir, 'nope'))).toBe(fake);
      const error = await findDockerCli({ PATH: path.join(dir, 'empty') }, path.join(dir, 'nope')).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).exitCode).toBe(2);
      expect((error as UserError).message).toBe(
        `This challenge builds with BuildKit (it uses build secrets), which needs the docker command-line client, and none was found (tried ${path.join(dir, 'nope')} and PATH).`,
      );
      expect((error as UserError).suggestion).toContain('Install the Docker CLI');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
