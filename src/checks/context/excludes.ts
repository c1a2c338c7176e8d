import { plannedBuildContext } from './plan.js';
import { defineCheck, fail, pass } from '../kind.js';

export const contextExcludes = defineCheck({
  kind: 'context.excludes',
  phase: 'static',
  summary:
    'Paths (files or whole directories) are not in the build context the docker CLI would send, as the workspace and its .dockerignore decide.',
  params: (z) =>
    z.object({
    paths: z
      .array(z.string().min(1).max(500).refine((value) => !value.startsWith('/') && !value.split('/').includes('..'), 'a path relative to the workspace'))
      .min(1)
      .max(50)
      .describe('Workspace-relative paths that must not be sent; a directory counts as sent when anything inside it is'),
  }),
  example: { paths: ['.git', 'vendor', '.env'] },
  async run({ paths }, context) {
    const plan = await plannedBuildContext(context);
    const sent = [...plan.included];
    const found: Record<string, string[]> = {};
    for (const wanted of paths) {
      const clean = wanted.replace(/\/+$/, '');
      const inside = sent.filter((entry) => entry === clean || entry.startsWith(`${clean}/`));
      if (inside.length > 0) found[clean] = inside.slice(0, 6);
    }
    const evidence = { files: plan.fileCount, bytes: plan.totalBytes, ignored: plan.ignoredCount, stillSent: found };
    const leaked = Object.keys(found);
    if (leaked.length > 0) {
      const described = leaked.map((entry) => {
        const files = found[entry]!.filter((inside) => inside !== entry);
        return files.length === 0 ? entry : `${entry}/ (${files.slice(0, 2).join(', ')}${files.length > 2 ? ', ...' : ''})`;
      });
      return fail(`still sent to the engine: ${described.join('; ')}`, evidence);
    }
    return pass(`none of ${paths.join(', ')} is sent (${plan.fileCount} files go to the engine, ${plan.ignoredCount} entries ignored)`, evidence);
  },
});
