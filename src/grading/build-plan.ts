import { randomBytes } from 'node:crypto';
import type { DockerfileModel } from '../checks/dockerfile/model.js';
import { runCommand } from '../checks/dockerfile/operands.js';
import type { BuildSettings } from '../course/manifest.js';
import type { BuildSecret } from '../engine/buildkit.js';

export interface BuildPlan {
  secrets: Array<BuildSecret & { buildArg?: string }>;
  /** Settings for every build of this run (the learner's, variants, the starter baseline). */
  request: { buildkit: boolean; buildArgs?: Record<string, string>; secrets?: BuildSecret[]; maskValues?: Record<string, string>; runCommands?: string[] };
}

/**
 * Each verify makes new random secret values, so a value found in the image can only have come from
 * this build. A secret with `buildArg` is also passed as that build argument: a Dockerfile that takes
 * the token through ARG instead of a secret mount then leaks exactly this value.
 */
export function planBuild(settings: BuildSettings, dockerfile: DockerfileModel | null): BuildPlan {
  const secrets = settings.secrets.map((secret) => ({
    id: secret.id,
    value: `shipshape-${secret.id.replace(/[^A-Za-z0-9]/g, '').toLowerCase()}-${randomBytes(16).toString('hex')}`,
    ...(secret.buildArg ? { buildArg: secret.buildArg } : {}),
  }));
  const secretArgs = Object.fromEntries(secrets.filter((secret) => secret.buildArg).map((secret) => [secret.buildArg!, secret.value]));
  const buildArgs = { ...settings.args, ...secretArgs };
  // RUN steps that saw a secret value (a secret mount; any RUN when a secret is also a build arg): their
  // BuildKit cache goes with the run, so no later run takes a step that ran with an old value from the cache.
  const secretSeen = (instruction: { getTextContent(): string }) =>
    Object.keys(secretArgs).length > 0 || /--mount=\S*type=secret/i.test(instruction.getTextContent());
  // Without secrets no step saw one (a secret mount of an id the manifest does not give mounts nothing).
  const runCommands = secrets.length === 0 ? [] : (dockerfile?.stages ?? []).flatMap((stage) =>
    stage.instructions
      .filter((instruction) => instruction.getKeyword() === 'RUN' && secretSeen(instruction))
      .map((instruction) => runCommand(instruction).replace(/^(?:--\S+\s+)*/, '').replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' ').trim()),
  );
  return {
    secrets,
    request: {
      buildkit: settings.buildkit,
      ...(Object.keys(buildArgs).length ? { buildArgs } : {}),
      ...(secrets.length ? { secrets: secrets.map(({ id, value }) => ({ id, value })), maskValues: secretArgs } : {}),
      ...(runCommands.length ? { runCommands } : {}),
    },
  };
}
