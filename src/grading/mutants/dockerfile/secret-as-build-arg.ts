import type { Mutator } from '../mutator.js';
import { applyEdits, keyword, written } from './edit.js';

/**
 * A BuildKit secret mount replaced by a build argument, the classic leak: the value lands in the image
 * history (and in the file the RUN writes). The build argument is the one the manifest serves the secret as.
 */
export const secretAsBuildArg: Mutator = {
  name: 'dockerfile.secret-as-build-arg',
  description: 'a secret passed as a build arg',
  mutate({ dockerfile, manifest }) {
    if (!dockerfile) return [];
    const mutations = [];
    for (const stage of dockerfile.model.stages) {
      for (const instruction of stage.instructions) {
        if (keyword(instruction) !== 'RUN') continue;
        const lines = written(dockerfile.source, instruction);
        const mount = /--mount=(?:[^\s]*,)?type=secret(?:,[^\s]*)?/i.exec(lines.join('\n'));
        if (!mount) continue;
        const id = /(?:^|,)(?:id|source|src)=([^,\s]+)/i.exec(mount[0].replace(/^--mount=/i, ''))?.[1];
        if (!id) continue;
        const declared = manifest.build.secrets?.find((secret) => secret.id === id);
        const arg = declared?.buildArg ?? id.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
        const target = /(?:^|,)(?:target|dst|destination)=([^,\s]+)/i.exec(mount[0])?.[1] ?? `/run/secrets/${id}`;
        const replaced = lines.map((line) =>
          line.replace(mount[0], '').replace(/^(\s*RUN)\s+/i, `$1 mkdir -p "$(dirname ${target})" && printf %s "$${arg}" > ${target} && `),
        );
        mutations.push({
          label: `secret ${id} passed as build arg ${arg} instead of a secret mount (line ${instruction.getRange().start.line + 1})`,
          files: { [dockerfile.file]: applyEdits(dockerfile.source, [{ at: instruction, before: [`ARG ${arg}`], replace: replaced }]) },
        });
      }
    }
    return mutations;
  },
};
