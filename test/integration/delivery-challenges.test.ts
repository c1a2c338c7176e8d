import { beforeAll, expect, it } from 'vitest';
import { findPack } from '../../src/course/packs.js';
import { connectEngine, type Engine } from '../../src/engine/connect.js';
import { proveChallenge } from '../../src/grading/prove.js';
import type { VerifyResult } from '../../src/grading/result.js';
import { labelledObjects, requireEngine, requireImages } from '../support/engine.js';
import { expectSolutionEvidence } from '../support/evidence.js';
import { describeNeeding, needs } from '../support/needs.js';

/**
 * The delivery challenges proved on the suite's own engine (Docker 20.10, one platform per image): a
 * registry of the run on 127.0.0.1, cosign against it, and the multi-platform check skipped for the
 * engine with its reason. The Docker 28 engines prove them in test/matrix/current-engines.test.ts.
 */
describeNeeding(needs.engine, needs.cosign)('delivery challenges on the engine: registry, signing, platforms', { timeout: 600_000 }, () => {
  let engine: Engine;

  beforeAll(async () => {
    requireEngine();
    requireImages('busybox:1.36', 'golang:1.22-alpine', 'registry:2');
    engine = await connectEngine();
  });

  it.each(['docker-registry-digest', 'docker-image-signing'])('%s: the starter fails exactly its starterFails and the solution passes, graded through a registry the run started and removed', async (id) => {
    const pack = await findPack(id);
    const results: Partial<Record<'starter' | 'solution', VerifyResult>> = {};
    const proof = await proveChallenge(pack, engine, { onVerified: (stage, result) => (results[stage] = result) });
    expect(proof.mismatches).toEqual([]);
    for (const row of proof.rows) {
      expect(row, row.id).toMatchObject({ ok: true, exercised: true, solution: 'pass' });
      expect(row.starter, row.id).toBe(row.starterExpected === 'fail' ? 'fail' : 'pass');
    }
    const looked = expectSolutionEvidence(pack, results.solution!);
    expect(looked.length, `${id}: no check looked at the registry`).toBeGreaterThan(0);
    // The registry container and every image pushed, tagged or marked went with the runs.
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('docker-multi-arch on this engine (one platform per image): the index check is skipped for the engine, with the reason, and never passes', async () => {
    const pack = await findPack('docker-multi-arch');
    const results: Partial<Record<'starter' | 'solution', VerifyResult>> = {};
    const proof = await proveChallenge(pack, engine, { onVerified: (stage, result) => (results[stage] = result) });
    expect(proof.mismatches).toEqual([]);
    const row = proof.rows.find((candidate) => candidate.id === 'platform-binaries')!;
    expect(row).toMatchObject({ ok: true, exercised: false, starter: 'skip', solution: 'skip', engineSkip: expect.stringContaining('keeps one platform per image') });
    for (const other of proof.rows.filter((candidate) => candidate !== row)) expect(other, other.id).toMatchObject({ ok: true, exercised: true, solution: 'pass' });
    const skipped = results.solution!.checks.find((check) => check.id === 'platform-binaries')!;
    expect(skipped).toMatchObject({ status: 'skip', skippedFor: 'engine', points: 0 });
    // A check the engine could not grade leaves the challenge unpassed: no pass by accident.
    expect(results.solution!.passed).toBe(false);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });
});
