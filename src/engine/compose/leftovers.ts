import { errorMessage } from '../../errors.js';
import type { Engine } from '../connect.js';
import { splitByLiveOwner, toolFilter } from '../labels.js';

/** Volumes and networks of compose runs that never got to `down` (killed): `shipshape clean` removes them after the containers. */
export interface ComposeLeftovers {
  volumes: string[];
  networks: string[];
  live: { volumes: string[]; networks: string[] };
}

export async function findComposeLeftovers(docker: Engine['docker'], options: { session?: string; includeLive?: boolean } = {}): Promise<ComposeLeftovers> {
  const filters = toolFilter(options.session);
  const [volumes, networks] = await Promise.all([
    docker.listVolumes({ filters }).then((result) => result.Volumes ?? [], () => []),
    docker.listNetworks({ filters }).catch(() => []),
  ]);
  const byVolume = splitByLiveOwner(volumes, (volume) => volume.Name, options.includeLive);
  const byNetwork = splitByLiveOwner(networks, (network) => network.Name, options.includeLive);
  return { volumes: byVolume.ended, networks: byNetwork.ended, live: { volumes: byVolume.live, networks: byNetwork.live } };
}

export async function removeComposeLeftovers(docker: Engine['docker'], leftovers: { volumes: string[]; networks: string[] }) {
  const report = { volumes: 0, networks: 0, errors: [] as string[] };
  for (const name of leftovers.networks) {
    await docker.getNetwork(name).remove().then(
      () => report.networks++,
      (error: { statusCode?: number }) => error.statusCode === 404 || report.errors.push(`network ${name}: ${errorMessage(error)}`),
    );
  }
  for (const name of leftovers.volumes) {
    await docker.getVolume(name).remove().then(
      () => report.volumes++,
      (error: { statusCode?: number }) => error.statusCode === 404 || report.errors.push(`volume ${name}: ${errorMessage(error)}`),
    );
  }
  return report;
}
