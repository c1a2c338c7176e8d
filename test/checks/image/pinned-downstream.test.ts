import { describe, expect, it } from 'vitest';
import { pinnedDownstream } from '../../../src/checks/image/pinned-downstream.js';
import type { BuildVariant, VariantBuild } from '../../../src/checks/kind.js';
import { FakeInspector, facts, imageContext } from './fake.js';
import { FakeRegistry } from './fake-registry.js';

const PARAMS = pinnedDownstream.params.parse(pinnedDownstream.example);

/**
 * A downstream Dockerfile modelled by what its FROM names: the tag (APP_VERSION), the digest
 * (APP_DIGEST) or some other image. The built image inherits its base's labels, as on the engine.
 */
function setup(from: 'tag' | 'digest' | 'elsewhere' | 'broken') {
  const labels = new Map<string, Record<string, string>>([['sha256:built', { 'org.opencontainers.image.version': '1.4.2' }]]);
  const registry = new FakeRegistry(labels);
  const fake = new FakeInspector({
    variant: (variant: BuildVariant): VariantBuild => {
      if (from === 'broken') return { outcome: { imageId: null, failure: { step: 'Step 3/4 : FROM', message: 'invalid reference format', lastLines: [] }, durationMs: 5, steps: 3, stepLog: [] }, image: null };
      const args = variant.buildArgs ?? {};
      const base = from === 'tag' ? registry.resolve('shop/api', args.APP_VERSION!) : from === 'digest' ? registry.resolve('shop/api', args.APP_DIGEST!) : null;
      const image = facts({ id: 'sha256:downstream', labels: base ? { ...labels.get(base) } : {} });
      return { outcome: { imageId: image.id, failure: null, durationMs: 10, steps: 2, stepLog: [] }, image };
    },
  });
  const inspector = Object.assign(fake, { registry: async () => registry });
  return { inspector, registry };
}

describe('image.pinned-downstream', () => {
  it('passes when the downstream image was built on the released digest after the tag moved', async () => {
    const { inspector, registry } = setup('digest');
    const verdict = await pinnedDownstream.run(PARAMS, imageContext(facts(), inspector));
    expect(verdict.status, verdict.message).toBe('pass');
    // Two pushes to the same tag, of two different images; the downstream got the first one's digest.
    expect(registry.pushes.map((push) => push.tag)).toEqual(['1.4.2', '1.4.2']);
    expect(registry.pushes[0]!.imageId).not.toBe(registry.pushes[1]!.imageId);
    const args = inspector.variants[0]!.buildArgs!;
    expect(args).toEqual({ REGISTRY: registry.address, APP_VERSION: '1.4.2', APP_DIGEST: FakeRegistry.digestOf(registry.pushes[0]!.imageId) });
    expect(inspector.variants[0]!.dockerfile).toBe('downstream/Dockerfile');
    expect(verdict.evidence).toMatchObject({ builtOn: 'released digest' });
    expect(verdict.evidence?.tagNowAt).not.toBe(verdict.evidence?.releasedDigest);
  });

  it('fails a FROM that follows the tag: it got the image pushed over it', async () => {
    const verdict = await pinnedDownstream.run(PARAMS, imageContext(facts(), setup('tag').inspector));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain('its FROM follows the tag, not the released digest');
    expect(verdict.hint).toContain('@${APP_DIGEST}');
    expect(verdict.evidence).toMatchObject({ builtOn: 'moved tag' });
  });

  it('fails a downstream built on some other image, and a build that fails', async () => {
    expect(await pinnedDownstream.run(PARAMS, imageContext(facts(), setup('elsewhere').inspector))).toMatchObject({
      status: 'fail',
      evidence: { builtOn: 'another image' },
    });
    const broken = await pinnedDownstream.run(PARAMS, imageContext(facts(), setup('broken').inspector));
    expect(broken.status).toBe('fail');
    expect(broken.message).toContain('failed at Step 3/4 : FROM: invalid reference format');
  });

  it('without a registry it fails, never passes', async () => {
    expect((await pinnedDownstream.run(PARAMS, imageContext(facts(), new FakeInspector()))).status).toBe('fail');
  });

  it('refuses a Dockerfile path outside the workspace', () => {
    expect(() => pinnedDownstream.params.parse({ ...pinnedDownstream.example, dockerfile: '../Dockerfile' })).toThrow();
    expect(() => pinnedDownstream.params.parse({ ...pinnedDownstream.example, dockerfile: '/etc/Dockerfile' })).toThrow();
  });
});
