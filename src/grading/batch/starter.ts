import path from 'node:path';
import type { ChallengePack } from '../../course/packs.js';
import { errorMessage } from '../../errors.js';
import { RunScope } from '../../engine/scope.js';
import { starterBaseline } from '../baseline.js';
import type { EnginePool } from './pool.js';
import type { BatchEvent } from './types.js';

/**
 * The starter's size is measured once per engine before the batch, so no learner's time limit
 * pays for it. An engine that cannot do it is left out of the batch.
 */
export async function measureStarterOnEachEngine(pool: EnginePool, pack: ChallengePack, emit: (event: BatchEvent) => void): Promise<void> {
  const dockerfile = pack.manifest.dockerfile;
  if (!dockerfile || !pack.manifest.checks.some((check) => check.kind === 'image.size-vs-starter')) return;
  const failures: unknown[] = [];
  await Promise.all(
    pool.slots.map(async (slot) => {
      const scope = new RunScope(slot.engine.docker, pack.manifest.id);
      try {
        await starterBaseline({
          engine: slot.engine,
          scope,
          challengeId: pack.manifest.id,
          starterDir: path.join(pack.dir, pack.manifest.starter),
          dockerfile,
          buildTimeoutMs: pack.manifest.limits.buildTimeoutSeconds * 1000,
          onNote: (message) => emit({ type: 'prepare', engine: slot.usage.endpoint, message }),
        });
      } catch (error) {
        // An engine that cannot build the starter (gone, or missing a base image) is left out.
        failures.push(error);
        pool.markLost(slot, errorMessage(error));
      } finally {
        await scope.dispose();
      }
    }),
  );
  // None left: the reason (no engine, a base image missing everywhere) is the batch's error.
  if (pool.allLost()) throw failures[0];
}
