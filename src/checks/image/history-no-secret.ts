import { z } from 'zod';
import { defineCheck, fail, pass } from '../kind.js';

const MASK = '***';

interface Leak {
  where: string;
  /** The leaking text with the secret value masked. */
  text: string;
}

function shorten(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Layer instructions as `docker history` shows them: the classic builder writes
 * `/bin/sh -c #(nop)  ENV K=V`, BuildKit `ENV K=V` and `RUN |1 TOKEN=value /bin/sh -c ...`.
 */
function instructionOf(createdBy: string): string {
  return createdBy.replace(/^\/bin\/sh -c #\(nop\)\s+/, '').replace(/^\/bin\/sh -c /, 'RUN ').replace(/\s+# buildkit$/, '').trim();
}

export const historyNoSecret = defineCheck({
  kind: 'image.history-no-secret',
  phase: 'image',
  usesBuildSecret: true,
  summary:
    "A build secret's value (new and random on every verify) appears nowhere in the image's history (the instruction of every layer) nor in its config (env, labels, cmd, entrypoint, health check, user, working dir).",
  params: z
    .object({
      secret: z
        .string()
        .min(1)
        .max(64)
        .describe("Id of a secret under the manifest's build.secrets; its value is also passed as that secret's buildArg"),
    })
    .strict(),
  example: { secret: 'api_token' },
  async run({ secret }, { image, inspector, secrets }) {
    const value = secrets?.[secret];
    if (!value) return fail(`no value for the build secret "${secret}" was given to this build; declare it under build.secrets in the manifest`);
    const masked = (text: string) => text.split(value).join(MASK);
    const leaks: Leak[] = [];
    const layers = await inspector.history(image.id);
    // Oldest first, so the first leak named is the instruction that introduced it.
    for (const [offset, layer] of [...layers].reverse().entries()) {
      if (layer.createdBy.includes(value)) {
        leaks.push({ where: `layer ${offset + 1} of ${layers.length} (docker history)`, text: shorten(masked(instructionOf(layer.createdBy))) });
      }
    }
    for (const entry of image.env) {
      if (entry.includes(value)) leaks.push({ where: `config Env ${entry.split('=')[0]}`, text: masked(entry) });
    }
    for (const [key, label] of Object.entries(image.labels ?? {})) {
      if (key.includes(value) || label.includes(value)) leaks.push({ where: `config Label ${masked(key)}`, text: masked(`${key}=${label}`) });
    }
    const lists: Array<[string, string[] | null | undefined]> = [
      ['Cmd', image.cmd],
      ['Entrypoint', image.entrypoint],
      ['Healthcheck', image.healthcheck?.test],
    ];
    for (const [name, list] of lists) {
      if (list?.some((item) => item.includes(value))) leaks.push({ where: `config ${name}`, text: shorten(masked(JSON.stringify(list))) });
    }
    for (const [name, text] of [['User', image.user], ['WorkingDir', image.workingDir]] as const) {
      if (text.includes(value)) leaks.push({ where: `config ${name}`, text: masked(text) });
    }
    const evidence = { secret, valueMasked: `${MASK} (${value.length} characters, random for this verify)`, layersInspected: layers.length, leaks };
    if (leaks.length === 0) {
      return pass(`the value of secret "${secret}" is in none of the ${layers.length} layers' history nor in the image config`, evidence);
    }
    const first = leaks[0]!;
    return fail(
      `the value of secret "${secret}" is readable by anyone with the image: ${leaks.length} place${leaks.length === 1 ? '' : 's'}, first ${first.where}: ${first.text}`,
      evidence,
    );
  },
});
