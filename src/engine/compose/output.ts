/** The last `lines` non-empty lines of a compose or container output, colour codes removed. */
export function outputTail(text: string, lines: number): string[] {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split('\n').map((line) => line.trimEnd()).filter(Boolean).slice(-lines);
}
