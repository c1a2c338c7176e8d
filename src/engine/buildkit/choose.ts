import { UserError } from '../../errors.js';
import { type Engine, apiAtLeast } from '../connect.js';

export type Builder = 'classic' | 'buildkit';
export type BuilderPreference = Builder | 'auto';

/** BuildKit builds through the Engine API exist since API 1.39 (Docker 18.09). */
export const BUILDKIT_API = '1.39';

export interface BuilderChoice {
  builder: Builder;
  /** Why, for notes and the --json result. */
  reason: string;
}

/** `--builder` wins over SHIPSHAPE_BUILDER; both default to auto. */
export function builderPreference(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): BuilderPreference {
  const raw = (flag ?? env.SHIPSHAPE_BUILDER ?? 'auto').trim().toLowerCase();
  if (raw === '' || raw === 'auto') return 'auto';
  if (raw === 'classic' || raw === 'buildkit') return raw;
  const from = flag !== undefined ? '--builder' : 'SHIPSHAPE_BUILDER';
  throw new UserError(`${from} is "${raw}"; it must be classic, buildkit or auto.`, 2, 'Use --builder buildkit (the default where the engine has BuildKit) or --builder classic.');
}

export interface EngineBuildSupport {
  apiVersion: string;
  os: string;
  /** Names of the engine's components (`/version` Components): Podman answers as "Podman Engine". */
  components: string[];
}

/** Whether the engine can build with BuildKit through its API, and if not, why not. */
export function buildKitSupport(engine: EngineBuildSupport): { supported: boolean; reason: string } {
  if (engine.os !== 'linux') return { supported: false, reason: `the engine runs ${engine.os} containers (BuildKit builds need a Linux engine)` };
  if (!apiAtLeast(engine.apiVersion, BUILDKIT_API)) return { supported: false, reason: `the engine's API ${engine.apiVersion} is older than ${BUILDKIT_API}` };
  if (engine.components.some((name) => /podman/i.test(name))) return { supported: false, reason: 'Podman builds with Buildah, not BuildKit' };
  return { supported: true, reason: `the engine has BuildKit (API ${engine.apiVersion})` };
}

/**
 * The builder for one verify. auto: BuildKit where the engine has it, as `docker build` does since
 * Docker 23; classic otherwise. A challenge that needs BuildKit (build secrets) cannot be built classic.
 */
export function chooseBuilder(preference: BuilderPreference, support: { supported: boolean; reason: string }, needsBuildKit: boolean): BuilderChoice {
  if (preference === 'classic') {
    if (needsBuildKit) {
      throw new UserError(
        'This challenge needs BuildKit (its Dockerfile takes build secrets), but the classic builder was asked for (--builder classic or SHIPSHAPE_BUILDER=classic).',
        2,
        'Verify with --builder buildkit (or without --builder).',
      );
    }
    return { builder: 'classic', reason: 'asked for (--builder classic or SHIPSHAPE_BUILDER)' };
  }
  if (!support.supported) {
    if (preference === 'buildkit' || needsBuildKit) {
      throw new UserError(
        `${needsBuildKit ? 'This challenge needs BuildKit (build secrets)' : 'BuildKit was asked for'}, but ${support.reason}.`,
        2,
        needsBuildKit ? 'Use a Docker engine 18.09 or newer on Linux.' : 'Verify with --builder classic, or use a Docker engine 18.09 or newer on Linux.',
      );
    }
    return { builder: 'classic', reason: support.reason };
  }
  return { builder: 'buildkit', reason: preference === 'buildkit' ? 'asked for (--builder buildkit or SHIPSHAPE_BUILDER)' : support.reason };
}

/** Reads what the engine says about itself (one `/version` call). */
export async function engineBuildSupport(engine: Engine): Promise<EngineBuildSupport> {
  let components: string[] = [];
  try {
    const version = (await engine.docker.version()) as { Components?: Array<{ Name?: string }> };
    components = (version.Components ?? []).map((component) => component.Name ?? '').filter(Boolean);
  } catch {
    // The connect already read the API version; components only refine it.
  }
  return { apiVersion: engine.info.apiVersion, os: engine.info.os, components };
}

/** What an engine without BuildKit says when asked for `version=2`. */
export const BUILDKIT_REFUSED = /buildkit (?:is )?not supported|unsupported builder version|invalid builder version|builder version .*not supported|BuildKit is not enabled/i;
