import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { LABEL_RUN, runLabels, splitByLiveOwner, toolFilter } from './labels.js';

export interface CleanupReport {
  containers: number;
  images: number;
  errors: string[];
  /** BuildKit cache records of this run removed (BuildKit builds only). */
  buildCache?: number;
}

/**
 * One run's Docker objects. Everything created goes through here (or carries its labels) so that
 * `dispose()` can remove it at the end of the run, on error and on Ctrl-C.
 */
export class RunScope {
  readonly runId: string;
  readonly labels: Record<string, string>;
  private readonly images: string[] = [];
  private readonly containers = new Set<string>();
  private readonly keptImages = new Set<string>();
  private readonly buildCache = new Set<string>();
  private disposed: Promise<CleanupReport> | null = null;

  constructor(
    readonly docker: Docker,
    challengeId?: string,
  ) {
    this.runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    this.labels = runLabels(this.runId, challengeId);
  }

  /** Images made by a build: the final one and the intermediates (classic builds cannot label those). */
  trackImage(id: string): void {
    if (!this.images.includes(id)) this.images.push(id);
  }

  /**
   * The image a build reported, by its full id; tracked for removal only when it carries this run's
   * label, so a build that ended on a base image (every step cached away) never removes the base.
   */
  async adoptBuiltImage(imageId: string): Promise<string> {
    const inspected = await this.docker.getImage(imageId).inspect();
    if (inspected.Config?.Labels?.[LABEL_RUN] === this.runId) this.trackImage(inspected.Id);
    return inspected.Id;
  }

  /** Intermediate build containers left by a failed or cancelled step, and containers we create. */
  trackContainer(id: string): void {
    this.containers.add(id);
  }

  /**
   * BuildKit cache records this run's builds made (they carry no labels). They can only be pruned
   * once no image uses them, so they go after the images.
   */
  trackBuildCache(ids: Iterable<string>): void {
    for (const id of ids) this.buildCache.add(id);
  }

  keepImage(id: string): void {
    // Compared by short id: the build stream names images by short id, the API by full one.
    this.keptImages.add(shortId(id));
  }

  dispose(): Promise<CleanupReport> {
    this.disposed ??= this.removeEverything();
    return this.disposed;
  }

  private async removeEverything(): Promise<CleanupReport> {
    const filter = { label: [`${LABEL_RUN}=${this.runId}`] };
    const [labelled, labelledImages] = await Promise.all([
      this.docker.listContainers({ all: true, filters: filter }).catch(() => []),
      this.docker.listImages({ all: true, filters: filter }).catch(() => []),
    ]);
    // Newest first: a child must go before the parent it was built on.
    const images = [...new Set([...labelledImages.map((image) => image.Id), ...[...this.images].reverse()])];
    const report = await removeLeftovers(this.docker, {
      containers: [...new Set([...this.containers, ...labelled.map((container) => container.Id)])],
      images: images.filter((id) => !this.keptImages.has(shortId(id))),
    });
    if (this.buildCache.size > 0) report.buildCache = await pruneBuildCacheRecords(this.docker, [...this.buildCache], report.errors);
    return report;
  }
}

/** Removes containers (with their anonymous volumes) then images; objects already gone are not errors. */
export async function removeLeftovers(docker: Docker, objects: { containers: string[]; images: string[] }): Promise<CleanupReport> {
  const report: CleanupReport = { containers: 0, images: 0, errors: [] };
  for (const id of objects.containers) {
    try {
      await docker.getContainer(id).remove({ force: true, v: true });
      report.containers++;
    } catch (error) {
      if (!isGone(error)) report.errors.push(`container ${shortId(id)}: ${describe(error)}`);
    }
  }
  // Parents cannot go before their children and listing order is arbitrary: retry what conflicted
  // for as long as each pass removes something.
  let pending = dedupeImageIds(objects.images);
  while (pending.length > 0) {
    const conflicted: Array<{ id: string; error: unknown }> = [];
    for (const id of pending) {
      try {
        await docker.getImage(id).remove({ force: true, noprune: false });
        report.images++;
      } catch (error) {
        if (isGone(error)) continue;
        if ((error as { statusCode?: number }).statusCode === 409) conflicted.push({ id, error });
        else report.errors.push(`image ${shortId(id)}: ${describe(error)}`);
      }
    }
    if (conflicted.length === pending.length) {
      for (const { id, error } of conflicted) report.errors.push(`image ${shortId(id)}: ${describe(error)}`);
      break;
    }
    pending = conflicted.map(({ id }) => id);
  }
  return report;
}

/**
 * Prunes BuildKit cache records by id, one at a time (`POST /build/prune?filters={"id":[...]}`): never a
 * global prune. A record still used by an image that is kept (--keep-image) simply stays.
 */
async function pruneBuildCacheRecords(docker: Docker, ids: string[], errors: string[]): Promise<number> {
  const modem = docker.modem as unknown as { dial(options: unknown, callback: (error: unknown, data: unknown) => void): void };
  const pruneOne = (id: string) =>
    new Promise<{ CachesDeleted?: string[] | null }>((resolve, reject) =>
      modem.dial(
        {
          path: '/build/prune?',
          method: 'POST',
          options: { _query: { filters: { id: [id] } }, _body: {} },
          statusCodes: { 200: true, 500: 'server error' },
        },
        (error, data) => (error ? reject(error) : resolve((data ?? {}) as { CachesDeleted?: string[] | null })),
      ),
    );
  let removed = 0;
  // A record still used by a later step's record is only released once that one is gone: repeat
  // while a pass removes something (children are usually newer, so newest first).
  let pending = [...ids].reverse();
  while (pending.length > 0) {
    const left: string[] = [];
    for (const id of pending) {
      try {
        const deleted = (await pruneOne(id)).CachesDeleted?.length ?? 0;
        if (deleted > 0) removed += deleted;
        else left.push(id);
      } catch (error) {
        errors.push(`build cache ${id.slice(0, 12)}: ${describe(error)}`);
      }
    }
    if (left.length === pending.length) break;
    pending = left;
  }
  return removed;
}

/** The build stream gives short ids, the API full ones: keep one of each image, first seen first. */
function dedupeImageIds(ids: string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => {
    const key = shortId(id);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Objects left by runs that never got to clean up (killed, crashed). */
export interface Leftovers {
  containers: string[];
  images: string[];
  /** Objects of runs whose process is still alive (another terminal's verify): left alone unless asked. */
  live: { containers: string[]; images: string[] };
}

export async function findLeftovers(docker: Docker, options: { session?: string; includeLive?: boolean } = {}): Promise<Leftovers> {
  const filters = toolFilter(options.session);
  const [containers, images] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listImages({ all: true, filters }),
  ]);
  const byContainer = splitByLiveOwner(containers, (container) => container.Id, options.includeLive);
  const byImage = splitByLiveOwner(images, (image) => image.Id, options.includeLive);
  return { containers: byContainer.ended, images: byImage.ended, live: { containers: byContainer.live, images: byImage.live } };
}

function isGone(error: unknown): boolean {
  const status = (error as { statusCode?: number }).statusCode;
  return status === 404;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
