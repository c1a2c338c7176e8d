import { describe, expect, it } from 'vitest';
import { DockerfileModel } from '../../../src/checks/dockerfile/model.js';
import { historyNoSecret } from '../../../src/checks/image/history-no-secret.js';
import type { ImageContext, ImageFacts, ImageLayer, LayersRead } from '../../../src/checks/kind.js';
import { LayersUnreadError } from '../../../src/engine/saved-image.js';

const TOKEN = 'shipshape-apitoken-0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const READ: LayersRead = { layout: 'oci', layers: 2, compression: { none: 1, gzip: 1, zstd: 0 }, tarBytes: 4096 };

const cleanImage: ImageFacts = {
  id: 'sha256:abc',
  size: 1,
  healthcheck: { test: ['CMD', 'sh', '/app/healthcheck.sh'], intervalNs: 1e10, timeoutNs: 3e9, startPeriodNs: 0, retries: 3 },
  user: '',
  workingDir: '/app',
  cmd: ['sh', '/app/serve.sh'],
  entrypoint: null,
  env: ['PATH=/usr/bin:/bin'],
  labels: { 'dev.shipshape.run': 'x' },
};

function layer(createdBy: string): ImageLayer {
  return { id: 'sha256:l', createdBy, size: 0, created: 0 };
}

/** An image context whose history is the given layers, oldest first (the inspector answers newest first, as docker history does). */
function context(image: ImageFacts, layersOldestFirst: string[], secrets: Record<string, string> | undefined = { api_token: TOKEN }): ImageContext {
  return {
    dockerfile: DockerfileModel.parse('Dockerfile', 'FROM debian:bookworm-slim\n'),
    workspaceDir: '/tmp',
    image,
    finalBase: null,
    secrets,
    inspector: {
      history: async () => layersOldestFirst.map(layer).reverse(),
      run: async () => { throw new Error('not used'); },
      buildVariant: async () => { throw new Error('not used'); },
      inspect: async () => null,
      pathExists: async () => false,
      starterBaseline: async () => { throw new Error('not used'); },
    },
  };
}

const run = (ctx: ImageContext) => historyNoSecret.run(historyNoSecret.params.parse({ secret: 'api_token' }), ctx);

describe('image.history-no-secret', () => {
  it('passes an image whose history and config never hold the value (files not searched when asked so)', async () => {
    const ctx = context(cleanImage, ['', 'WORKDIR /app', 'RUN /bin/sh -c sh ./fetch-catalog.sh # buildkit']);
    const verdict = await historyNoSecret.run(historyNoSecret.params.parse({ secret: 'api_token', searchFiles: false }), ctx);
    expect(verdict.status).toBe('pass');
    expect(verdict.message).toBe('the value of secret "api_token" is in none of the 3 layers\' history nor in the image config');
  });

  it('never passes when the files were to be searched but the layers could not be read', async () => {
    const ctx = context(cleanImage, ['', 'RUN /bin/sh -c cp /run/secrets/api_token /app/token && rm /app/token # buildkit']);
    // No layer reader on this connection.
    expect(await run(ctx)).toMatchObject({
      status: 'fail',
      message:
        "engine problem: the files of the image's layers could not all be read, so the value may be in one of them: this engine connection cannot read the image layers",
    });
    ctx.inspector.findText = async () => {
      throw new LayersUnreadError('layer 2 of 2 (0123456789ab) could not be read: its blob blobs/sha256/ab is missing from the archive', 2, 1);
    };
    const verdict = await run(ctx);
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe(
      "engine problem: the files of the image's layers could not all be read, so the value may be in one of them: layer 2 of 2 (0123456789ab) could not be read: its blob blobs/sha256/ab is missing from the archive",
    );
    expect(verdict.evidence).toMatchObject({ filesSearched: false, engineProblem: expect.stringContaining('missing from the archive') });
    // A leak found in the history still fails with its place, and the unread layers are noted.
    const leaky = context(cleanImage, ['', `RUN |1 API_TOKEN=${TOKEN} /bin/sh -c true # buildkit`]);
    leaky.inspector.findText = ctx.inspector.findText;
    const leaked = await run(leaky);
    expect(leaked.message).toMatch(/^the value of secret "api_token" is readable by anyone with the image: 1 place, first layer 2 of 2 \(docker history\)/);
    expect(leaked.evidence).toMatchObject({ engineProblem: expect.stringContaining('missing from the archive') });
  });

  it('names the BuildKit RUN layer an ARG leaked into, oldest first, with the value masked', async () => {
    const verdict = await run(
      context(cleanImage, ['', 'ARG API_TOKEN', `RUN |1 API_TOKEN=${TOKEN} /bin/sh -c sh ./fetch-catalog.sh # buildkit`, `RUN |1 API_TOKEN=${TOKEN} /bin/sh -c true # buildkit`]),
    );
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe(
      'the value of secret "api_token" is readable by anyone with the image: 2 places, first layer 3 of 4 (docker history): RUN |1 API_TOKEN=*** /bin/sh -c sh ./fetch-catalog.sh',
    );
    expect(JSON.stringify(verdict)).not.toContain(TOKEN);
  });

  it('finds a value an earlier verify generated, kept in a layer BuildKit took from its cache, and says so', async () => {
    const earlier = `shipshape-apitoken-${'a'.repeat(32)}`;
    const verdict = await run(context(cleanImage, ['', `RUN |1 API_TOKEN=${earlier} /bin/sh -c sh ./fetch-catalog.sh # buildkit`]));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe(
      'the value of secret "api_token" is readable by anyone with the image: 1 place, first layer 2 of 2 (docker history): RUN |1 API_TOKEN=*** /bin/sh -c sh ./fetch-catalog.sh' +
        ' (a value from an earlier verify, kept in a cached layer: BuildKit does not rebuild a step when only a secret changes)',
    );
    expect(JSON.stringify(verdict)).not.toContain(earlier);
  });

  it('finds the value in a classic-builder ENV layer and in the config Env', async () => {
    const image = { ...cleanImage, env: [...cleanImage.env, `API_TOKEN=${TOKEN}`] };
    const verdict = await run(context(image, ['', `/bin/sh -c #(nop)  ENV API_TOKEN=${TOKEN}`]));
    expect(verdict.status).toBe('fail');
    expect(verdict.evidence!.leaks).toEqual([
      { where: 'layer 2 of 2 (docker history)', text: 'ENV API_TOKEN=***' },
      { where: 'config Env API_TOKEN', text: 'API_TOKEN=***' },
    ]);
    expect(JSON.stringify(verdict)).not.toContain(TOKEN);
  });

  it('finds the value in labels, CMD, ENTRYPOINT and the health check test', async () => {
    const image: ImageFacts = {
      ...cleanImage,
      labels: { token: TOKEN },
      cmd: ['serve', `--token=${TOKEN}`],
      entrypoint: ['env', `T=${TOKEN}`],
      healthcheck: { ...cleanImage.healthcheck!, test: ['CMD-SHELL', `curl -H "X: ${TOKEN}" localhost`] },
    };
    const verdict = await run(context(image, ['']));
    expect((verdict.evidence!.leaks as Array<{ where: string }>).map((leak) => leak.where)).toEqual([
      'config Label token',
      'config Cmd',
      'config Entrypoint',
      'config Healthcheck',
    ]);
    expect(JSON.stringify(verdict)).not.toContain(TOKEN);
  });

  it('reads the files of the image\'s own layers (above the base) and names a file that holds the value', async () => {
    const ctx = context(cleanImage, ['', 'RUN /bin/sh -c cp /run/secrets/api_token /app/token # buildkit']);
    const asked: unknown[] = [];
    ctx.finalBase = { ...cleanImage, id: 'sha256:base', layerCount: 1 };
    ctx.inspector.findText = async (imageId, text, options) => {
      asked.push([imageId, text, options]);
      return { hits: [{ path: '/app/token', layer: 2, createdBy: 'RUN cp /run/secrets/api_token /app/token' }], read: READ, searchedLayers: 1 };
    };
    const verdict = await run(ctx);
    // Any value of the generated shape: a cached layer may hold an earlier verify's.
    expect(asked).toEqual([['sha256:abc', 'shipshape-apitoken-', { sinceLayer: 1 }]]);
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe(
      'the value of secret "api_token" is readable by anyone with the image: 1 place, first file /app/token in layer 2 (made by RUN cp /run/secrets/api_token /app/token): the file content holds the value',
    );
    ctx.inspector.findText = async () => ({ hits: [], read: READ, searchedLayers: 1 });
    const clean = await run(ctx);
    expect(clean.message).toBe(
      'the value of secret "api_token" is in none of the 2 layers\' history nor in the image config, nor in any file of the image\'s own 1 layer (2 layers read from docker save\'s OCI layout, 1 gzip)',
    );
    expect(clean.evidence).toMatchObject({ filesSearched: true, layersRead: READ, searchedLayers: 1 });
  });

  it('fails with a clear reason when the run has no value for the secret', async () => {
    const verdict = await run(context(cleanImage, [''], {}));
    expect(verdict).toMatchObject({
      status: 'fail',
      message: 'no value for the build secret "api_token" was given to this build; declare it under build.secrets in the manifest',
    });
  });

  it('refuses unknown parameters', () => {
    expect(historyNoSecret.params.safeParse({ secret: 'api_token', value: 'x' }).success).toBe(false);
  });
});
