import { describe, expect, it } from 'vitest';
import { historyNo } from '../../../src/checks/image/history-no.js';
import type { ImageLayer } from '../../../src/checks/kind.js';
import { FakeInspector, facts, imageContext } from './fake.js';

const layer = (createdBy: string, size = 0): ImageLayer => ({ id: 'sha256:x', createdBy, size, created: 0 });

describe('image.history-no', () => {
  const check = (history: ImageLayer[]) =>
    historyNo.run(historyNo.params.parse({ pattern: 'npm_token', description: 'the npm token' }), imageContext(facts(), new FakeInspector({ history })));

  it('fails when a layer command records the pattern (case-insensitive), naming the layer and its size', async () => {
    const verdict = await check([
      layer('/bin/sh -c #(nop)  CMD ["node" "server.js"]'),
      layer('|1 NPM_TOKEN=abc123 /bin/sh -c npm ci', 2_400_000),
      layer('/bin/sh -c #(nop) ADD file:abc in /'),
    ]);
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe('1 layer of the image records the npm token, readable by anyone with the image: |1 NPM_TOKEN=abc123 /bin/sh -c npm ci (2.4 MB)');
    expect(verdict.evidence).toMatchObject({ layers: 3, matching: [{ size: 2_400_000 }] });
  });

  it('passes when no layer command matches', async () => {
    const verdict = await check([layer('/bin/sh -c npm ci'), layer('/bin/sh -c #(nop) ADD file:abc in /')]);
    expect(verdict).toMatchObject({ status: 'pass', message: "none of the 2 layers' commands mentions the npm token" });
  });
});
