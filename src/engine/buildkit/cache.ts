import { errorMessage } from '../../errors.js';
import { type Engine, apiAtLeast } from '../connect.js';
import type { RunScope } from '../scope.js';

interface CacheRecord {
  ID: string;
  Type?: string;
  Description?: string;
  InUse?: boolean;
  CreatedAt?: string;
}

export interface BuildCacheAccount {
  /** Records attributed to this build, removed with the run. */
  attributed: number;
  note: string;
}

/** BuildKit's cache records (`/system/df?type=build-cache`; older engines ignore the type and answer everything). */
async function cacheRecords(engine: Engine): Promise<CacheRecord[]> {
  const modem = engine.docker.modem as unknown as { dial(options: unknown, callback: (error: unknown, data: unknown) => void): void };
  const df = await new Promise<{ BuildCache?: CacheRecord[] | null }>((resolve, reject) =>
    modem.dial(
      { path: '/system/df?', method: 'GET', options: { type: 'build-cache' }, statusCodes: { 200: true, 500: 'server error' } },
      (error, data) => (error ? reject(error) : resolve((data ?? {}) as { BuildCache?: CacheRecord[] | null })),
    ),
  );
  return df.BuildCache ?? [];
}

export async function buildCacheIds(engine: Engine): Promise<Set<string> | null> {
  try {
    return new Set((await cacheRecords(engine)).map((record) => record.ID));
  } catch {
    return null;
  }
}

export const CACHE_NOTE =
  "BuildKit's build cache stays warm between verifies, as with `docker build` (`docker builder prune` clears it). " +
  'Removed with the run: the transfer of this build context (only on engines before API 1.42, and only when no other BuildKit build ran at the same time: newer engines then miss the cache) and the results of ' +
  'RUN steps that saw a build secret (a secret mount, or a secret also passed as a build argument), which must never serve a later run from the cache; ' +
  'and whatever the rebuilds with files Shipshape changed made (build.cached-after-change), so the next run finds that change new again';

/** From this API version on, the context transfer's record is kept (see attributeBuildCache). */
const CONTEXT_KEPT_FROM_API = '1.42';

const normalise = (command: string) => command.replace(/\s+/g, ' ').trim();

/**
 * BuildKit's cache carries no labels, so only what can be attributed to this build goes: records absent
 * before it and created after it started that are (a) the context it sent (an "http url
 * http://build-context-<random>" record and its "copy /context /" copy: never reused by another build)
 * or (b) the result of running one of `secretRunCommands` (description "mount / from exec <command>"): a
 * step that saw a secret must run again next time with the new value, never come from the cache.
 * Everything else is the engine's warm cache. Pruned by id when the run ends, after its images.
 */
export async function attributeBuildCache(
  engine: Engine,
  scope: RunScope,
  before: Set<string> | null,
  started: number,
  secretRunCommands: string[],
  /** A build of Shipshape's own making (files it changed): every record it made goes with the run. */
  everything = false,
): Promise<BuildCacheAccount> {
  if (!before) return { attributed: 0, note: `${CACHE_NOTE}; the cache could not be read before the build, so nothing was attributed` };
  try {
    const commands = new Set(secretRunCommands.map(normalise));
    const fresh = (await cacheRecords(engine)).filter(
      (record) => !before.has(record.ID) && !(record.CreatedAt && Date.parse(record.CreatedAt) < started - 1000),
    );
    if (everything) {
      scope.trackBuildCache(fresh.map((record) => record.ID));
      return { attributed: fresh.length, note: CACHE_NOTE };
    }
    const ours = fresh.filter((record) => {
      const described = /^mount \/ from exec (?:\/bin\/sh -c )?([\s\S]*)$/.exec(record.Description ?? '');
      return described !== null && commands.has(normalise(described[1]!));
    });
    const contextRecords = fresh.filter((record) => /^http url http:\/\/build-context-/.test(record.Description ?? ''));
    // On newer engines (measured on Docker 28, both image stores) removing the context transfer makes the
    // next build of the same files miss the whole cache (every step runs again): there it stays, left to
    // BuildKit's own garbage collection as with `docker build`. 20.10 (API 1.41) keeps its cache without it.
    if (contextRecords.length === 1 && !apiAtLeast(engine.info.apiVersion, CONTEXT_KEPT_FROM_API)) {
      const context = contextRecords[0]!;
      const at = Date.parse(context.CreatedAt ?? '');
      // Its copy follows within milliseconds, before any step of the Dockerfile runs.
      const copy = fresh
        .filter((record) => record.Description === 'fileop target' && Date.parse(record.CreatedAt ?? '') >= at)
        .sort((a, b) => Date.parse(a.CreatedAt ?? '') - Date.parse(b.CreatedAt ?? ''))[0];
      ours.push(context);
      if (copy && Date.parse(copy.CreatedAt ?? '') - at < 1000) ours.push(copy);
    }
    scope.trackBuildCache(ours.map((record) => record.ID));
    return { attributed: ours.length, note: CACHE_NOTE };
  } catch (error) {
    return { attributed: 0, note: `${CACHE_NOTE}; reading the build cache failed: ${errorMessage(error)}` };
  }
}
