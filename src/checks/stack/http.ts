import { formatSeconds } from '../format.js';
import { waitFor } from '../../wait.js';
import { type Verdict, defineCheck, fail, pass } from '../kind.js';

export const composeHttp = defineCheck({
  kind: 'compose.http',
  phase: 'stack',
  summary:
    'On the running stack: an HTTP GET through the port the service publishes returns the status and a body matching a regex; retried until it does or the time is up.',
  params: (z) =>
    z.object({
    service: z.string().min(1),
    port: z.number().int().min(1).max(65535).describe('Container port the service publishes'),
    path: z.string().startsWith('/').default('/'),
    status: z.number().int().min(100).max(599).default(200),
    body: z.string().min(1).optional().describe('Regex the body must match'),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  }),
  example: { service: 'web', port: 80, path: '/index.php', status: 200, body: 'Hello from PHP \\d+' },
  async run({ service, port, path, status, body, timeoutSeconds }, { stack }) {
    const started = Date.now();
    const deadline = started + timeoutSeconds * 1000;
    const pattern = body ? new RegExp(body) : null;
    await stack.waitReady(service, timeoutSeconds * 1000);
    let last = 'no answer';
    let evidence: Record<string, unknown> = {};
    let attempts = 0;
    // Answers: a pass, or 'final' for an answer that retrying will not change. Nothing is tried when
    // waiting for the service took all the time.
    const answered = Date.now() >= deadline ? null : await waitFor<Verdict | 'final'>(
      async () => {
        attempts++;
        try {
          const response = await stack.httpGet(service, port, path, Math.max(1000, Math.min(5000, deadline - Date.now())));
          const snippet = response.body.replace(/\s+/g, ' ').trim().slice(0, 160);
          evidence = { url: response.url, status: response.status, body: snippet, attempts };
          if (response.status === status && (!pattern || pattern.test(response.body))) {
            return pass(`GET ${path} on \`${service}\` answered ${response.status}${pattern ? ` with /${body}/` : ''} after ${formatSeconds(Date.now() - started)}`, evidence);
          }
          last = `answered ${response.status}${response.status === status ? `, but the body does not match /${body}/` : ` (expected ${status})`}: ${snippet || '(empty body)'}`;
          // Gateway errors may clear once the upstream is up; any other answer is the stack's real one.
          return response.status < 500 && 'final';
        } catch (error) {
          const message = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
          last = message;
          evidence = { error: message, attempts };
          return /publishes no host port|has no container/.test(message) && 'final';
        }
      },
      { interval: 500, deadline },
    );
    if (answered?.ready && answered.value !== 'final') return answered.value;
    const log = await stack.logs(service, 3);
    return fail(`GET ${path} on \`${service}\` port ${port}: ${last}${log.length ? `; its log: ${log.join(' / ')}` : ''}`, { ...evidence, log });
  },
});
