import { z } from 'zod';

// The workspace's state files: validated when read, loaded then (commands that read none start sooner).
export const MarkerSchema = z.object({
  schemaVersion: z.literal(1),
  challenge: z.string(),
  startedAt: z.string(),
  /** sha256 of every file as we wrote it, to tell the learner's changes from ours. */
  files: z.record(z.string(), z.string()),
  /** The course root whose progress this workspace counts towards (absent in older markers). */
  course: z.string().optional(),
});
export type Marker = z.infer<typeof MarkerSchema>;

/** Written by the first start: what `challenge:stop` needs to put the directory back as it was. */
export const RecoverySchema = z.object({
  schemaVersion: z.literal(1),
  challenge: z.string(),
  /** Files that were there before the start. */
  before: z.array(z.string()),
  /** Starter files the start added. */
  created: z.array(z.string()),
  /** Files the start replaced (with --force), and where their original went. */
  overwritten: z.array(z.object({ file: z.string(), backup: z.string() })),
});
export type Recovery = z.infer<typeof RecoverySchema>;
