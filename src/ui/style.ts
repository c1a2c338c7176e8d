/** Minimal ANSI styling that honours NO_COLOR and plain output. */
export interface Style {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  cyan(text: string): string;
}

export function makeStyle(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\u001B[${open}m${text}\u001B[${close}m` : text);
  return {
    green: wrap(32, 39),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
    cyan: wrap(36, 39),
  };
}

export function colorWanted(stream: { isTTY?: boolean }): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

/** Ink (live redrawing) only on a real terminal, never in CI or when asked for plain output. */
export function interactiveWanted(stream: { isTTY?: boolean }, plainFlag: boolean): boolean {
  return Boolean(stream.isTTY) && !plainFlag && !process.env.CI;
}
