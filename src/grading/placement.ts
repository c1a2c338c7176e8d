/**
 * Where the next submission of a batch goes: the engine with the most room left, judged by its CPUs and
 * memory (Engine API `/info`: NCPU, MemTotal, ContainersRunning) against what one grading asks for (the
 * container limits), not only by how many gradings it runs. Engines whose size is unknown count as one
 * grading's worth of room per free slot, as before.
 */
export interface EngineCapacity {
  cpus: number;
  memoryBytes: number;
  /** Containers running on the engine when it was read, ours included. */
  running: number;
  /** Our gradings in flight on it at that moment (their containers are among `running`). */
  inFlightAtRead: number;
}

export interface Placeable {
  inFlight: number;
  graded: number;
  capacity: EngineCapacity | null;
}

export interface GradingNeeds {
  cpus: number;
  memoryBytes: number;
}

/** How many more gradings the engine can take before its CPUs or its memory are spoken for (may be negative). */
export function headroom(slot: Placeable, needs: GradingNeeds): number {
  if (!slot.capacity) return 1 - slot.inFlight;
  const { cpus, memoryBytes, running, inFlightAtRead } = slot.capacity;
  // Containers of other users (or other batches) keep their share; ours are counted by inFlight instead.
  const others = Math.max(0, running - inFlightAtRead);
  const busy = others + slot.inFlight;
  const byCpu = cpus / Math.max(needs.cpus, 0.01) - busy;
  const byMemory = memoryBytes / Math.max(needs.memoryBytes, 1) - busy;
  return Math.min(byCpu, byMemory);
}

/** The slot to place the next grading on: most headroom, then fewest running, then fewest graded. */
export function pickSlot<T extends Placeable>(slots: T[], needs: GradingNeeds): T | null {
  const ranked = [...slots].sort((a, b) => headroom(b, needs) - headroom(a, needs) || a.inFlight - b.inFlight || a.graded - b.graded);
  return ranked[0] ?? null;
}

/** The engine's size from `/info`; null when it cannot be read (placement then falls back to counts). */
export async function readCapacity(docker: { info(): Promise<unknown> }, inFlight: number): Promise<EngineCapacity | null> {
  try {
    const info = (await docker.info()) as { NCPU?: number; MemTotal?: number; ContainersRunning?: number };
    if (!info.NCPU || !info.MemTotal) return null;
    return { cpus: info.NCPU, memoryBytes: info.MemTotal, running: info.ContainersRunning ?? 0, inFlightAtRead: inFlight };
  } catch {
    return null;
  }
}
