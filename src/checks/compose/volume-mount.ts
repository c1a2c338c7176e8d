import path from 'node:path/posix';
import { defineCheck, fail, pass } from '../kind.js';
import { isRecord } from './model.js';

export const composeVolumeMount = defineCheck({
  kind: 'compose.volume-mount',
  phase: 'compose',
  summary: 'A named volume, declared at the top level, is mounted into the service at the given path (read-write unless asked).',
  params: (z) =>
    z.object({
    service: z.string().min(1),
    target: z.string().startsWith('/').optional().describe('Mount path in the container; any path when omitted (then `volume` is required)'),
    volume: z.string().min(1).optional().describe('Required volume name; any named volume when omitted'),
    readOnly: z.boolean().optional().describe('Require a read-only (true) or writable (false) mount'),
  }).refine((params) => params.target !== undefined || params.volume !== undefined, 'give `target`, `volume` or both'),
  example: { service: 'db', target: '/var/lib/postgresql/data', volume: 'dbdata' },
  run({ service, target, volume, readOnly }, { compose }) {
    if (!compose.service(service)) return fail(`no service \`${service}\` in ${compose.where('services')}`);
    const mounts = compose.mounts(service);
    const where = compose.where('services', service, 'volumes');
    const evidence = { mounts };
    const at = target
      ? mounts.find((mount) => path.normalize(mount.target).replace(/\/$/, '') === path.normalize(target).replace(/\/$/, ''))
      : mounts.find((mount) => mount.type === 'volume' && mount.source === volume);
    if (!at) return fail(`${where}: ${target ? `nothing is mounted at ${target}` : `volume \`${volume}\` is not mounted`} in \`${service}\``, evidence);
    if (at.type !== 'volume' || !at.source) {
      return fail(`${where}: ${at.target} is ${at.type === 'bind' ? `a bind mount of ${at.source}` : at.type === 'volume' ? 'an anonymous volume (lost with the container)' : `a ${at.type} mount`}, not a named volume`, evidence);
    }
    if (volume && at.source !== volume) return fail(`${where}: ${at.target} holds volume \`${at.source}\`, expected \`${volume}\``, evidence);
    const declared = compose.section('volumes')[at.source];
    if (declared === undefined) return fail(`${compose.where('volumes')}: volume \`${at.source}\` is not declared under the top-level volumes:`, evidence);
    if (isRecord(declared) && declared.external) return fail(`${compose.where('volumes', at.source)}: volume \`${at.source}\` is external`, evidence);
    if (readOnly !== undefined && at.readOnly !== readOnly) {
      return fail(`${where}: ${at.target} is mounted ${at.readOnly ? 'read-only' : 'read-write'}`, evidence);
    }
    return pass(`volume \`${at.source}\` is mounted at ${at.target} in \`${service}\`${at.readOnly ? ' (read-only)' : ''}`, evidence);
  },
});
