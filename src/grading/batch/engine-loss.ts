import { EngineUnavailableError, UserError, errorMessage } from '../../errors.js';
import { type Engine, engineAnswers, engineStopsAnswering } from '../../engine/connect.js';
import type { VerifyResult } from '../result.js';

/** A grading host may be busy: its engine gets a little longer to answer a ping. */
const ENGINE_PING_MS = 3000;

function isEngineLoss(error: unknown): boolean {
  if (error instanceof EngineUnavailableError) return true;
  if (error instanceof UserError) return false;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return /ECONNRESET|ECONNREFUSED|EPIPE|ENOENT/.test(code) && /socket|connect|docker/i.test(errorMessage(error));
}

/** A verify's error is the engine's loss when it says so, or when it is not bad input and the engine no longer answers. */
export async function lostWith(error: unknown, engine: Engine): Promise<boolean> {
  return isEngineLoss(error) || (!(error instanceof UserError) && !(await engineAnswers(engine, ENGINE_PING_MS)));
}

/** A step killed by a signal or a lost connection is what a stopping engine leaves; the engine is watched a little longer then. */
const SUSPECT = /returned a non-zero code: (137|143)\b|ECONNRESET|ECONNREFUSED|EPIPE|ENOENT|socket hang up|premature close|did not answer/i;

/**
 * A stopping engine often ends a build with an ordinary-looking error: a failed verdict from an
 * engine that no longer answers is no verdict.
 */
export async function engineGoneAfter(result: VerifyResult, engine: Engine): Promise<boolean> {
  const suspect = result.checks.some((check) => check.status === 'fail' && SUSPECT.test(check.message));
  return engineStopsAnswering(engine, suspect ? 5000 : 0, { pingTimeoutMs: ENGINE_PING_MS, intervalMs: 500 });
}
