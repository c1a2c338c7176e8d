import { z } from 'zod';

/** Parameters the delivery kinds share (image.registry-push, image.pinned-downstream, image.signed). */

/** A repository path as registries accept it: lower-case components separated by slashes. */
export const repositoryParam = z
  .string()
  .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/)
  .max(200);

/** A tag as the registry API accepts it. */
export const tagParam = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A build argument's name. */
export const argNameParam = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

/** A path relative to the workspace that stays inside it. */
export const workspacePathParam = z.string().regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[^\0]{1,300}$/);
