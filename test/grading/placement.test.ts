import { describe, expect, it } from 'vitest';
import { type EngineCapacity, headroom, pickSlot, readCapacity } from '../../src/grading/placement.js';

const GiB = 1024 ** 3;
const needs = { cpus: 1, memoryBytes: 512 * 1024 ** 2 };
const engine = (name: string, capacity: EngineCapacity | null, inFlight = 0, graded = 0) => ({ name, capacity, inFlight, graded });
const size = (cpus: number, memoryGiB: number, running = 0, inFlightAtRead = 0): EngineCapacity => ({ cpus, memoryBytes: memoryGiB * GiB, running, inFlightAtRead });

/** Places `count` gradings one after another (none finishing) and returns the engine chosen each time. */
function place(slots: Array<ReturnType<typeof engine>>, count: number): string[] {
  const chosen: string[] = [];
  for (let i = 0; i < count; i++) {
    const slot = pickSlot(slots, needs)!;
    slot.inFlight++;
    chosen.push(slot.name);
  }
  return chosen;
}

describe('batch placement by free CPUs and memory (fake engine stats)', () => {
  it('fills the larger engine first, in proportion to its free CPUs', () => {
    const small = engine('small', size(2, 16));
    const large = engine('large', size(8, 16));
    const chosen = place([small, large], 8);
    // Running count alone would alternate (4 and 4); by free CPUs the 8-core engine takes the first six
    // (until its room equals the 2-core one's), then they share: 7 and 1.
    expect(chosen).toEqual(['large', 'large', 'large', 'large', 'large', 'large', 'small', 'large']);
    expect(small.inFlight + large.inFlight).toBe(8);
  });

  it('memory limits an engine with many CPUs and little memory', () => {
    // 16 CPUs but 1 GiB: two gradings of 512 MiB fill it; the 4-CPU, 8 GiB engine takes the rest.
    const cpuRich = engine('cpu-rich', size(16, 1));
    const roomy = engine('roomy', size(4, 8));
    const chosen = place([cpuRich, roomy], 6);
    expect(chosen.filter((name) => name === 'cpu-rich')).toHaveLength(2);
    expect(headroom(cpuRich, needs)).toBeLessThanOrEqual(0);
  });

  it("other users' running containers take their share; our own in-flight gradings are not counted twice", () => {
    const busy = engine('busy', size(4, 16, 4, 0));
    const idle = engine('idle', size(4, 16, 0, 0));
    expect(place([busy, idle], 3)).toEqual(['idle', 'idle', 'idle']);
    // Read while two of ours ran there: those two are ours, not someone else's.
    const ours = engine('ours', size(4, 16, 2, 2), 2);
    expect(headroom(ours, needs)).toBe(2);
  });

  it('unknown sizes fall back to the running count, then the number graded', () => {
    const a = engine('a', null, 1, 0);
    const b = engine('b', null, 0, 5);
    const c = engine('c', null, 0, 2);
    expect(pickSlot([a, b, c], needs)!.name).toBe('c');
    expect(pickSlot([], needs)).toBeNull();
  });

  it('always places somewhere, even when every engine is full (the batch never stalls)', () => {
    const full = engine('full', size(1, 1, 10, 0));
    expect(pickSlot([full], needs)!.name).toBe('full');
  });

  it('reads NCPU, MemTotal and ContainersRunning from /info, and null when the engine does not say', async () => {
    expect(await readCapacity({ info: async () => ({ NCPU: 2, MemTotal: 4 * GiB, ContainersRunning: 3 }) }, 1)).toEqual(size(2, 4, 3, 1));
    expect(await readCapacity({ info: async () => ({}) }, 0)).toBeNull();
    expect(await readCapacity({ info: async () => Promise.reject(new Error('gone')) }, 0)).toBeNull();
  });
});
