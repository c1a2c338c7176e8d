import { access, constants, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CosignRun, CosignTool } from '../checks/kind.js';
import { errorMessage } from '../errors.js';
import { loadExeca } from './execa.js';

/** Where scripts/tools/cosign.sh puts Debian's cosign when none is on PATH (its SHIPSHAPE_TOOLS_DIR). */
const toolsCosign = (env: NodeJS.ProcessEnv) => path.join(env.SHIPSHAPE_TOOLS_DIR?.trim() || '/var/lib/shipshape-tools', 'cosign', 'bin', 'cosign');
const RUN_TIMEOUT_MS = 60_000;
const OUTPUT_LIMIT = 20_000;

/** The cosign binary: SHIPSHAPE_COSIGN, else `cosign` on PATH, else the one scripts/tools/cosign.sh installed; null when none. */
export async function findCosign(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const candidates = [
    ...(env.SHIPSHAPE_COSIGN?.trim() ? [env.SHIPSHAPE_COSIGN.trim()] : []),
    ...(env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'cosign')),
    toolsCosign(env),
  ];
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

export const COSIGN_MISSING =
  'cosign is not installed on this machine, so no signature can be made or verified: install it (https://docs.sigstore.dev/cosign/system_config/installation/, or as root `bash scripts/tools/cosign.sh` in a Shipshape checkout), or point SHIPSHAPE_COSIGN at the binary';

/**
 * cosign for signing and verifying with a key pair against the run's registry on 127.0.0.1: no
 * transparency log and no Sigstore services (offline), plain HTTP to the registry. Each run gets its
 * own HOME (cosign keeps a TUF cache there), removed afterwards.
 */
export async function cosignTool(env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<CosignTool | { missing: string }> {
  const binary = await findCosign(env);
  if (!binary) return { missing: COSIGN_MISSING };
  const execa = await loadExeca();
  const version = await execa(binary, ['version'], { reject: false, timeout: 15_000 });
  if (version.exitCode !== 0) return { missing: `${binary} does not run here: ${String(version.stderr || version.stdout).split('\n')[0]}` };
  const gitVersion = /GitVersion:\s*(\S+)/.exec(String(version.stdout))?.[1] ?? 'unknown';

  async function run(args: string[], password?: string): Promise<CosignRun> {
    const home = await mkdtemp(path.join(os.tmpdir(), 'shipshape-cosign-'));
    try {
      const result = await execa(binary!, args, {
        reject: false,
        timeout: RUN_TIMEOUT_MS,
        // Ctrl-C ends cosign with the run.
        ...(signal ? { cancelSignal: signal, forceKillAfterDelay: 1000 } : {}),
        stdin: 'ignore',
        // Only what cosign needs: no registry credentials or Sigstore settings of the user's leak in.
        extendEnv: false,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, ...(password !== undefined ? { COSIGN_PASSWORD: password } : {}) },
      });
      return {
        exitCode: result.timedOut ? null : (result.exitCode ?? null),
        stdout: String(result.stdout).slice(0, OUTPUT_LIMIT),
        stderr: String(result.stderr).slice(0, OUTPUT_LIMIT),
      };
    } catch (error) {
      return { exitCode: null, stdout: '', stderr: errorMessage(error) };
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }

  return {
    binary,
    version: gitVersion,
    sign: (keyPath, reference, password) =>
      run(['sign', '--key', keyPath, '--use-signing-config=false', '--tlog-upload=false', '--yes', '--allow-http-registry', '--allow-insecure-registry', reference], password),
    verify: (publicKeyPath, reference) =>
      run(['verify', '--key', publicKeyPath, '--insecure-ignore-tlog=true', '--allow-http-registry', '--allow-insecure-registry', '--output', 'json', reference]),
  };
}
