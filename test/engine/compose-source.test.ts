import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPOSE_LIMITS, nestingDepth, readComposeSource } from '../../src/engine/compose/source.js';
import { loadComposeModel } from '../../src/engine/compose.js';
import { UserError } from '../../src/errors.js';

/** Parsing like Compose, within documented bounds (docs/compose.md): what real files need passes, hostile files end in one message. */
describe('reading a compose file within bounds', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-compose-source-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function refusal(text: string | Buffer): Promise<UserError> {
    await writeFile(path.join(dir, 'compose.yaml'), text);
    const error = await readComposeSource(dir, 'compose.yaml').then(() => null, (caught: unknown) => caught);
    if (!(error instanceof UserError)) throw new Error(`expected a UserError, got ${String(error)}`);
    return error;
  }

  it("parses sentry's file, whose anchors are merged into dozens of services", async () => {
    const text = await readFile(path.join(import.meta.dirname, '..', 'fixtures', 'compose', 'corpus', 'sentry', 'compose.yaml'), 'utf8');
    await writeFile(path.join(dir, 'compose.yaml'), text);
    const source = await readComposeSource(dir, 'compose.yaml');
    const services = (source.value as { services: Record<string, { restart?: string; depends_on?: Record<string, unknown> }> }).services;
    expect(Object.keys(services).length).toBeGreaterThan(50);
    expect(services.web!.restart).toBe('unless-stopped');
    expect(Object.keys(services.web!.depends_on!)).toContain('vroom');
  });

  it('refuses an alias bomb at the alias that expands, without expanding it', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level <= 9; level++) lines.push(`${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(10).fill(`*${String.fromCharCode(96 + level)}`).join(',')}]`);
    lines.push('services:\n  web:\n    image: nginx\n    command: *j');
    const error = await refusal(lines.join('\n'));
    expect(error.message).toMatch(new RegExp(`^compose\\.yaml:\\d+: its aliases expand to more than ${COMPOSE_LIMITS.maxExpandedNodes} YAML nodes \\(an alias bomb\\); the file is not read\\.$`));
    expect(error.exitCode).toBe(1);
  });

  it('refuses a file over the size bound before reading it (a 5 MB file)', async () => {
    const big = `services:\n  web:\n    image: nginx\n    environment:\n${'      A: "' + 'x'.repeat(100) + '"\n'}`.padEnd(5 * 1024 * 1024, '#');
    const error = await refusal(big);
    expect(error.message).toBe(`The compose file compose.yaml is ${Buffer.byteLength(big)} bytes, over the ${COMPOSE_LIMITS.maxBytes}-byte limit.`);
  });

  it('reads a file just under the bound (many services) and refuses nothing in it', async () => {
    const services = Array.from({ length: 4000 }, (_, index) => `  s${index}:\n    image: nginx:alpine\n    environment: {A: "${'v'.repeat(150)}"}\n`).join('');
    const text = `services:\n${services}`;
    expect(Buffer.byteLength(text)).toBeLessThan(COMPOSE_LIMITS.maxBytes);
    await writeFile(path.join(dir, 'compose.yaml'), text);
    const source = await readComposeSource(dir, 'compose.yaml');
    expect(Object.keys((source.value as { services: object }).services)).toHaveLength(4000);
  });

  it('refuses 20 000-deep nesting as too deep, block or flow, never as a syntax error', async () => {
    // Block nesting that deep by indentation alone would be 200 MB; nested sequence entries on one line are not.
    const block = `services:\n  web:\n    command:\n      ${'- '.repeat(20_000)}x\n`;
    const flow = `services: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
    for (const text of [block, flow]) {
      const error = await refusal(text);
      expect(error.message).toMatch(new RegExp(`^compose\\.yaml:\\d+: the YAML is nested more than ${COMPOSE_LIMITS.maxDepth} levels deep`));
    }
    expect(nestingDepth('services:\n  web:\n    image: nginx\n    command: ["a", {b: [1]}]\n').depth).toBe(6);
  });

  it('refuses UTF-16 and names the encoding', async () => {
    const error = await refusal(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('services: {}\n', 'utf16le')]));
    expect(error.message).toMatch(/compose\.yaml is UTF-16 \(little-endian\)/);
  });

  it('keeps a YAML syntax error to file:line:column and one line', async () => {
    const error = await refusal('services:\n  db:\n    image: postgres\n   environment: [A=1]\n');
    expect(error.message).toMatch(/^compose\.yaml:4:\d+: YAML syntax error: [^\n]+$/);
  });

  it('strips control characters of the learner text before it reaches a message', async () => {
    await writeFile(path.join(dir, 'compose.yaml'), 'services:\n  "we\u0007b\u202e":\n    image: nginx\n    privileged: true\n');
    const error = await loadComposeModel(dir, 'compose.yaml').then(() => null, (caught: unknown) => caught as UserError);
    expect(error?.message).toContain('service web: `privileged: true` is not allowed');
    expect(error?.message).not.toMatch(/[\u0007\u202e]/);
  });
});
