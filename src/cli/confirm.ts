import { createInterface } from 'node:readline/promises';

/** Asks a yes/no question; only an explicit y or yes counts as yes (Enter alone is no). */
export async function confirm(
  question: string,
  streams: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream } = { input: process.stdin, output: process.stdout },
): Promise<boolean> {
  const prompt = createInterface({ input: streams.input, output: streams.output, terminal: false });
  try {
    const closed = new Promise<string>((resolve) => prompt.once('close', () => resolve('')));
    // An input that ends before answering is a no, not a hang.
    const answer = await Promise.race([prompt.question(question), closed]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
