import type { z } from 'zod';
import type { CheckKind, StaticContext, Verdict } from '../../../src/checks/kind.js';
import { DockerfileModel } from '../../../src/checks/dockerfile/model.js';

export function staticContext(source: string): StaticContext {
  return { dockerfile: DockerfileModel.parse('Dockerfile', source), workspaceDir: '/tmp' };
}

/** Validates params through the kind's schema (so defaults apply) and runs it on an inline Dockerfile. */
export async function runStatic<Params extends z.ZodType>(
  kind: CheckKind<Params, 'static'>,
  params: z.input<Params>,
  source: string,
): Promise<Verdict> {
  return kind.run(kind.params.parse(params), staticContext(source));
}

/** Joins lines with \n; `crlf` turns them into CRLF, `bom` prefixes a UTF-8 byte-order mark. */
export function dockerfile(lines: string[], options: { crlf?: boolean; bom?: boolean } = {}): string {
  const text = `${lines.join(options.crlf ? '\r\n' : '\n')}${options.crlf ? '\r\n' : '\n'}`;
  return options.bom ? `\uFEFF${text}` : text;
}
