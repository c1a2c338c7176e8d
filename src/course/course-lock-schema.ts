import { z } from 'zod';

/** The lock file of installed courses (courses.lock.json in the data directory): what course:add pinned. */
export const SourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('git'), url: z.string(), ref: z.string().nullable() }),
  z.object({ kind: z.literal('npm'), spec: z.string() }),
  z.object({ kind: z.literal('dir'), path: z.string() }),
]);

export const LockEntrySchema = z.object({
  title: z.string(),
  version: z.string(),
  lessons: z.string(),
  challenges: z.string(),
  source: SourceSchema,
  /** A git course: the commit installed. */
  commit: z.string().regex(/^[0-9a-f]{40,64}$/).optional(),
  /** An npm course: the tarball's integrity as npm reports it (sha512-...), when known. */
  integrity: z.string().optional(),
  installedAt: z.string(),
});

export const CourseLockSchema = z.object({
  schemaVersion: z.literal(1),
  courses: z.record(z.string(), LockEntrySchema).default({}),
});

export type CourseSource = z.output<typeof SourceSchema>;
export type CourseLockEntry = z.output<typeof LockEntrySchema>;
export type CourseLock = z.output<typeof CourseLockSchema>;
