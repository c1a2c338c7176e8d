import { EngineProblemError } from '../../errors.js';
import { type LayersRead, defineCheck, fail, pass } from '../kind.js';
import { describeRead, layersUnreadVerdict } from './layers.js';

const MASK = '***';

interface Leak {
  where: string;
  /** The leaking text with the secret value masked. */
  text: string;
}

/**
 * What to search for: verify makes values `shipshape-<id>-<32 hex>`, new each time. BuildKit does not
 * count a secret's content in its cache key, so a layer cached by an earlier verify can hold an earlier
 * value: the search is for any value of this shape, and the current one is told apart.
 */
function searchTerms(value: string): { needle: string; mask: (text: string) => string; isEarlier: (text: string) => boolean } {
  const generated = /^(shipshape-[a-z0-9]*-)[0-9a-f]{32}$/.exec(value);
  if (!generated) return { needle: value, mask: (text) => text.split(value).join(MASK), isEarlier: () => false };
  const prefix = generated[1]!;
  const any = new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[0-9a-f]{32}`, 'g');
  return {
    needle: prefix,
    mask: (text) => text.replace(any, MASK),
    isEarlier: (text) => !text.includes(value) && (text.match(any) ?? []).length > 0,
  };
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
    "A build secret's value (new and random on every verify) appears nowhere in the image's history (the instruction of every layer), its config (env, labels, cmd, entrypoint, health check, user, working dir), nor in the files of its own layers (deleted ones too; layers that cannot all be read fail it as an engine problem).",
  params: (z) =>
    z
    .object({
      secret: z
        .string()
        .min(1)
        .max(64)
        .describe("Id of a secret under the manifest's build.secrets; its value is also passed as that secret's buildArg"),
      searchFiles: z
        .boolean()
        .default(true)
        .describe("Also read the files of the image's own layers (above its base) for the value, deleted files included"),
    })
    .strict(),
  example: { secret: 'api_token' },
  async run({ secret, searchFiles }, { image, finalBase, inspector, secrets }) {
    const value = secrets?.[secret];
    if (!value) return fail(`no value for the build secret "${secret}" was given to this build; declare it under build.secrets in the manifest`);
    const { needle, mask: masked, isEarlier } = searchTerms(value);
    const leaks: Leak[] = [];
    const layers = await inspector.history(image.id);
    // Oldest first, so the first leak named is the instruction that introduced it.
    for (const [offset, layer] of [...layers].reverse().entries()) {
      if (layer.createdBy.includes(needle)) {
        leaks.push({ where: `layer ${offset + 1} of ${layers.length} (docker history)`, text: shorten(masked(instructionOf(layer.createdBy))) });
      }
    }
    for (const entry of image.env) {
      if (entry.includes(needle)) leaks.push({ where: `config Env ${entry.split('=')[0]}`, text: masked(entry) });
    }
    for (const [key, label] of Object.entries(image.labels ?? {})) {
      if (key.includes(needle) || label.includes(needle)) leaks.push({ where: `config Label ${masked(key)}`, text: masked(`${key}=${label}`) });
    }
    const lists: Array<[string, string[] | null | undefined]> = [
      ['Cmd', image.cmd],
      ['Entrypoint', image.entrypoint],
      ['Healthcheck', image.healthcheck?.test],
    ];
    for (const [name, list] of lists) {
      if (list?.some((item) => item.includes(needle))) leaks.push({ where: `config ${name}`, text: shorten(masked(JSON.stringify(list))) });
    }
    for (const [name, text] of [['User', image.user], ['WorkingDir', image.workingDir]] as const) {
      if (text.includes(needle)) leaks.push({ where: `config ${name}`, text: masked(text) });
    }
    let filesSearched = false;
    let read: LayersRead | null = null;
    let searchedLayers = 0;
    let unread: string | null = null;
    if (searchFiles) {
      // A secret mount keeps the value out of the history, but a RUN can still copy it into a file.
      try {
        if (!inspector.findText) throw new EngineProblemError('this engine connection cannot read the image layers');
        const search = await inspector.findText(image.id, needle, { sinceLayer: finalBase?.layerCount ?? 0 });
        for (const hit of search.hits) {
          leaks.push({ where: `file ${hit.path} in layer ${hit.layer} (made by ${masked(hit.createdBy) || 'an unnamed step'})`, text: 'the file content holds the value' });
        }
        read = search.read;
        searchedLayers = search.searchedLayers;
        filesSearched = true;
      } catch (error) {
        const verdict = layersUnreadVerdict(error, "the files of the image's layers could not all be read, so the value may be in one of them");
        if (!verdict) throw error;
        // A leak found elsewhere still fails the check with its place; without one, the unread layers decide.
        if (leaks.length === 0) return { ...verdict, evidence: { ...verdict.evidence, secret, filesSearched: false, layersInspected: layers.length } };
        unread = verdict.message;
      }
    }
    const evidence = {
      secret,
      filesSearched,
      valueMasked: `${MASK} (${value.length} characters, random for this verify)`,
      layersInspected: layers.length,
      ...(read ? { layersRead: read, measured: describeRead(read), searchedLayers } : {}),
      ...(unread ? { engineProblem: unread } : {}),
      leaks,
    };
    if (leaks.length === 0) {
      const files = filesSearched ? `, nor in any file of the image's own ${searchedLayers} layer${searchedLayers === 1 ? '' : 's'} (${describeRead(read!)})` : '';
      return pass(`the value of secret "${secret}" is in none of the ${layers.length} layers' history nor in the image config${files}`, evidence);
    }
    const first = leaks[0]!;
    const earlier = layers.some((layer) => isEarlier(layer.createdBy))
      ? ' (a value from an earlier verify, kept in a cached layer: BuildKit does not rebuild a step when only a secret changes)'
      : '';
    return fail(
      `the value of secret "${secret}" is readable by anyone with the image: ${leaks.length} place${leaks.length === 1 ? '' : 's'}, first ${first.where}: ${first.text}${earlier}`,
      evidence,
    );
  },
});
