import { describe, expect, it } from 'vitest';
import { buildKitSupport, builderPreference, chooseBuilder } from '../../src/engine/buildkit/choose.js';
import { UserError } from '../../src/errors.js';

const docker20 = { apiVersion: '1.41', os: 'linux', components: ['Engine', 'containerd', 'runc', 'docker-init'] };
const docker28 = { apiVersion: '1.51', os: 'linux', components: ['Engine', 'containerd', 'runc', 'docker-init'] };

describe('builderPreference', () => {
  it('--builder wins over SHIPSHAPE_BUILDER; both default to auto', () => {
    expect(builderPreference(undefined, {})).toBe('auto');
    expect(builderPreference(undefined, { SHIPSHAPE_BUILDER: 'classic' })).toBe('classic');
    expect(builderPreference('buildkit', { SHIPSHAPE_BUILDER: 'classic' })).toBe('buildkit');
    expect(builderPreference(undefined, { SHIPSHAPE_BUILDER: ' BuildKit ' })).toBe('buildkit');
  });

  it('a value that is no builder is a user error naming where it came from', () => {
    expect(() => builderPreference(undefined, { SHIPSHAPE_BUILDER: 'buildx' })).toThrow(UserError);
    expect(() => builderPreference(undefined, { SHIPSHAPE_BUILDER: 'buildx' })).toThrow(/SHIPSHAPE_BUILDER is "buildx"/);
  });
});

describe('buildKitSupport', () => {
  it('Docker 20.10 and 28 on Linux have BuildKit through the API', () => {
    expect(buildKitSupport(docker20).supported).toBe(true);
    expect(buildKitSupport(docker28).supported).toBe(true);
  });

  it('Windows engines, APIs before 1.39 and Podman do not', () => {
    expect(buildKitSupport({ ...docker28, os: 'windows' })).toMatchObject({ supported: false, reason: expect.stringMatching(/windows/) });
    expect(buildKitSupport({ ...docker20, apiVersion: '1.38' })).toMatchObject({ supported: false, reason: expect.stringMatching(/1\.38 is older than 1\.39/) });
    expect(buildKitSupport({ apiVersion: '1.41', os: 'linux', components: ['Podman Engine'] })).toMatchObject({ supported: false, reason: expect.stringMatching(/Podman/) });
  });
});

describe('chooseBuilder', () => {
  const yes = { supported: true, reason: 'the engine has BuildKit (API 1.51)' };
  const no = { supported: false, reason: 'Podman builds with Buildah, not BuildKit' };

  it('auto is BuildKit where the engine has it, classic where it does not', () => {
    expect(chooseBuilder('auto', yes, false)).toEqual({ builder: 'buildkit', reason: yes.reason });
    expect(chooseBuilder('auto', no, false)).toEqual({ builder: 'classic', reason: no.reason });
  });

  it('classic is an explicit choice, except for a challenge that needs BuildKit (build secrets)', () => {
    expect(chooseBuilder('classic', yes, false).builder).toBe('classic');
    expect(() => chooseBuilder('classic', yes, true)).toThrow(/needs BuildKit .*classic builder was asked for/);
  });

  it('BuildKit asked for, or needed, on an engine without it is a clear error, not a silent classic build', () => {
    expect(() => chooseBuilder('buildkit', no, false)).toThrow(/BuildKit was asked for, but Podman builds with Buildah/);
    expect(() => chooseBuilder('auto', no, true)).toThrow(/needs BuildKit \(build secrets\), but Podman/);
  });
});
