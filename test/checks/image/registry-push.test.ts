import { describe, expect, it } from 'vitest';
import { expandTag, registryPush } from '../../../src/checks/image/registry-push.js';
import type { BuildVariant, ImageInspector, VariantBuild } from '../../../src/checks/kind.js';
import { FakeInspector, facts, imageContext } from './fake.js';
import { FakeRegistry } from './fake-registry.js';

const PARAMS = registryPush.params.parse(registryPush.example);

/** A Dockerfile as a function of its build args: the labels the built image gets. */
function inspectorFor(labelsFromArgs: (args: Record<string, string>) => Record<string, string>, options: { dropTag?: string; failBuild?: boolean } = {}) {
  const labels = new Map<string, Record<string, string>>();
  const registry = new FakeRegistry(labels, options);
  let builds = 0;
  const fake = new FakeInspector({
    variant: (variant: BuildVariant): VariantBuild => {
      if (options.failBuild) return { outcome: { imageId: null, failure: { step: 'Step 2/4 : LABEL', message: 'failed to process "${VERSION": missing \'}\'', lastLines: [] }, durationMs: 5, steps: 2, stepLog: [] }, image: null };
      const id = `sha256:variant${++builds}`;
      labels.set(id, labelsFromArgs(variant.buildArgs ?? {}));
      return { outcome: { imageId: id, failure: null, durationMs: 10, steps: 3, stepLog: [] }, image: facts({ id, labels: labels.get(id) }) };
    },
  });
  const inspector: ImageInspector & { variants: BuildVariant[] } = Object.assign(fake, { registry: async () => registry });
  return { inspector, registry };
}

const fromArgs = (args: Record<string, string>) => ({
  'org.opencontainers.image.version': args.VERSION!,
  'org.opencontainers.image.revision': args.REVISION!,
  'org.opencontainers.image.source': args.SOURCE!,
});

describe('image.registry-push', () => {
  it('expands tag templates from build args, {ARG:N} keeping the first N characters', () => {
    expect(expandTag('{VERSION}-{REVISION:7}', { VERSION: '1.4.2', REVISION: '0123456789abcdef' })).toBe('1.4.2-0123456');
    expect(expandTag('v{VERSION}', { VERSION: '2' })).toBe('v2');
  });

  it('passes when every tag read back names the pushed digest and the labels carry this build\'s args', async () => {
    const { inspector, registry } = inspectorFor(fromArgs);
    const verdict = await registryPush.run(PARAMS, imageContext(facts(), inspector));
    expect(verdict.status, verdict.message).toBe('pass');
    // A new random 40-hex revision, passed as the build arg, and both tags pushed from the same image.
    const args = inspector.variants[0]!.buildArgs!;
    expect(args.REVISION).toMatch(/^[0-9a-f]{40}$/);
    expect(args).toMatchObject({ VERSION: '1.4.2', SOURCE: 'https://git.example.com/shop/api' });
    expect(registry.pushes.map((push) => push.tag)).toEqual(['1.4.2', `1.4.2-${args.REVISION!.slice(0, 7)}`]);
    expect(new Set(registry.pushes.map((push) => push.imageId)).size).toBe(1);
    expect(verdict.evidence?.labels).toMatchObject({ 'org.opencontainers.image.revision': args.REVISION });
  });

  it('a new revision every verify: a label typed in by hand fails, naming the label and the value passed', async () => {
    const { inspector } = inspectorFor((args) => ({ ...fromArgs(args), 'org.opencontainers.image.revision': '3f9c2a1' }));
    const verdict = await registryPush.run(PARAMS, imageContext(facts(), inspector));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toMatch(/^label org\.opencontainers\.image\.revision is "3f9c2a1" in the pushed image, but this build passed REVISION=[0-9a-f]{40}$/);
  });

  it('missing labels are each named', async () => {
    const { inspector } = inspectorFor(() => ({ 'org.opencontainers.image.version': '1.0.0' }));
    const verdict = await registryPush.run(PARAMS, imageContext(facts(), inspector));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain('label org.opencontainers.image.version is "1.0.0" in the pushed image, but this build passed VERSION=1.4.2');
    expect(verdict.message).toContain('the pushed image has no label org.opencontainers.image.source');
  });

  it('a tag the registry does not list after the push fails: the check reads back, it does not trust the push', async () => {
    const { inspector } = inspectorFor(fromArgs, { dropTag: '1.4.2' });
    const verdict = await registryPush.run(PARAMS, imageContext(facts(), inspector));
    expect(verdict).toMatchObject({ status: 'fail', message: expect.stringContaining('the registry does not list shop/api:1.4.2') });
  });

  it('a failing build with the release args fails with its step', async () => {
    const { inspector } = inspectorFor(fromArgs, { failBuild: true });
    const verdict = await registryPush.run(PARAMS, imageContext(facts(), inspector));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain('failed at Step 2/4 : LABEL');
  });

  it('without a registry it fails, never passes', async () => {
    const verdict = await registryPush.run(PARAMS, imageContext(facts(), new FakeInspector()));
    expect(verdict.status).toBe('fail');
  });

  it('refuses an invalid repository or no label', () => {
    expect(() => registryPush.params.parse({ ...registryPush.example, repository: 'Shop/API' })).toThrow();
    expect(() => registryPush.params.parse({ ...registryPush.example, labels: {} })).toThrow();
  });
});
