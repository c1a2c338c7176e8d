import { describe, expect, it } from 'vitest';
import { DockerfileModel } from '../../src/checks/dockerfile/model.js';
import { BuildSettingsSchema } from '../../src/course/manifest.js';
import { planBuild } from '../../src/grading/verify.js';

const DOCKERFILE = DockerfileModel.parse(
  'Dockerfile',
  'FROM debian:bookworm-slim AS build\nARG API_TOKEN\nRUN --mount=type=secret,id=api_token sh ./fetch.sh \\\n    --quiet\nFROM build\nRUN ["sh", "-c", "echo done"]\n',
);

describe('planning the builds of one verify', () => {
  it('makes a new random value per secret and verify, passes it as the declared build arg too, and masks it', () => {
    const settings = BuildSettingsSchema.parse({ buildkit: true, secrets: [{ id: 'api_token', buildArg: 'API_TOKEN' }, { id: 'other' }], args: { APP: '1' } });
    const first = planBuild(settings, DOCKERFILE);
    const second = planBuild(settings, DOCKERFILE);
    const [token, other] = first.secrets;
    expect(token!.value).toMatch(/^shipshape-apitoken-[0-9a-f]{32}$/);
    expect(other!.value).toMatch(/^shipshape-other-[0-9a-f]{32}$/);
    expect(second.secrets[0]!.value).not.toBe(token!.value);
    expect(first.request).toEqual({
      buildkit: true,
      buildArgs: { APP: '1', API_TOKEN: token!.value },
      secrets: [
        { id: 'api_token', value: token!.value },
        { id: 'other', value: other!.value },
      ],
      maskValues: { API_TOKEN: token!.value },
      // As BuildKit describes its cache records (flags dropped, continuations joined, exec form as argv), spaces collapsed.
      runCommands: ['sh ./fetch.sh --quiet', 'sh -c echo done'],
    });
  });

  it('a classic build gets only the fixed args, and nothing at all by default', () => {
    expect(planBuild(BuildSettingsSchema.parse({ args: { A: 'b' } }), DOCKERFILE).request).toEqual({ buildkit: false, buildArgs: { A: 'b' } });
    expect(planBuild(BuildSettingsSchema.parse({}), DOCKERFILE)).toEqual({ secrets: [], request: { buildkit: false } });
  });
});
