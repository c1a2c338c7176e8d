import { randomBytes } from 'node:crypto';
import { type LocalRegistry, MARKER_LABEL, type RegistryManifest } from '../checks/kind.js';
import { EngineProblemError, errorMessage } from '../errors.js';
import type { Engine } from './connect.js';
import { createIdleContainer } from './inspect.js';
import { DEFAULT_LIMITS, hostConfigFor } from './run.js';
import type { RunScope } from './scope.js';
import { waitFor } from '../wait.js';

/** The registry image: the real `registry:2` where it was pulled, the stand-in (scripts/stand-ins/registry) offline. */
export const REGISTRY_IMAGE = process.env.SHIPSHAPE_REGISTRY_IMAGE?.trim() || 'registry:2';
const READY_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 15_000;

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

/**
 * Starts a registry for this run: a container of ours (run labels, limits, no privileges) publishing
 * port 5000 on an ephemeral 127.0.0.1 port of the engine's host, removed with the run's scope. Every
 * engine treats 127.0.0.0/8 registries as insecure-allowed, so plain HTTP pushes and pulls work.
 */
export async function startRegistry(engine: Engine, scope: RunScope, options: { signal?: AbortSignal } = {}): Promise<LocalRegistry> {
  let image = await engine.docker.getImage(REGISTRY_IMAGE).inspect().catch(() => null);
  // Not there yet: pulled once, as a base image is (it stays, like the challenges' base images).
  if (!image) image = await pullImage(engine, REGISTRY_IMAGE).then(() => engine.docker.getImage(REGISTRY_IMAGE).inspect()).catch(() => null);
  if (!image) {
    throw new EngineProblemError(
      `the registry image ${REGISTRY_IMAGE} is not on the engine, so no registry could be started for this check: pull it once (\`docker pull ${REGISTRY_IMAGE}\`), or offline build the stand-in (\`bash scripts/stand-ins/build.sh registry:2\`)`,
    );
  }
  const container = await engine.docker.createContainer({
    Image: REGISTRY_IMAGE,
    Labels: scope.labels,
    ExposedPorts: { '5000/tcp': {} },
    HostConfig: { ...hostConfigFor(DEFAULT_LIMITS), PortBindings: { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
  });
  scope.trackContainer(container.id);
  await container.start();
  const ports = (await container.inspect()).NetworkSettings.Ports?.['5000/tcp'] ?? [];
  const hostPort = ports.find((binding) => binding.HostIp === '127.0.0.1')?.HostPort ?? ports[0]?.HostPort;
  if (!hostPort) throw new EngineProblemError('The run\'s registry container published no port for 5000/tcp.');
  const address = `127.0.0.1:${hostPort}`;
  let lastError = '';
  const answered = await waitFor(
    async () => {
      try {
        const response = await fetchWithin(`http://${address}/v2/`, {}, 2000);
        if (response.status === 200) return true;
        lastError = `HTTP ${response.status}`;
      } catch (error) {
        lastError = errorMessage(error);
      }
      const state = (await container.inspect()).State;
      if (!state.Running) throw new EngineProblemError(`The run's registry (${REGISTRY_IMAGE}) exited with code ${state.ExitCode} before it answered.`);
      return false;
    },
    { interval: 150, deadline: Date.now() + READY_TIMEOUT_MS, signal: options.signal },
  );
  if (!answered.ready && answered.reason === 'aborted') throw new EngineProblemError('cancelled while the registry started');
  if (!answered.ready) {
    throw new EngineProblemError(`The run's registry on ${address} did not answer /v2/ within ${READY_TIMEOUT_MS / 1000} s (${lastError}): the engine must publish ports on this machine's 127.0.0.1 (a remote engine cannot serve this check).`);
  }
  return registryClient(engine, scope, address);
}

async function pullImage(engine: Engine, ref: string): Promise<void> {
  const stream = (await engine.docker.pull(ref)) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => engine.docker.modem.followProgress(stream, (error: unknown) => (error ? reject(error) : resolve())));
}

/**
 * A GET bounded in time, its body read in full. The timer is a referenced one on purpose: while a
 * connection to a registry that is still starting waits, nothing else may keep Node's event loop alive
 * (AbortSignal.timeout's timer does not), and the process would end mid-run without cleaning up.
 */
async function fetchWithin(url: string, init: { headers?: Record<string, string> }, timeoutMs: number): Promise<{ status: number; headers: Headers; body: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer from ${url} within ${timeoutMs / 1000} s`)), timeoutMs);
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    return { status: response.status, headers: response.headers, body: await response.text() };
  } finally {
    clearTimeout(timer);
  }
}

function registryClient(engine: Engine, scope: RunScope, address: string): LocalRegistry {
  const base = `http://${address}/v2`;
  async function getJson(url: string, accept?: string[]): Promise<{ status: number; digest: string | null; mediaType: string; body: unknown }> {
    const response = await fetchWithin(url, { headers: accept ? { Accept: accept.join(', ') } : {} }, REQUEST_TIMEOUT_MS);
    const text = response.body;
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return { status: response.status, digest: response.headers.get('docker-content-digest'), mediaType: (response.headers.get('content-type') ?? '').split(';')[0]!.trim(), body };
  }

  const client: LocalRegistry = {
    address,
    async push(imageId, repository, tag) {
      const reference = `${address}/${repository}`;
      await engine.docker.getImage(imageId).tag({ repo: reference, tag });
      // The engine wants an X-Registry-Auth header on a push, even an empty one for a registry without auth.
      const stream = (await engine.docker.getImage(`${reference}:${tag}`).push({ authconfig: { username: '', password: '', serveraddress: address } } as never)) as unknown as NodeJS.ReadableStream;
      const messages = await new Promise<Array<{ error?: string; aux?: { Digest?: string } }>>((resolve, reject) =>
        engine.docker.modem.followProgress(stream, (error: unknown, output: unknown[]) => (error ? reject(error) : resolve(output as never))),
      );
      const failed = messages.find((message) => message.error);
      if (failed) throw new EngineProblemError(`pushing ${reference}:${tag} failed: ${failed.error}`);
      const found = await client.manifest(repository, tag);
      if (!found) throw new EngineProblemError(`the registry has no ${repository}:${tag} after the push`);
      return { digest: found.digest, reference: `${reference}:${tag}` };
    },
    async manifest(repository, reference) {
      const got = await getJson(`${base}/${repository}/manifests/${reference}`, MANIFEST_TYPES);
      if (got.status === 404) return null;
      if (got.status !== 200 || !got.digest) throw new EngineProblemError(`the registry answered HTTP ${got.status} for ${repository}:${reference}`);
      const body = (got.body ?? {}) as { mediaType?: string; manifests?: Array<{ digest: string; platform?: { os?: string; architecture?: string } }>; config?: { digest: string }; layers?: unknown[] };
      const mediaType = body.mediaType ?? got.mediaType;
      const result: RegistryManifest = { digest: got.digest, mediaType, labels: {}, layers: body.layers?.length ?? 0 };
      if (body.manifests) {
        result.platforms = body.manifests.map((entry) => ({ digest: entry.digest, os: entry.platform?.os ?? '', architecture: entry.platform?.architecture ?? '' }));
      } else if (body.config?.digest) {
        const config = await getJson(`${base}/${repository}/blobs/${body.config.digest}`);
        const parsed = (config.body ?? {}) as { config?: { Labels?: Record<string, string> | null }; architecture?: string; os?: string };
        result.labels = parsed.config?.Labels ?? {};
        result.os = parsed.os;
        result.architecture = parsed.architecture;
      }
      return result;
    },
    async tags(repository) {
      const got = await getJson(`${base}/${repository}/tags/list`);
      if (got.status === 404) return [];
      return ((got.body ?? {}) as { tags?: string[] | null }).tags ?? [];
    },
    async markedCopy(imageId) {
      // A distinct image of ours with the same content: a never-started container of the original,
      // committed with a marker label that every image built on it inherits.
      const marker = randomBytes(8).toString('hex');
      const container = await createIdleContainer(engine, scope, imageId);
      try {
        const original = await engine.docker.getImage(imageId).inspect();
        // The commit's body is the new image's config (dockerode would put plain options in the query).
        const committed = (await (container.commit as (options: unknown) => Promise<unknown>)({
          _query: { container: container.id },
          _body: {
            ...original.Config,
            Labels: { ...(original.Config?.Labels ?? {}), ...scope.labels, [MARKER_LABEL]: marker },
          },
        })) as { Id: string };
        scope.trackImage(committed.Id);
        return { imageId: committed.Id, marker };
      } finally {
        await container.remove({ force: true, v: true }).catch(() => undefined);
      }
    },
  };
  return client;
}
