#!/usr/bin/env node
// Time and memory of the static phase on adversarial Dockerfiles (test/support/hostile-dockerfiles.mjs),
// as ratios to a baseline measured in the same run: the same command on the pack's ordinary solution
// Dockerfile. Each run is `challenge:verify` in the live (ink) view on a terminal that reports 0
// columns (test/support/fake-tty.mjs), with no engine, so it ends after the static verdicts.
//
//   npm run build && node bench/hostile-dockerfiles.mjs [--runs N]
//
// Correctness is in test/checks/dockerfile/corpus.test.ts and test/ui/verify-view-hostile.test.ts;
// this file only measures. No Docker object is created.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostileDockerfiles } from '../test/support/hostile-dockerfiles.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'run.js');
const FAKE_TTY = path.join(ROOT, 'test', 'support', 'fake-tty.mjs');
const PACKS = path.join(ROOT, 'test', 'fixtures', 'packs', 'static-all');
const SOLUTION = path.join(PACKS, 'docker-static-all', 'solution');
const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;

/** Targets, as ratios to the baseline run (parsing a megabyte costs what it costs; nothing may grow worse than linearly). */
const TARGETS = {
  '1 MB Dockerfile': { time: 8, rss: 2 },
  '5000-stage chain': { time: 3, rss: 1.5 },
  '10 000 HEALTHCHECK lines': { time: 3, rss: 1.5 },
  '1 MB exec-form CMD': { time: 10, rss: 4 },
  'escape bytes': { time: 1.5, rss: 1.3 },
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function measure(workspace) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, FAKE_TTY_COLUMNS: '0', DOCKER_HOST: `unix://${path.join(workspace, 'no-engine.sock')}` };
    delete env.CI;
    delete env.CONTINUOUS_INTEGRATION;
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', 'MAXRSS_KB=%M', process.execPath, FAKE_TTY, 'challenge:verify', '--dir', workspace, '--pack', PACKS], { env });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const kb = Number(/MAXRSS_KB=(\d+)/.exec(stderr)?.[1]);
      // Exit 2: the static verdicts were given and the (absent) engine was reported, as intended.
      if (code !== 2 || !kb) reject(new Error(`unexpected end (exit ${code}): ${stderr.slice(-800)}`));
      else resolve({ ms, rssMb: kb / 1024 });
    });
  });
}

async function series(workspace, dockerfile) {
  if (dockerfile !== null) await writeFile(path.join(workspace, 'Dockerfile'), dockerfile);
  const samples = [];
  for (let run = 0; run < RUNS; run += 1) samples.push(await measure(workspace));
  return { ms: median(samples.map((sample) => sample.ms)), rssMb: median(samples.map((sample) => sample.rssMb)) };
}

const scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-bench-hostile-'));
const figures = [];
try {
  const workspace = path.join(scratch, 'ws');
  const started = spawn(process.execPath, [BIN, 'challenge:start', 'docker-static-all', '--dir', workspace, '--pack', PACKS], { stdio: 'ignore' });
  await new Promise((resolve) => started.on('close', resolve));
  await cp(SOLUTION, workspace, { recursive: true });
  const baseline = await series(workspace, null);
  console.log(`baseline (the pack's solution Dockerfile): ${Math.round(baseline.ms)} ms, ${baseline.rssMb.toFixed(0)} MB peak RSS (median of ${RUNS})`);
  for (const [name, build] of Object.entries(hostileDockerfiles)) {
    const figure = await series(workspace, build());
    const time = figure.ms / baseline.ms;
    const rss = figure.rssMb / baseline.rssMb;
    const target = TARGETS[name];
    const met = time <= target.time && rss <= target.rss;
    figures.push({ name, ...figure, timeRatio: time, rssRatio: rss, target, met });
    console.log(
      `${name.padEnd(26)} ${String(Math.round(figure.ms)).padStart(6)} ms = ${time.toFixed(2)}x (target <= ${target.time}x)  ` +
        `${figure.rssMb.toFixed(0).padStart(4)} MB = ${rss.toFixed(2)}x (target <= ${target.rss}x)  ${met ? 'met' : 'MISSED'}`,
    );
  }
  // Linear, not quadratic: the static phase alone (parse and every static check), in this process.
  const { DockerfileModel } = await import('../dist/checks/dockerfile/model.js');
  const { loadCheckKinds, findCheckKind } = await import('../dist/checks/registry.js');
  const kinds = ['dockerfile.stage-count', 'dockerfile.named-stage', 'dockerfile.command-only-in-build-stages', 'dockerfile.final-stage-from', 'dockerfile.copy-from-stage', 'dockerfile.no-copy-of', 'dockerfile.healthcheck', 'dockerfile.exec-form'];
  const params = { 'dockerfile.stage-count': { min: 2 }, 'dockerfile.named-stage': { name: 'builder' }, 'dockerfile.command-only-in-build-stages': { pattern: 'make', description: 'make' }, 'dockerfile.final-stage-from': { image: 'alpine:*' }, 'dockerfile.copy-from-stage': { stage: 'builder', source: '/out' }, 'dockerfile.no-copy-of': { pattern: 'Makefile', description: 'the Makefile' }, 'dockerfile.healthcheck': {}, 'dockerfile.exec-form': { instruction: 'CMD' } };
  await loadCheckKinds(kinds);
  const chain = (count) => ['FROM alpine:3.20 AS s0', 'RUN make', ...Array.from({ length: count - 1 }, (_unused, index) => `FROM s${index} AS s${index + 1}`), ''].join('\n');
  const staticPhase = async (source) => {
    const samples = [];
    for (let run = 0; run < RUNS; run += 1) {
      const begin = process.hrtime.bigint();
      const dockerfile = DockerfileModel.parse('Dockerfile', source);
      for (const name of kinds) {
        const kind = findCheckKind(name);
        await kind.run(kind.params.parse(params[name]), { dockerfile, workspaceDir: scratch });
      }
      samples.push(Number(process.hrtime.bigint() - begin) / 1e6);
    }
    return median(samples);
  };
  await staticPhase(chain(1000)); // warm-up
  const half = await staticPhase(chain(5000));
  const full = await staticPhase(chain(10_000));
  const growth = full / half;
  const linear = growth <= 2.6;
  figures.push({ name: 'chain 10000 vs 5000 stages', growth, target: 2.6, met: linear });
  console.log(`static phase of a stage chain: 5000 stages ${Math.round(half)} ms, 10 000 stages ${Math.round(full)} ms = ${growth.toFixed(2)}x for 2x the stages (target <= 2.6x: linear is 2, quadratic 4)  ${linear ? 'met' : 'MISSED'}`);
  const missed = figures.filter((figure) => !figure.met);
  console.log(`${figures.length - missed.length} targets met, ${missed.length} MISSED${missed.length ? `: ${missed.map((figure) => figure.name).join(', ')}` : ''}`);
  process.exitCode = missed.length ? 1 : 0;
} finally {
  await rm(scratch, { recursive: true, force: true });
}
