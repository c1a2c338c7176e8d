import { z } from 'zod';
import { defineCheck, fail, pass } from '../kind.js';

export const imagePath = defineCheck({
  kind: 'image.path',
  phase: 'image',
  summary: "A path is present (or absent) in the built image's filesystem, read through the archive API (no shell needed).",
  params: z.object({
    path: z.string().startsWith('/').max(1024).describe('Absolute path inside the image'),
    exists: z.boolean().default(true).describe('true: must be present; false: must be absent'),
  }),
  example: { path: '/usr/bin/composer', exists: false },
  async run({ path, exists }, { image, inspector }) {
    const found = await inspector.pathExists(image.id, path);
    const evidence = { path, found, expected: exists ? 'present' : 'absent' };
    if (found === exists) return pass(`${path} is ${found ? 'present' : 'absent'} in the image`, evidence);
    return fail(exists ? `${path} is missing from the image` : `${path} is still in the image`, evidence);
  },
});
