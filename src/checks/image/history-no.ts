import { formatBytes } from '../format.js';
import { regexText } from '../expect.js';
import { defineCheck, fail, pass } from '../kind.js';
import { atCreatedBy } from '../location.js';

export const historyNo = defineCheck({
  kind: 'image.history-no',
  phase: 'image',
  summary:
    "No layer in the image's history (`docker history`: the command that made each layer, build arguments included) matches a pattern, e.g. a secret's name or a tool that must not run in the final image.",
  params: (z) =>
    z.object({
    pattern: regexText.describe('A regular expression (case-insensitive) no layer command may match'),
    description: z.string().min(1).max(200).describe('What the pattern stands for, for messages'),
  }),
  example: { pattern: 'NPM_TOKEN', description: 'the npm token' },
  // The instruction that recorded it in the history.
  locate: (_params, { dockerfile }, verdict) => {
    const createdBy = (verdict.evidence?.matching as Array<{ createdBy: string }> | undefined)?.[0]?.createdBy;
    return createdBy ? atCreatedBy(dockerfile, createdBy.replace(/\.\.\.$/, '')) : null;
  },
  async run({ pattern, description }, { image, inspector }) {
    const layers = await inspector.history(image.id);
    const expression = new RegExp(pattern, 'i');
    const matching = layers.filter((layer) => expression.test(layer.createdBy));
    const show = (text: string) => (text.length > 160 ? `${text.slice(0, 160)}...` : text);
    const evidence = {
      layers: layers.length,
      matching: matching.map((layer) => ({ createdBy: show(layer.createdBy), size: layer.size })),
    };
    if (matching.length === 0) return pass(`none of the ${layers.length} layers' commands mentions ${description}`, evidence);
    const first = matching[0]!;
    return fail(
      `${matching.length} layer${matching.length === 1 ? '' : 's'} of the image record${matching.length === 1 ? 's' : ''} ${description}, readable by anyone with the image: ${show(first.createdBy)} (${formatBytes(first.size)})`,
      evidence,
    );
  },
});
