import type { z } from 'zod';

/** The zod namespace, as the check kinds' parameter schemas are built with it. */
export type ZodApi = typeof z;

let api: ZodApi | undefined;

/**
 * Loads zod for the parameter schemas of the check kinds. Its import is a large share of start-up,
 * and a verify whose check parameters were validated already (src/checks/params.ts) needs none of it
 * before its first static verdict; so the static kinds build their schemas only when first asked.
 */
export async function loadZod(): Promise<ZodApi> {
  api ??= (await import('zod')).z;
  return api;
}

/** zod, once loadZod() has loaded it; asking before that is a bug in the caller, said as such. */
export function zodApi(): ZodApi {
  if (!api) throw new Error('a check kind parameter schema was used before loadZod() (or loadCheckKinds()) loaded zod');
  return api;
}
