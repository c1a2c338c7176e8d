import { waitFor } from '../../wait.js';
import { defineCheck, fail, pass } from '../kind.js';
import type { Verdict } from '../kind.js';

/**
 * The probe run inside a throwaway container: Python's own resolver and socket, so its verdict does
 * not depend on a shell tool's build (busybox-static's wget can crash on Docker 28's embedded DNS).
 * It always ends with one `SHIPSHAPE-PROBE {json}` line; output without it means it did not run.
 */
export const PROBE_SCRIPT = `
import errno, json, socket, sys
target, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
out = {}
try:
    rows = [line.split() for line in open('/proc/net/route').read().splitlines()[1:]]
    out['defaultRoute'] = any(len(row) > 1 and row[1] == '00000000' for row in rows)
    try:
        addresses = sorted({info[4][0] for info in socket.getaddrinfo(target, port, socket.AF_INET, socket.SOCK_STREAM)})
    except socket.gaierror as error:
        addresses = []
        out['result'] = 'no-name'
        out['detail'] = str(error)
    out['addresses'] = addresses
    if addresses:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.settimeout(timeout)
        try:
            probe.connect((addresses[0], port))
            out['result'] = 'connected'
        except socket.timeout:
            out['result'] = 'timeout'
        except ConnectionRefusedError:
            out['result'] = 'refused'
        except OSError as error:
            out['result'] = {errno.ENETUNREACH: 'no-route', errno.EHOSTUNREACH: 'host-unreachable'}.get(error.errno, 'error')
            out['detail'] = str(error)
        finally:
            probe.close()
except Exception as error:
    out = {'result': 'probe-error', 'detail': repr(error)}
print('SHIPSHAPE-PROBE ' + json.dumps(out))
`;

export interface ProbeAnswer {
  result: 'connected' | 'refused' | 'timeout' | 'no-name' | 'no-route' | 'host-unreachable' | 'error' | 'probe-error';
  addresses?: string[];
  defaultRoute?: boolean;
  detail?: string;
}

/** The probe's answer in its output, or null when it did not print one (it did not run). */
export function readProbeAnswer(output: string): ProbeAnswer | null {
  const line = output.split('\n').find((candidate) => candidate.startsWith('SHIPSHAPE-PROBE '));
  if (!line) return null;
  try {
    const answer = JSON.parse(line.slice('SHIPSHAPE-PROBE '.length)) as ProbeAnswer;
    return typeof answer.result === 'string' ? answer : null;
  } catch {
    return null;
  }
}

export const composeNetworkProbe = defineCheck({
  kind: 'compose.network-probe',
  phase: 'stack',
  summary:
    "On the running stack: a throwaway container of the grader's, attached to exactly the networks a service's container is on, tries a TCP connection to another service by its name (or, with `to: outside`, looks for a route out of those networks); `from: host` asks the engine whether the target's port is published on the host. With `to: outside`, a control probe from the engine's default network must first reach `outsideAddress`, and the probe then tries that address. `reach` passes only on a connection made; `blocked` only on a name that does not resolve, no route, or no answer, never on a probe that could not run.",
  params: (z) => {
    const Endpoint = z.object({ service: z.string().min(1) }).strict();
    return z.object({
    from: z.union([Endpoint, z.literal('host')]).describe('{ service: web }: from that service\'s networks; host: from the machine the engine runs on'),
    to: z.union([Endpoint.extend({ port: z.number().int().min(1).max(65535) }).strict(), z.literal('outside')]).describe('{ service: db, port: 5432 }, or outside (any address beyond the stack)'),
    expect: z.enum(['reach', 'blocked']),
    probeImageOf: z.string().min(1).describe('Service whose image has python3; the probe container runs that image'),
    outsideAddress: z
      .string()
      .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/)
      .default('deb.debian.org:80')
      .describe('With `to: outside`: a host:port beyond the engine; a probe from the engine\'s default network must reach it first, or nothing can be told'),
    timeoutSeconds: z.number().int().min(5).max(300).default(30),
    });
  },
  example: { from: { service: 'web' }, to: { service: 'db', port: 5432 }, expect: 'blocked', probeImageOf: 'app' },
  async run({ from, to, expect, probeImageOf, outsideAddress, timeoutSeconds }, context) {
    const { stack } = context;
    const deadline = Date.now() + timeoutSeconds * 1000;
    const left = () => Math.max(1000, deadline - Date.now());
    const fromName = from === 'host' ? 'the host' : `\`${from.service}\``;
    const toName = to === 'outside' ? 'the outside' : `\`${to.service}:${to.port}\``;
    if (to !== 'outside') {
      const target = await stack.waitReady(to.service, left());
      if (!target) return fail(`the stack has no \`${to.service}\` container`);
      if (from === 'host') return fromHost(to.service, to.port, expect, target.ports);
    } else if (from === 'host') {
      return fail('`from: host` with `to: outside` asks nothing of the stack');
    }
    const source = await stack.waitReady(from.service, left());
    if (!source) return fail(`the stack has no \`${from.service}\` container`);
    const [imageOwner] = await stack.containers(probeImageOf);
    const image = imageOwner?.settings?.imageId;
    if (!image) return fail(`the stack has no \`${probeImageOf}\` container whose image the probe could run`);
    const probeOnce = async (networksOf: string | null, host: string, port: number) => {
      const outcome = await stack.probe({ networksOf, image, command: ['python3', '-c', PROBE_SCRIPT, host, String(port), '3'], timeoutMs: Math.min(left(), 20_000) });
      const output = outcome.result ? `${outcome.result.stdout}${outcome.result.stderr}` : '';
      const answer = outcome.ran && outcome.result ? readProbeAnswer(output) : null;
      const problem = answer && answer.result !== 'probe-error'
        ? null
        : (outcome.problem ?? (answer?.detail ? `it failed: ${answer.detail}` : `it printed no answer (exit code ${outcome.result?.exitCode ?? 'none'}): ${output.replace(/\s+/g, ' ').trim().slice(0, 160)}`));
      return { answer, problem, networks: outcome.networks };
    };
    let args: [string, number];
    let control: ProbeAnswer | null = null;
    if (to === 'outside') {
      // The outside must be reachable from outside the stack first: a machine without a way out
      // would make every network look isolated without anything being tried.
      const [host, port] = [outsideAddress.slice(0, outsideAddress.lastIndexOf(':')), Number(outsideAddress.slice(outsideAddress.lastIndexOf(':') + 1))];
      const checked = await probeOnce(null, host, port);
      control = checked.answer;
      if (checked.problem || control?.result !== 'connected' || !control.addresses?.length) {
        return fail(
          `cannot tell whether ${fromName}'s networks have a route out: ${outsideAddress} is not reachable from the engine's default network either (${checked.problem ?? control?.result ?? 'no answer'})`,
          { control, outsideAddress },
          'The engine needs a way out to show that your network has none; run the check where containers reach the internet.',
        );
      }
      args = [control.addresses[0]!, port];
    } else {
      args = [to.service, to.port];
    }
    let evidence: Record<string, unknown> = {};
    let answer: ProbeAnswer | null = null;
    // A connection expected to work may race the target's start-up (refused, timeout): try again until the time is up.
    const probed = await waitFor(
      async () => {
        const checked = await probeOnce(from.service, ...args);
        answer = checked.answer;
        evidence = { from: fromName, to: toName, networks: checked.networks, answer, ...(control ? { control, outsideAddress } : {}), ...(checked.problem ? { problem: checked.problem } : {}) };
        if (checked.problem || !answer) {
          // Could not look: never counts as blocked.
          return fail(`the network probe from ${fromName} to ${toName} could not run, so nothing was learnt: ${checked.problem}`, evidence, `The probe runs python3 from the \`${probeImageOf}\` service's image; keep python3 in that image.`);
        }
        if (expect === 'blocked' || answer.result === 'connected' || Date.now() + 2000 > deadline) return judge(answer, expect, fromName, toName, evidence);
        return undefined;
      },
      { interval: 1000, deadline },
    );
    // The last probe always gives a verdict (it runs with at least 2 s left); a wait cut short still judges what it saw.
    return probed.ready ? probed.value : judge(answer!, expect, fromName, toName, evidence);
  },
});

function judge(answer: ProbeAnswer, expect: 'reach' | 'blocked', fromName: string, toName: string, evidence: Record<string, unknown>): Verdict {
  if (toName === 'the outside') {
    const outside = String(evidence.outsideAddress);
    // Connected or refused: packets left the stack and came back. A default route alone proves nothing
    // (engine 20.10 gives internal networks one and drops their traffic in the firewall).
    const out = answer.result === 'connected' || answer.result === 'refused';
    const seen = `${outside} from there: ${answer.result}${answer.defaultRoute === false ? ', no default route' : ''}; from the engine's default network: connected`;
    if (out === (expect === 'reach')) return pass(`${fromName}'s networks ${out ? 'have' : 'have no'} route out of the stack (${seen})`, evidence);
    return fail(`${fromName}'s networks ${out ? 'have a' : 'have no'} route out of the stack (${seen})`, evidence);
  }
  const via = answer.addresses?.length ? ` (${answer.addresses.join(', ')})` : '';
  const said: Record<ProbeAnswer['result'], string> = {
    connected: `connected${via}`,
    refused: `the name resolves${via}, but the connection was refused`,
    timeout: `the name resolves${via}, but nothing answered`,
    'no-name': 'the name does not resolve on its networks',
    'no-route': `the name resolves${via}, but there is no route to it`,
    'host-unreachable': `the name resolves${via}, but the host is unreachable`,
    error: `the connection failed: ${answer.detail ?? 'unknown error'}`,
    'probe-error': `the probe failed: ${answer.detail ?? ''}`,
  };
  const reached = answer.result === 'connected';
  // A refusal means packets got there: not isolated, and not a working connection either.
  const blocked = ['no-name', 'no-route', 'host-unreachable', 'timeout'].includes(answer.result);
  if (expect === 'reach' && reached) return pass(`${fromName} reaches ${toName}: ${said.connected}`, evidence);
  if (expect === 'blocked' && blocked) return pass(`${fromName} cannot reach ${toName}: ${said[answer.result]}`, evidence);
  return fail(expect === 'reach' ? `${fromName} cannot reach ${toName}: ${said[answer.result]}` : `${fromName} can reach ${toName}: ${said[answer.result]}`, evidence);
}

function fromHost(service: string, port: number, expect: 'reach' | 'blocked', ports: Record<string, { hostIp: string; hostPort: number }[]>): Verdict {
  const published = (ports[`${port}/tcp`] ?? []).filter((binding) => binding.hostPort > 0).map((binding) => `${binding.hostIp || '0.0.0.0'}:${binding.hostPort}`);
  const evidence = { from: 'the host', to: `${service}:${port}`, published };
  if (published.length === 0) {
    return expect === 'blocked'
      ? pass(`\`${service}\` publishes nothing for port ${port}: nothing outside the stack reaches it there`, evidence)
      : fail(`\`${service}\` publishes no host port for port ${port}`, evidence);
  }
  return expect === 'reach'
    ? pass(`\`${service}:${port}\` is reachable from the host through ${published.join(', ')}`, evidence)
    : fail(`\`${service}:${port}\` is reachable from outside the stack: the engine publishes it on ${published.join(', ')}`, evidence, `Remove port ${port} from the \`ports:\` of \`${service}\`; services of the stack reach it over a shared network without it.`);
}
