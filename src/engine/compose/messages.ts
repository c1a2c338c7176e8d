import { isRecord } from '../../checks/compose/model.js';
import { bounded, oneLine } from '../../text/safe.js';
import { SERVICE_RULES } from './containment.js';
import { type ComposeSource, locate } from './source.js';

/**
 * Compose's own output, reduced to what it says about the file: v2's logrus lines (`time=… level=…
 * msg=…`) keep only the message of errors, v1's `WARNING:` lines and its "is invalid because" preamble
 * go, workspace paths are shown relative, control characters are stripped.
 */
export function cleanComposeOutput(output: string, workspaceDir: string): string {
  const kept: string[] = [];
  for (const raw of output.split('\n')) {
    let line = oneLine(raw).trim();
    if (!line) continue;
    const logrus = /^time="[^"]*"\s+level=(\w+)\s+msg=(".*"|\S+)/.exec(line);
    if (logrus) {
      if (!/^(error|fatal|panic)$/.test(logrus[1]!)) continue;
      line = logrus[2]!.startsWith('"') ? logrus[2]!.slice(1, -1).replace(/\\"/g, '"') : logrus[2]!;
    }
    if (/^WARNING:/i.test(line) || /^WARN\[\d+\]/.test(line) || /variable is not set\. Defaulting to a blank string/.test(line)) continue;
    line = line.replace(/^ERROR:\s*/, '').replace(/^The Compose file '[^']*' is invalid because:\s*/, '');
    if (!line) continue;
    kept.push(line);
  }
  const root = workspaceDir.replace(/\/$/, '');
  return bounded(kept.join(' ').split(`${root}/`).join('').split(root).join('.'), 600);
}

/** The key path an error of either version names (`services.web.ports`, `service "app"`, `Service 'app'`), for the line. */
export function keysNamed(reason: string): Array<string | number> {
  const dotted = /\b(services?|volumes|networks|secrets|configs)\.([\w.-]+)/.exec(reason);
  if (dotted) return [dotted[1] === 'service' ? 'services' : dotted[1]!, ...dotted[2]!.split('.').filter(Boolean).map((key) => (/^\d+$/.test(key) ? Number(key) : key))];
  const service = /\b[Ss]ervice\s+["']?([\w.-]+?)["']?(?:\s|:|$)/.exec(reason);
  if (service) return ['services', service[1]!];
  const key = /(?:additional propert(?:y|ies)|Unsupported config option for)\s+'?([\w.-]+)'?/.exec(reason);
  return key ? [key[1]!] : [];
}

/**
 * What both versions reject, found before Compose runs so that the message is the same on v1 and v2 and
 * points at the key: no services, a setting Compose does not have, a reference to a service the file does
 * not define, a service with nothing to run.
 */
export function structureProblems(source: ComposeSource): string[] {
  const value = source.value;
  const at = (...keys: Array<string | number>) => locate(source, ...keys);
  if (!isRecord(value)) return [`${source.shown}:1: a compose file must be a mapping with a \`services:\` key`];
  if (value.services === undefined && value.include === undefined) return [`${source.shown}:1: the file has no \`services:\` key`];
  if (value.services !== undefined && value.services !== null && !isRecord(value.services)) return [`${at('services')}: \`services:\` must be a mapping of service names to their settings`];
  const services = isRecord(value.services) ? value.services : {};
  const names = new Set(Object.keys(services));
  // Included files and extended files can bring services of their own: references are then Compose's to judge.
  const closed = value.include === undefined;
  const out: string[] = [];
  for (const [name, raw] of Object.entries(services)) {
    if (raw === null) {
      out.push(`${at('services', name)}: service ${name}: has no settings (give it an \`image:\` or a \`build:\`)`);
      continue;
    }
    if (!isRecord(raw)) {
      out.push(`${at('services', name)}: service ${name}: its settings must be a mapping`);
      continue;
    }
    for (const key of Object.keys(raw)) {
      if (key === '<<' || key.startsWith('x-') || Object.hasOwn(SERVICE_RULES, key)) continue;
      out.push(`${at('services', name, key)}: service ${name}: \`${key}\` is not a Compose service setting`);
    }
    if (raw.image === undefined && raw.build === undefined && raw.extends === undefined && raw.provider === undefined) {
      out.push(`${at('services', name)}: service ${name}: has neither \`image:\` nor \`build:\`, so there is nothing to run`);
    }
    // v1 refuses two mounts on one container path, v2 lets the last win: refused here for both.
    const targets = new Map<string, number>();
    (Array.isArray(raw.volumes) ? raw.volumes : []).forEach((mount: unknown, index: number) => {
      const target = typeof mount === 'string' ? mount.split(':')[mount.split(':').length > 1 ? 1 : 0] : isRecord(mount) ? mount.target : undefined;
      if (typeof target !== 'string' || target.includes('$')) return;
      const normalised = target.replace(/\/+$/, '') || '/';
      if (targets.has(normalised)) out.push(`${at('services', name, 'volumes', index)}: service ${name}: ${normalised} is mounted twice (also by the mount on line ${at('services', name, 'volumes', targets.get(normalised)!).split(':')[1]})`);
      else targets.set(normalised, index);
    });
    if (!closed) continue;
    // References to top-level entries the file does not declare: v1 and v2 word these differently.
    const declared = (key: string) => new Set(isRecord(value[key]) ? Object.keys(value[key] as Record<string, unknown>) : []);
    const networks = declared('networks').add('default');
    const serviceNetworks = Array.isArray(raw.networks) ? raw.networks.map(String) : isRecord(raw.networks) ? Object.keys(raw.networks) : [];
    for (const network of serviceNetworks) {
      if (!networks.has(network)) out.push(`${at('services', name, 'networks', Array.isArray(raw.networks) ? serviceNetworks.indexOf(network) : network)}: service ${name}: joins network \`${network}\`, which is not declared under the top-level \`networks:\``);
    }
    for (const section of ['secrets', 'configs'] as const) {
      const known = declared(section);
      (Array.isArray(raw[section]) ? (raw[section] as unknown[]) : []).forEach((entry, index) => {
        const source = typeof entry === 'string' ? entry : isRecord(entry) ? entry.source : undefined;
        if (typeof source === 'string' && !known.has(source)) out.push(`${at('services', name, section, index)}: service ${name}: uses ${section.slice(0, -1)} \`${source}\`, which is not declared under the top-level \`${section}:\``);
      });
    }
    const volumes = declared('volumes');
    (Array.isArray(raw.volumes) ? raw.volumes : []).forEach((mount: unknown, index: number) => {
      const source = typeof mount === 'string' ? (mount.includes(':') ? mount.split(':')[0] : undefined) : isRecord(mount) && (mount.type === undefined || mount.type === 'volume') ? mount.source : undefined;
      if (typeof source !== 'string' || !source || source.includes('$') || /^[.~/]/.test(source) || source.includes('/')) return;
      if (!volumes.has(source)) out.push(`${at('services', name, 'volumes', index)}: service ${name}: mounts volume \`${source}\`, which is not declared under the top-level \`volumes:\``);
    });
    const deps = raw.depends_on;
    const depNames = Array.isArray(deps) ? deps.map(String) : isRecord(deps) ? Object.keys(deps) : [];
    for (const dep of depNames) {
      if (!names.has(dep)) out.push(`${at('services', name, 'depends_on', Array.isArray(deps) ? depNames.indexOf(dep) : dep)}: service ${name}: depends on \`${dep}\`, which is not a service of this file`);
    }
  }
  return out;
}

/** Sorts `file:line: …` problems by file order, keeping the order of problems on one line. */
export function byLine(problems: string[]): string[] {
  const line = (text: string) => Number(/^[^:]+:(\d+)/.exec(text)?.[1] ?? 0);
  return problems.map((text, index) => ({ text, index })).sort((a, b) => line(a.text) - line(b.text) || a.index - b.index).map((entry) => entry.text);
}
