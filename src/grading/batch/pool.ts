import { EngineUnavailableError, UserError, errorMessage } from '../../errors.js';
import { type ConnectOptions, type Engine, connectEngine, withTimeout } from '../../engine/connect.js';
import { LABEL_OWNER, currentOwner } from '../../engine/labels.js';
import { DEFAULT_LIMITS } from '../../engine/run.js';
import { removeLeftovers } from '../../engine/scope.js';
import { type EngineCapacity, type GradingNeeds, pickSlot, readCapacity } from '../placement.js';
import type { BatchEvent, CleanupTotals, EngineUsage } from './types.js';

/** Connects to every --docker-host (or the default engine). Hosts that do not answer are left out with a warning; none answering is an error. */
export async function connectEngines(
  hosts: string[],
  warn: (message: string) => void,
  connect: (options?: ConnectOptions) => Promise<Engine> = connectEngine,
): Promise<Engine[]> {
  if (hosts.length === 0) return [await connect()];
  const unique = [...new Set(hosts)];
  const settled = await Promise.allSettled(unique.map((host) => connect({ dockerHost: host })));
  const engines: Engine[] = [];
  const problems: string[] = [];
  settled.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') engines.push(outcome.value);
    else {
      // A malformed host is bad input whatever the others do.
      if (outcome.reason instanceof UserError && !(outcome.reason instanceof EngineUnavailableError)) throw outcome.reason;
      problems.push(errorMessage(outcome.reason));
      warn(`left out ${unique[index]}: ${errorMessage(outcome.reason)}`);
    }
  });
  if (engines.length === 0) {
    throw new EngineUnavailableError(`None of the engines answered:\n${problems.map((problem) => `  ${problem}`).join('\n')}`, 'Start at least one of them, or check the --docker-host values.');
  }
  return engines;
}

export interface EngineSlot {
  engine: Engine;
  usage: EngineUsage;
  inFlight: number;
  /** The engine's CPUs, memory and running containers (read before the batch, again after each grading). */
  capacity: EngineCapacity | null;
}

/** What one grading asks of an engine: its containers' limits. */
export const GRADING_NEEDS: GradingNeeds = { cpus: DEFAULT_LIMITS.nanoCpus / 1e9, memoryBytes: DEFAULT_LIMITS.memoryBytes };

/** The engine calls of the pool, replaceable in tests. */
export interface PoolProbes {
  readCapacity(engine: Engine, inFlight: number): Promise<EngineCapacity | null>;
  /** Removes what this process left on the engine. */
  sweep(engine: Engine): Promise<CleanupTotals>;
}

const ENGINE_PROBES: PoolProbes = {
  readCapacity: (engine, inFlight) => readCapacity(engine.docker, inFlight),
  sweep: sweepOwned,
};

/**
 * The engines of a batch: which still answer, how busy each is, where the next grading goes
 * (src/grading/placement.ts), and what is left on them at the end. A lost engine stays lost.
 */
export class EnginePool {
  readonly slots: EngineSlot[];

  constructor(
    engines: Engine[],
    private readonly emit: (event: BatchEvent) => void,
    private readonly needs: GradingNeeds = GRADING_NEEDS,
    private readonly probes: PoolProbes = ENGINE_PROBES,
  ) {
    this.slots = engines.map((engine) => ({
      engine,
      usage: { endpoint: engine.info.endpoint, graded: 0, lost: false, lostReason: null },
      inFlight: 0,
      capacity: null,
    }));
  }

  /** Every engine's size and load, read before the first placement. */
  async readCapacities(): Promise<void> {
    await Promise.all(this.slots.map(async (slot) => (slot.capacity = await this.probes.readCapacity(slot.engine, slot.inFlight))));
  }

  /** The engine that still answers with the most room for one more grading, other than those to avoid. */
  pick(avoid: ReadonlySet<EngineSlot> = new Set()): EngineSlot | null {
    const candidates = this.slots.filter((slot) => !slot.usage.lost && !avoid.has(slot));
    const picked = pickSlot(candidates.map((slot) => ({ slot, inFlight: slot.inFlight, graded: slot.usage.graded, capacity: slot.capacity })), this.needs);
    return picked?.slot ?? null;
  }

  /** Runs one grading on the slot, counted as in flight there until it ends. */
  async occupy<T>(slot: EngineSlot, grading: () => Promise<T>): Promise<T> {
    slot.inFlight++;
    try {
      return await grading();
    } finally {
      slot.inFlight--;
      // Re-read in the background: the next placement sees what else now runs there.
      if (this.slots.length > 1) void this.probes.readCapacity(slot.engine, slot.inFlight).then((capacity) => (slot.capacity = capacity ?? slot.capacity));
    }
  }

  /** Leaves the engine out of the rest of the batch (once; the first reason stays). */
  markLost(slot: EngineSlot, reason: string): void {
    if (slot.usage.lost) return;
    slot.usage.lost = true;
    slot.usage.lostReason = reason;
    this.emit({ type: 'engine-lost', engine: slot.usage.endpoint, reason });
  }

  allLost(): boolean {
    return this.slots.every((slot) => slot.usage.lost);
  }

  noEngineMessage(): string {
    return `no Docker engine left to grade on (${this.slots.map((slot) => `${slot.usage.endpoint}: ${slot.usage.lostReason ?? 'tried'}`).join('; ')})`;
  }

  usage(): EngineUsage[] {
    return this.slots.map((slot) => slot.usage);
  }

  /**
   * Anything a verify left behind (one cut off after its cleanup grace) carries our owner label.
   * A lost engine cannot be reached; what it holds of ours is for `shipshape clean` once it is back.
   */
  async close(): Promise<CleanupTotals> {
    const totals: CleanupTotals = { containers: 0, images: 0, errors: [] };
    for (const slot of this.slots.filter((candidate) => !candidate.usage.lost)) {
      const report = await this.probes.sweep(slot.engine).catch((error) => ({ containers: 0, images: 0, errors: [errorMessage(error)] }));
      totals.containers += report.containers;
      totals.images += report.images;
      totals.errors.push(...report.errors);
    }
    return totals;
  }
}

/** Removes what this process created on an engine and did not remove itself (found by the owner label). */
async function sweepOwned(engine: Engine): Promise<CleanupTotals> {
  const filters = { label: [`${LABEL_OWNER}=${currentOwner()}`] };
  const [containers, images] = await Promise.all([
    withTimeout(engine.docker.listContainers({ all: true, filters }), 5000, 'the Docker engine'),
    withTimeout(engine.docker.listImages({ all: true, filters }), 5000, 'the Docker engine'),
  ]);
  return removeLeftovers(engine.docker, { containers: containers.map((c) => c.Id), images: images.map((i) => i.Id) });
}
