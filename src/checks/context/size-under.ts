import { plannedBuildContext } from './plan.js';
import { formatBytes } from '../format.js';
import { defineCheck, fail, pass } from '../kind.js';

export const contextSizeUnder = defineCheck({
  kind: 'context.size-under',
  phase: 'static',
  summary: 'The build context the docker CLI would send (after .dockerignore) stays within a byte budget; the biggest files are shown.',
  params: (z) =>
    z.object({
    maxKilobytes: z.number().positive().max(10_000_000).describe('Most kilobytes (10^3 bytes) of file content the context may hold'),
  }),
  example: { maxKilobytes: 100 },
  async run({ maxKilobytes }, context) {
    const plan = await plannedBuildContext(context);
    const limit = Math.round(maxKilobytes * 1000);
    const evidence = { files: plan.fileCount, bytes: plan.totalBytes, limitBytes: limit, largest: plan.largest };
    const summary = `the context is ${formatBytes(plan.totalBytes)} in ${plan.fileCount} files; budget ${formatBytes(limit)}`;
    if (plan.totalBytes <= limit) return pass(summary, evidence);
    const biggest = plan.largest.slice(0, 3).map((file) => `${file.path} (${formatBytes(file.bytes)})`).join(', ');
    return fail(`${summary}; biggest: ${biggest}`, evidence);
  },
});
