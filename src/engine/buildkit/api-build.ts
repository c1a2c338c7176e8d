import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BuildFailure } from '../../checks/kind.js';
import { errorMessage } from '../../errors.js';
import type { BuildRequest, BuildResult } from '../build.js';
import { type Engine, engineAnswers } from '../connect.js';
import { type BuildContextPlan, packBuildContext } from '../context.js';
import type { RunScope } from '../scope.js';
import { attributeBuildCache, buildCacheIds } from './cache.js';
import { BUILDKIT_REFUSED } from './choose.js';
import { type BuildSession, openSession } from './session.js';
import { TraceProgress } from './trace.js';

const MASK = '***';
const CONNECTION_LOST = /ECONNRESET|ECONNREFUSED|EPIPE|ENOENT|socket hang up|premature close/i;

/** Why the API path could not even start; the caller may fall back (CLI, classic). */
export class BuildKitUnavailable extends Error {
  constructor(
    message: string,
    /** The engine answered version=2 with "no BuildKit here". */
    readonly refused: boolean,
  ) {
    super(message);
  }
}

/**
 * Builds with BuildKit through the Engine API (`POST /build?version=2`), as `docker build` does since
 * Docker 23: a session of our own serves the build secrets, the context is the same tar the classic path
 * sends, the run's labels go on the image, and the `moby.buildkit.trace` messages become step events.
 * Cancel and the time limit close the stream and ask the engine to cancel the build by its id.
 */
export async function buildWithBuildKit(
  engine: Engine,
  scope: RunScope,
  request: BuildRequest,
  context: BuildContextPlan,
  started: number,
): Promise<BuildResult> {
  const dockerfile = request.dockerfile ?? 'Dockerfile';
  const secrets = request.secrets ?? [];
  const masked = [...secrets.map((secret) => secret.value), ...Object.values(request.maskValues ?? {})].filter((value) => value.length >= 4);
  const mask = (line: string) => masked.reduce((text, value) => text.split(value).join(MASK), line);
  const progress = new TraceProgress(mask, request.onEvent);

  // The cache is read before the build (to tell this build's records apart) while the session opens.
  const cacheReading = buildCacheIds(engine);
  let session: BuildSession;
  try {
    session = await openSession(engine, secrets);
  } catch (error) {
    await cacheReading;
    // An HTTP answer (404: no /session endpoint) is the engine saying no: no CLI can do better there.
    const answered = typeof (error as { statusCode?: unknown }).statusCode === 'number';
    throw new BuildKitUnavailable(`could not open a BuildKit session on the engine: ${errorMessage(error)}`, answered);
  }

  const buildId = `shipshape-${randomBytes(8).toString('hex')}`;
  const abort = new AbortController();
  let timedOut = false;
  let cancelled = false;
  const stop = () => {
    abort.abort();
    void cancelBuild(engine, buildId);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, request.timeoutMs);
  const onCancel = () => {
    cancelled = true;
    stop();
  };
  if (request.signal?.aborted) onCancel();
  request.signal?.addEventListener('abort', onCancel, { once: true });

  const cacheBefore = await cacheReading;
  let failure: BuildFailure | null = null;
  let engineLost = false;
  let refused: string | null = null;
  try {
    const stream = await dialBuild(engine, packBuildContext(context), {
      version: '2',
      session: session.id,
      buildid: buildId,
      dockerfile,
      labels: JSON.stringify(scope.labels),
      ...(request.tag ? { t: request.tag } : {}),
      ...(request.noCache ? { nocache: 'true' } : {}),
      ...(request.target ? { target: request.target } : {}),
      ...(request.buildArgs ? { buildargs: JSON.stringify(request.buildArgs) } : {}),
    }, abort.signal);
    await consume(stream, progress, abort.signal);
    progress.end();
    failure = progress.failure();
  } catch (error) {
    progress.end();
    const text = `${(error as NodeJS.ErrnoException).code ?? ''} ${errorMessage(error)}`;
    if (!abort.signal.aborted && BUILDKIT_REFUSED.test(text)) refused = errorMessage(error);
    engineLost = !abort.signal.aborted && !refused && CONNECTION_LOST.test(text);
    failure = {
      step: progress.currentStep,
      message: abort.signal.aborted ? 'the build was cancelled' : describeEngineError(error),
      lastLines: progress.tail(),
    };
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onCancel);
    session.close();
  }
  if (refused) throw new BuildKitUnavailable(`the engine refused a BuildKit build: ${refused}`, true);

  if (timedOut) {
    failure = { step: progress.currentStep, message: `the build took longer than ${Math.round(request.timeoutMs / 1000)} s and was stopped`, lastLines: progress.tail() };
  } else if (cancelled || abort.signal.aborted) {
    failure = { step: progress.currentStep, message: 'the build was cancelled', lastLines: progress.tail() };
  }
  let imageId = failure ? null : progress.imageId;
  if (!failure && !imageId) {
    // A stream that simply stops, with no error message and no image, is a connection the engine dropped.
    engineLost = !(await engineAnswers(engine));
    failure = {
      step: progress.currentStep,
      message: engineLost ? 'the engine stopped answering during the build' : 'the build ended without producing an image',
      lastLines: progress.tail(),
    };
  }
  // Only an image carrying this run's label is ours to remove later; never a base image.
  if (imageId) imageId = await scope.adoptBuiltImage(imageId);
  // After a cancel the engine may still be writing cache: what it left is accounted for all the same.
  const cache = await attributeBuildCache(engine, scope, cacheBefore, started, request.runCommands ?? [], request.ownChanges ?? false);
  return {
    imageId,
    failure,
    durationMs: Date.now() - started,
    steps: progress.stepLog.length,
    stepLog: progress.stepLog,
    builder: 'buildkit',
    buildCache: cache,
    context,
    missingBaseImage: failure && !timedOut && !cancelled ? progress.missingBase(failure) : null,
    frontendUnavailable: failure ? progress.frontendImage : null,
    engineLost,
    secretsRequested: [...session.requested],
    ...(timedOut ? { stoppedBy: 'timeout' as const } : cancelled || abort.signal.aborted ? { stoppedBy: 'cancel' as const } : {}),
  };
}

/** `POST /build` with our own query: dockerode's buildImage would open its own session for version 2. */
function dialBuild(engine: Engine, body: Readable, query: Record<string, string>, signal: AbortSignal): Promise<Readable> {
  const modem = engine.docker.modem as unknown as {
    dial(options: unknown, callback: (error: unknown, data: unknown) => void): void;
  };
  return new Promise((resolve, reject) =>
    modem.dial(
      {
        path: '/build?',
        method: 'POST',
        file: body,
        options: query,
        abortSignal: signal,
        isStream: true,
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
      },
      (error, data) => (error ? reject(error) : resolve(data as Readable)),
    ),
  );
}

async function consume(stream: Readable, progress: TraceProgress, signal: AbortSignal): Promise<void> {
  // An abort must end the wait at once (Ctrl-C within a second), even if the engine keeps the stream open.
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      stream.destroy();
      resolve();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer) => progress.feed(chunk));
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', (error) => (signal.aborted ? resolve() : reject(error)));
  });
}

/** `POST /build/cancel?id=`: the engine stops the solve; best effort and bounded (the stream is closed anyway). */
async function cancelBuild(engine: Engine, buildId: string): Promise<void> {
  const modem = engine.docker.modem as unknown as { dial(options: unknown, callback: (error: unknown) => void): void };
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    modem.dial({ path: '/build/cancel?', method: 'POST', options: { id: buildId }, statusCodes: { 200: true, 204: true, 404: true, 500: 'server error' } }, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A 400 on /build is the engine refusing the request or the Dockerfile itself. */
function describeEngineError(error: unknown): string {
  const status = (error as { statusCode?: number }).statusCode;
  const detail = errorMessage(error).replace(/^\(HTTP code \d+\)\s*[\w ]*-\s*/, '').trim();
  if (status === 400) return `the engine rejected the Dockerfile: ${detail}`;
  return `the engine stopped the build: ${detail}`;
}
