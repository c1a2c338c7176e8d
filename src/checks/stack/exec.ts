import { waitFor } from '../../wait.js';
import { defineCheck, fail, pass } from '../kind.js';

export const composeExec = defineCheck({
  kind: 'compose.exec',
  phase: 'stack',
  summary:
    "On the running stack: a command run in the service's container (once it is ready) exits as expected with output matching a regex; a command expected to succeed that exits non-zero is retried until the time is up (one that ran is never repeated).",
  params: (z) =>
    z.object({
    service: z.string().min(1),
    command: z.array(z.string()).min(1).describe('argv; use ["sh", "-c", "..."] for a shell'),
    exitCode: z.union([z.number().int().min(0).max(255), z.literal('nonzero')]).default(0).describe("Expected exit code, or 'nonzero'"),
    output: z.string().min(1).optional().describe('Regex stdout+stderr must match (multiline: ^ and $ match at each line)'),
    user: z.string().optional(),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  }),
  example: { service: 'db', command: ['pg_isready', '-h', 'localhost'], exitCode: 0, output: 'accepting connections' },
  async run({ service, command, exitCode, output, user, timeoutSeconds }, { stack }) {
    const deadline = Date.now() + timeoutSeconds * 1000;
    const container = await stack.waitReady(service, timeoutSeconds * 1000);
    if (!container) return fail(`the stack has no \`${service}\` container`);
    if (!container.running) {
      const log = await stack.logs(service, 3);
      return fail(`the \`${service}\` container is not running (exit code ${container.exitCode})${log.length ? `: ${log.join(' / ')}` : ''}`, { log });
    }
    const pattern = output ? new RegExp(output, 'm') : null;
    const shown = command.join(' ');
    const expected = exitCode === 'nonzero' ? 'a non-zero exit' : `exit ${exitCode}`;
    let evidence: Record<string, unknown> = {};
    let message = '';
    // A command expected to succeed may race the service's start-up: retry it. One expected to fail is run once.
    const ran = await waitFor(
      async () => {
        const result = await stack.exec(service, command, { timeoutMs: Math.max(1000, deadline - Date.now()), user });
        const text = `${result.stdout}${result.stderr}`;
        const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
        evidence = { command, exitCode: result.exitCode, output: snippet, timedOut: result.timedOut };
        const codeOk = exitCode === 'nonzero' ? (result.exitCode ?? 0) > 0 : result.exitCode === exitCode;
        if (codeOk && (!pattern || pattern.test(text))) return pass(`\`${shown}\` in \`${service}\`: exit ${result.exitCode}${pattern ? `, output matches /${output}/` : ''}`, evidence);
        message = result.timedOut
          ? `\`${shown}\` in \`${service}\` did not finish within ${timeoutSeconds} s`
          : `\`${shown}\` in \`${service}\` exited ${result.exitCode ?? 'with no exit code'} (expected ${expected})${codeOk ? `, but its output does not match /${output}/` : ''}${snippet ? `: ${snippet}` : ''}`;
        // Retry only a failure to run (the service still starting): a command that exited 0 did its work, and may not be repeatable.
        if (exitCode === 'nonzero' || result.exitCode === 0 || result.timedOut || Date.now() + 1000 > deadline) return fail(message, evidence);
        return undefined;
      },
      { interval: 1000, deadline },
    );
    return ran.ready ? ran.value : fail(message, evidence);
  },
});
