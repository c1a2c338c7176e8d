// The README's demo: engine check, base images (local stand-ins where they cannot be pulled),
// then the seed challenge in a temporary workspace: the broken starter fails, the reference solution passes.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'run.js');
const challenge = 'docker-missing-multistage';
const baseImages = ['composer:2', 'php:8.2-fpm-alpine'];
const docker = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

function banner(text) {
  console.log(`\n\u001B[1m━━ ${text}\u001B[22m`);
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options }).status ?? 1;
}

banner('Docker engine');
if (process.platform === 'linux') {
  if (run('bash', ['scripts/ensure-engine.sh']) !== 0) process.exit(2);
}
console.log('An engine answers.');

banner('Base images');
const missing = baseImages.filter((image) => spawnSync(docker, ['image', 'inspect', image], { stdio: 'ignore' }).status !== 0);
const unpullable = missing.filter((image) => {
  console.log(`Pulling ${image}...`);
  return spawnSync(docker, ['pull', '-q', image], { stdio: 'ignore', timeout: 120_000 }).status !== 0;
});
if (unpullable.length > 0) {
  console.log(`Cannot pull ${unpullable.join(', ')} (no registry reachable): building local stand-ins from Debian packages, as the tests do.`);
  if (run('bash', ['scripts/stand-ins/build.sh']) !== 0) process.exit(2);
} else {
  const standIns = baseImages.filter((image) => {
    const probe = spawnSync(docker, ['image', 'inspect', '-f', '{{index .Config.Labels "dev.shipshape.stand-in"}}', image], { encoding: 'utf8' });
    return probe.status === 0 && probe.stdout.trim() !== '' && probe.stdout.trim() !== '<no value>';
  });
  if (standIns.length > 0) {
    console.log(`Using local stand-ins for ${standIns.join(', ')} (built from Debian packages because no registry was reachable); checking they are up to date:`);
    if (run('bash', ['scripts/stand-ins/build.sh']) !== 0) process.exit(2);
  } else {
    console.log(`Present: ${baseImages.join(', ')}`);
  }
}

const workspace = path.join(mkdtempSync(path.join(os.tmpdir(), 'shipshape-demo-')), challenge);
try {
  banner(`shipshape challenge:start ${challenge}`);
  if (run(process.execPath, [cli, 'challenge:start', challenge, '--dir', workspace]) !== 0) process.exit(2);

  banner('shipshape challenge:verify   (the broken starter: expected to fail)');
  const starter = run(process.execPath, [cli, 'challenge:verify', '--dir', workspace, '--plain']);
  console.log(`exit code ${starter}`);

  banner('Applying the reference solution, then verifying again (expected to pass)');
  cpSync(path.join(root, 'challenges', challenge, 'solution'), workspace, { recursive: true });
  const solution = run(process.execPath, [cli, 'challenge:verify', '--dir', workspace, '--plain']);
  console.log(`exit code ${solution}`);

  const ok = starter === 1 && solution === 0;
  banner(ok ? 'Demo finished: the starter failed and the solution passed.' : 'Demo did not go as expected.');
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(path.dirname(workspace), { recursive: true, force: true });
}
