import { defineCheck, fail, pass } from '../kind.js';
import { atMatching } from '../location.js';

export const imagePath = defineCheck({
  kind: 'image.path',
  phase: 'image',
  summary: "A path is present (or absent) in the built image's filesystem, read through the archive API (no shell needed).",
  params: (z) =>
    z.object({
    path: z.string().startsWith('/').max(1024).describe('Absolute path inside the image'),
    exists: z.boolean().default(true).describe('true: must be present; false: must be absent'),
  }),
  example: { path: '/usr/bin/composer', exists: false },
  // A path that should not be there: the instruction that names it (e.g. the COPY of a binary).
  locate: ({ path, exists }, { dockerfile }) =>
    exists ? null : atMatching(dockerfile, (instruction) => instruction.toString().includes(path)),
  async run({ path, exists }, { image, inspector }) {
    const found = await inspector.pathExists(image.id, path);
    const evidence = { path, found, expected: exists ? 'present' : 'absent' };
    if (found === exists) return pass(`${path} is ${found ? 'present' : 'absent'} in the image`, evidence);
    return fail(exists ? `${path} is missing from the image` : `${path} is still in the image`, evidence);
  },
});
