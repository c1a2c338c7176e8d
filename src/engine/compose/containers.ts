import type Docker from 'dockerode';
import type { ContainerSettings, StackContainer } from '../../checks/kind.js';

/** The label Compose puts on every object of a project, and the one naming a container's service. */
export const PROJECT_LABEL = 'com.docker.compose.project';
export const SERVICE_LABEL = 'com.docker.compose.service';

/** The containers of a compose project (of one service, when given), as the engine reports them. */
export async function stackContainers(docker: Docker, project: string, service?: string): Promise<StackContainer[]> {
  const label = [`${PROJECT_LABEL}=${project}`, ...(service ? [`${SERVICE_LABEL}=${service}`] : [])];
  const list = await docker.listContainers({ all: true, filters: { label } });
  const out: StackContainer[] = [];
  for (const entry of list) {
    const info = await docker.getContainer(entry.Id).inspect().catch(() => null);
    if (!info) continue;
    const ports: StackContainer['ports'] = {};
    for (const [key, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
      ports[key] = (bindings ?? []).map((binding) => ({ hostIp: binding.HostIp, hostPort: Number(binding.HostPort) }));
    }
    const health = info.State.Health as { Status: string; Log?: Array<{ Start: string; End: string; ExitCode: number; Output: string }> } | undefined;
    out.push({
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      service: info.Config.Labels?.[SERVICE_LABEL] ?? '',
      status: info.State.Status,
      running: info.State.Running,
      exitCode: info.State.ExitCode,
      startedAt: info.State.StartedAt,
      finishedAt: info.State.FinishedAt,
      health: health
        ? { status: health.Status, log: (health.Log ?? []).map((entry) => ({ start: entry.Start, end: entry.End, exitCode: entry.ExitCode, output: entry.Output.trim() })) }
        : null,
      ports,
      settings: settingsOf(info),
    });
  }
  return out;
}

type Inspected = Awaited<ReturnType<Docker.Container['inspect']>>;

/** The settings the engine applied, from `docker inspect`. */
function settingsOf(info: Inspected): ContainerSettings {
  const host = info.HostConfig;
  const quota = host.CpuQuota ?? 0;
  const period = host.CpuPeriod || 100_000;
  return {
    memoryBytes: host.Memory ?? 0,
    nanoCpus: host.NanoCpus || (quota > 0 ? Math.round((quota / period) * 1e9) : 0),
    pidsLimit: host.PidsLimit ?? 0,
    oomKilled: Boolean(info.State.OOMKilled),
    restartPolicy: { name: host.RestartPolicy?.Name || 'no', maximumRetryCount: host.RestartPolicy?.MaximumRetryCount ?? 0 },
    readOnlyRootfs: Boolean(host.ReadonlyRootfs),
    capAdd: host.CapAdd ?? [],
    capDrop: host.CapDrop ?? [],
    securityOpt: host.SecurityOpt ?? [],
    mounts: (info.Mounts ?? []).map((mount) => ({ type: String(mount.Type ?? ''), source: mount.Source ?? '', destination: mount.Destination, readOnly: !mount.RW })),
    networks: Object.keys(info.NetworkSettings?.Networks ?? {}),
    imageId: info.Image,
  };
}
