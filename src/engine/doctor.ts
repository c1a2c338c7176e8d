import { statfs } from 'node:fs/promises';
import os from 'node:os';
import { formatBytes } from '../checks/format.js';
import { UserError, errorMessage } from '../errors.js';
import { type Engine, MIN_API_VERSION, apiAtLeast, connectEngine, withTimeout } from './connect.js';
import { resolveEndpoint } from './endpoint.js';
import { type ImageStore, describeImageStore, imageStoreFromInfo } from './image-store.js';
import { type Builder, type BuilderPreference, buildKitSupport, builderPreference, chooseBuilder, engineBuildSupport } from './buildkit/choose.js';
import { loadExeca } from './execa.js';

export type FindingStatus = 'ok' | 'warn' | 'fail';

export interface Finding {
  id: string;
  title: string;
  status: FindingStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do about a warn or fail, one line; null when ok. */
  fix: string | null;
}

export interface DoctorReport {
  ok: boolean;
  endpoint: { host: string | null; foundBy: string | null };
  engine: {
    serverVersion: string;
    apiVersion: string;
    minApiVersion: string;
    os: string;
    architecture: string;
    storageDriver: string | null;
    /** graphdriver (overlay2 ...) or the containerd image store. */
    imageStore: ImageStore | null;
    /** The builder a verify would use on this engine. */
    builder?: Builder;
    rootDir: string | null;
    freeBytes: number | null;
  } | null;
  compose: { version: string; command: string } | null;
  images: Array<{ ref: string; present: boolean | null; id: string | null; neededBy: string }>;
  findings: Finding[];
  counts: Record<FindingStatus, number>;
}

/** Below these the engine's disk is likely to fill during a build. */
const DISK_FAIL_BYTES = 1_000_000_000;
const DISK_WARN_BYTES = 5_000_000_000;

/** An image the course needs, and which challenges need it, in words (the course describes its own uses). */
export interface DoctorImage {
  ref: string;
  neededBy: string;
}

export async function runDoctor(options: { dockerHost?: string; images: DoctorImage[]; pingTimeoutMs?: number }): Promise<DoctorReport> {
  const findings: Finding[] = [];
  const add = (finding: Finding) => findings.push(finding);
  const report: DoctorReport = {
    ok: false,
    endpoint: { host: null, foundBy: null },
    engine: null,
    compose: null,
    images: [],
    findings,
    counts: { ok: 0, warn: 0, fail: 0 },
  };

  let engine: Engine | null = null;
  try {
    const chosen = resolveEndpoint({ flag: options.dockerHost });
    report.endpoint = { host: chosen.host, foundBy: chosen.foundBy };
    engine = await connectEngine({ dockerHost: options.dockerHost, pingTimeoutMs: options.pingTimeoutMs });
    add({ id: 'engine', title: 'Engine', status: 'ok', detail: `${engine.info.endpoint} (from ${engine.info.foundBy}) answers`, fix: null });
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const tooOld = /too old/.test(error.message);
    add({ id: 'engine', title: 'Engine', status: 'fail', detail: error.message, fix: error.suggestion ?? null });
    if (!tooOld) {
      report.images = options.images.map((image) => ({ ref: image.ref, present: null, id: null, neededBy: image.neededBy }));
      add(await composeFinding(report));
      add(await cosignFinding());
      if (options.images.length > 0) {
        add({
          id: 'images',
          title: 'Images',
          status: 'warn',
          detail: `${options.images.length} base image${options.images.length === 1 ? '' : 's'} needed, not checked without an engine`,
          fix: 'Fix the engine first, then run doctor again.',
        });
      }
      return finish(report);
    }
  }

  if (engine) {
    const info = (await withTimeout(engine.docker.info(), 10_000, `the Docker engine at ${engine.info.endpoint}`)) as {
      Driver?: string;
      DriverStatus?: Array<[string, string]> | null;
      DockerRootDir?: string;
      Name?: string;
      OperatingSystem?: string;
    };
    const { serverVersion, apiVersion } = engine.info;
    report.engine = {
      serverVersion,
      apiVersion,
      minApiVersion: MIN_API_VERSION,
      os: engine.info.os,
      architecture: engine.info.architecture,
      storageDriver: info.Driver ?? null,
      imageStore: imageStoreFromInfo(info).store,
      rootDir: info.DockerRootDir ?? null,
      freeBytes: null,
    };
    add({
      id: 'version',
      title: 'Version',
      status: 'ok',
      detail: `Docker ${serverVersion}, API ${apiVersion} (Shipshape needs API ${MIN_API_VERSION} or newer)`,
      fix: null,
    });
    const linux = engine.info.os === 'linux';
    add({
      id: 'platform',
      title: 'Platform',
      status: linux ? 'ok' : 'fail',
      detail: `${engine.info.os}/${engine.info.architecture}${info.OperatingSystem ? ` (${info.OperatingSystem})` : ''}`,
      fix: linux ? null : 'The challenges need Linux containers: switch Docker Desktop to Linux containers.',
    });
    add({
      id: 'storage',
      title: 'Storage driver',
      status: info.Driver === 'vfs' ? 'warn' : 'ok',
      detail: info.Driver ?? 'unknown',
      fix: info.Driver === 'vfs' ? 'vfs copies every layer in full: builds are slow and large. Configure overlay2 if the kernel allows.' : null,
    });
    const store = imageStoreFromInfo(info);
    add({
      id: 'image-store',
      title: 'Image store',
      status: 'ok',
      detail:
        store.store === 'containerd'
          ? `${describeImageStore(store)}: sizes are measured as uncompressed layers, as on overlay2`
          : describeImageStore(store),
      fix: null,
    });
    add(await diskFinding(engine, info, report));
    // The builder a verify would use here: the same choice verify makes (SHIPSHAPE_BUILDER included).
    const support = buildKitSupport(await engineBuildSupport(engine));
    let preference: BuilderPreference = 'auto';
    try {
      preference = builderPreference(undefined);
    } catch {
      // An invalid SHIPSHAPE_BUILDER is verify's error to report; doctor shows the automatic choice.
    }
    let choice: { builder: Builder; reason: string };
    try {
      choice = chooseBuilder(preference, support, false);
    } catch (error) {
      // SHIPSHAPE_BUILDER=buildkit on an engine without it: what verify would say.
      choice = { builder: 'classic', reason: errorMessage(error) };
    }
    report.engine.builder = choice.builder;
    add({
      id: 'builder',
      title: 'Builder',
      status: choice.builder === 'buildkit' ? 'ok' : 'warn',
      detail: `${choice.builder === 'buildkit' ? 'BuildKit through the Engine API' : 'the classic builder'}: ${choice.reason}`,
      fix: choice.builder === 'buildkit' ? null : support.supported ? 'Unset SHIPSHAPE_BUILDER (or set it to auto) to build with BuildKit, as `docker build` does.' : 'Upgrade Docker (23 or newer builds with BuildKit, as learners\' engines do); challenges with build secrets or `RUN --mount` need it.',
    });
    add(await composeFinding(report));
    add(await cosignFinding());

    for (const image of options.images) {
      const { neededBy } = image;
      try {
        const inspected = await engine.docker.getImage(image.ref).inspect();
        report.images.push({ ref: image.ref, present: true, id: inspected.Id, neededBy });
        add({ id: `image:${image.ref}`, title: `Image ${image.ref}`, status: 'ok', detail: `present (${inspected.Id.slice(7, 19)})`, fix: null });
      } catch (error) {
        const missing = (error as { statusCode?: number }).statusCode === 404;
        report.images.push({ ref: image.ref, present: missing ? false : null, id: null, neededBy });
        add({
          id: `image:${image.ref}`,
          title: `Image ${image.ref}`,
          status: 'fail',
          detail: missing ? `not present; needed by ${neededBy}` : `could not be inspected: ${errorMessage(error)}`,
          fix: missing ? 'Run `shipshape images:pull` (online), or `shipshape images:load BUNDLE.tar` with a bundle from `images:save`.' : 'Check the engine.',
        });
      }
    }
  }
  return finish(report);
}

function finish(report: DoctorReport): DoctorReport {
  for (const finding of report.findings) report.counts[finding.status]++;
  report.ok = report.counts.fail === 0;
  return report;
}

/** Free space where the engine keeps images, when that directory is on this machine. */
async function diskFinding(engine: Engine, info: { DockerRootDir?: string; Name?: string }, report: DoctorReport): Promise<Finding> {
  const title = 'Disk';
  const rootDir = info.DockerRootDir;
  // A unix socket alone does not make the engine local (Docker Desktop runs it in a VM): the host name must match too.
  const local = engine.info.endpoint.startsWith('unix://') && info.Name === os.hostname();
  if (!rootDir || !local) {
    return { id: 'disk', title, status: 'ok', detail: `free space not visible from here (engine data root ${rootDir ?? 'unknown'} on ${info.Name ?? 'another machine'})`, fix: null };
  }
  let free: number;
  try {
    const stats = await statfs(rootDir);
    free = stats.bavail * stats.bsize;
  } catch (error) {
    return { id: 'disk', title, status: 'ok', detail: `free space on ${rootDir} not readable: ${errorMessage(error)}`, fix: null };
  }
  if (report.engine) report.engine.freeBytes = free;
  const status: FindingStatus = free < DISK_FAIL_BYTES ? 'fail' : free < DISK_WARN_BYTES ? 'warn' : 'ok';
  return {
    id: 'disk',
    title,
    status,
    detail: `${formatBytes(free)} free on ${rootDir}`,
    fix: status === 'ok' ? null : 'Free space: remove unused images and build cache (`docker image prune`, `docker builder prune`).',
  };
}

/** Compose v2 (the docker CLI plugin), else v1 (`docker-compose`). */
async function composeFinding(report: DoctorReport): Promise<Finding> {
  const candidates: Array<[string, string[]]> = [
    ['docker', ['compose', 'version', '--short']],
    ['docker-compose', ['version', '--short']],
  ];
  for (const [command, args] of candidates) {
    const result = await (await loadExeca())(command, args, { reject: false, timeout: 15_000, env: { DOCKER_CLI_HINTS: 'false' } });
    const version = String(result.stdout).trim().split('\n').at(-1)?.trim() ?? '';
    if (result.exitCode === 0 && /\d+\.\d+/.test(version)) {
      report.compose = { version, command: command === 'docker' ? 'docker compose' : 'docker-compose' };
      const v1 = command === 'docker-compose';
      return {
        id: 'compose',
        title: 'Compose',
        status: 'ok',
        detail: `${v1 ? 'v1' : 'v2'} ${version} (\`${report.compose.command}\`)`,
        fix: null,
      };
    }
  }
  return {
    id: 'compose',
    title: 'Compose',
    status: 'warn',
    detail: 'neither `docker compose` nor `docker-compose` found',
    fix: 'Install the Compose plugin (docker-compose-plugin) or docker-compose for the multi-container challenges.',
  };
}

/** cosign, which the image-signing challenge runs to sign and verify (src/engine/cosign.ts); only that challenge needs it. */
async function cosignFinding(): Promise<Finding> {
  const { cosignTool } = await import('./cosign.js');
  const tool = await cosignTool();
  if ('missing' in tool) {
    return {
      id: 'cosign',
      title: 'cosign',
      status: 'warn',
      detail: tool.missing,
      fix: 'Only the image-signing challenge needs it: install cosign (https://docs.sigstore.dev/cosign/system_config/installation/), or as root in a Shipshape checkout `bash scripts/tools/cosign.sh`.',
    };
  }
  return { id: 'cosign', title: 'cosign', status: 'ok', detail: `${tool.binary} (${tool.version}), for the image-signing challenge`, fix: null };
}

/** execa is loaded when a command first needs it, not at start-up. */
