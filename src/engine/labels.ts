import os from 'node:os';

/** Every Docker object Shipshape creates carries these, so cleanup and `shipshape clean` can find them. */
export const LABEL_TOOL = 'dev.shipshape.tool';
export const LABEL_RUN = 'dev.shipshape.run';
export const LABEL_CHALLENGE = 'dev.shipshape.challenge';
/** `host:pid` of the process that made the object: `clean` leaves alone what a live run still uses. */
export const LABEL_OWNER = 'dev.shipshape.owner';
/** Optional grouping set by `SHIPSHAPE_SESSION` (a grading batch, a test run) so it can be counted and cleaned alone. */
export const LABEL_SESSION = 'dev.shipshape.session';
export const TOOL_NAME = 'shipshape';

export function currentOwner(): string {
  return `${os.hostname()}:${process.pid}`;
}

export function currentSession(): string | undefined {
  const session = process.env.SHIPSHAPE_SESSION?.trim();
  return session ? session : undefined;
}

export function runLabels(runId: string, challengeId?: string): Record<string, string> {
  const session = currentSession();
  return {
    [LABEL_TOOL]: TOOL_NAME,
    [LABEL_RUN]: runId,
    [LABEL_OWNER]: currentOwner(),
    ...(session ? { [LABEL_SESSION]: session } : {}),
    ...(challengeId ? { [LABEL_CHALLENGE]: challengeId } : {}),
  };
}

/** Label filter for every object of ours, or only those of one session. */
export function toolFilter(session?: string): { label: string[] } {
  return { label: [`${LABEL_TOOL}=${TOOL_NAME}`, ...(session ? [`${LABEL_SESSION}=${session}`] : [])] };
}

/**
 * Whether the process that made an object is still running on this machine. Objects made on
 * another host (a shared remote engine) count as live: we cannot tell, so we do not take them.
 */
export function ownerIsAlive(owner: string | undefined): boolean {
  if (!owner) return false;
  const separator = owner.lastIndexOf(':');
  const host = owner.slice(0, separator);
  const pid = Number(owner.slice(separator + 1));
  if (host !== os.hostname()) return true;
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Splits labelled objects by their owner label: those of runs that ended (leftovers to remove) and those
 * of a run whose process still lives (another terminal's verify), unless every one is wanted.
 */
export function splitByLiveOwner<T extends { Labels?: Record<string, string> | null }>(
  objects: T[],
  idOf: (object: T) => string,
  includeLive = false,
): { ended: string[]; live: string[] } {
  const split = { ended: [] as string[], live: [] as string[] };
  for (const object of objects) {
    const live = !includeLive && ownerIsAlive(object.Labels?.[LABEL_OWNER] ?? undefined);
    (live ? split.live : split.ended).push(idOf(object));
  }
  return split;
}
