import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BuildVariant, VariantBuild } from '../checks/kind.js';
import { UserError } from '../errors.js';
import { type BuildRequest, buildImage } from './build.js';
import type { Engine } from './connect.js';
import { inspectImage } from './inspect.js';
import type { RunScope } from './scope.js';

const STATE_DIR = '.shipshape';

/**
 * Builds the workspace again with another target, build args or changed files, in the same run:
 * the layer cache of the first build is still there, and every image goes with the run's scope.
 * Changed files are applied to a copy, never to the learner's workspace.
 */
export async function buildVariant(
  engine: Engine,
  scope: RunScope,
  request: {
    workspaceDir: string;
    dockerfile: string;
    timeoutMs: number;
    signal?: AbortSignal;
    variant: BuildVariant;
    /** The run's build settings (BuildKit, secrets, the manifest's build args), applied to the variant too. */
    build?: Pick<BuildRequest, 'buildkit' | 'buildArgs' | 'secrets' | 'maskValues' | 'runCommands'>;
  },
): Promise<VariantBuild> {
  const { variant } = request;
  const changes = Object.entries(variant.changes ?? {});
  let contextDir = request.workspaceDir;
  let copy: string | null = null;
  try {
    if (changes.length > 0) {
      copy = await mkdtemp(path.join(os.tmpdir(), 'shipshape-variant-'));
      contextDir = path.join(copy, 'context');
      // Timestamps are kept: the classic builder's cache compares file contents and metadata.
      await cp(request.workspaceDir, contextDir, {
        recursive: true,
        preserveTimestamps: true,
        filter: (source) => path.relative(request.workspaceDir, source).split(path.sep)[0] !== STATE_DIR,
      });
      for (const [relative, content] of changes) {
        const target = path.resolve(contextDir, relative);
        if (!target.startsWith(contextDir + path.sep)) {
          throw new UserError(`A build variant may only change files inside the workspace, not ${relative}.`, 2);
        }
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, content);
      }
    }
    const outcome = await buildImage(engine, scope, {
      contextDir,
      dockerfile: variant.dockerfile ?? request.dockerfile,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      ...request.build,
      ownChanges: changes.length > 0,
      target: variant.target,
      ...(variant.buildArgs || request.build?.buildArgs ? { buildArgs: { ...request.build?.buildArgs, ...variant.buildArgs } } : {}),
    });
    const image = outcome.imageId ? await inspectImage(engine, outcome.imageId) : null;
    return {
      outcome: {
        imageId: outcome.imageId,
        failure: outcome.failure,
        durationMs: outcome.durationMs,
        steps: outcome.steps,
        stepLog: outcome.stepLog,
        builder: outcome.builder,
      },
      image,
    };
  } finally {
    if (copy) await rm(copy, { recursive: true, force: true });
  }
}
