import type { Dockerfile } from 'dockerfile-ast';

/**
 * Build arguments as the builder sees them in FROM lines: the ARGs declared before the first FROM
 * (their defaults expanded with the ARGs before them, then overridden by build args), plus, under
 * BuildKit only, the automatic platform ARGs. The word lexer follows the Dockerfile frontend's
 * shell lexer (moby/buildkit frontend/dockerfile/shell): quotes are removed, `$X`, `${X}`,
 * `${X:-word}`, `${X-word}`, `${X:+word}`, `${X+word}`, `${X:?msg}` with nested words.
 *
 * One module for every place that needs a FROM reference: the checks' stage model and the image list
 * of `images:pull`.
 */

export type Builder = 'classic' | 'buildkit';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ArgSettings {
  /** The classic builder (Engine API) has no automatic platform ARGs; BuildKit has them. Default classic. */
  builder?: Builder;
  /** The engine's platform for TARGET* and BUILD* (default: this machine's, as Docker names it). */
  platform?: Platform;
  /** `--build-arg` values (the manifest's build.args): they override declared defaults. */
  buildArgs?: Record<string, string>;
}

/** `${X:?message}` with X unset: the builder stops with this message. */
export class ExpansionError extends Error {}

/** Docker's name for this machine's architecture (Node's `x64` is Docker's `amd64`). */
export function hostPlatform(): Platform {
  const byNode: Record<string, Platform> = {
    x64: { os: 'linux', architecture: 'amd64' },
    arm64: { os: 'linux', architecture: 'arm64' },
    arm: { os: 'linux', architecture: 'arm', variant: 'v7' },
    ia32: { os: 'linux', architecture: '386' },
    ppc64: { os: 'linux', architecture: 'ppc64le' },
    s390x: { os: 'linux', architecture: 's390x' },
    riscv64: { os: 'linux', architecture: 'riscv64' },
  };
  return byNode[process.arch] ?? { os: 'linux', architecture: process.arch };
}

/** TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT and the BUILD* twins, as BuildKit defines them. */
export function platformArgs(platform: Platform): Record<string, string> {
  const full = `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
  const values: Record<string, string> = {};
  for (const prefix of ['TARGET', 'BUILD']) {
    values[`${prefix}PLATFORM`] = full;
    values[`${prefix}OS`] = platform.os;
    values[`${prefix}ARCH`] = platform.architecture;
    values[`${prefix}VARIANT`] = platform.variant ?? '';
  }
  return values;
}

export interface Expansion {
  value: string;
  /** Variables referenced that had no value (they expanded to ""). */
  unset: string[];
}

/**
 * Expands one word as the builder does for FROM: quotes removed, variables substituted (unset ones
 * become ""), the escape character keeping the next character literal. Linear in the word's length.
 */
export function expandWord(word: string, env: ReadonlyMap<string, string>, escape = '\\'): Expansion {
  const unset: string[] = [];
  let position = 0;

  const lookup = (name: string): string | undefined => {
    const value = env.get(name);
    if (value === undefined && !unset.includes(name)) unset.push(name);
    return value;
  };

  // Reads until `stop` (outside quotes) or the end; `stop` itself is consumed.
  const processUntil = (stop: string | null): string => {
    let out = '';
    while (position < word.length) {
      const ch = word[position]!;
      if (stop !== null && ch === stop) {
        position += 1;
        return out;
      }
      if (ch === "'") {
        const end = word.indexOf("'", position + 1);
        out += end < 0 ? word.slice(position + 1) : word.slice(position + 1, end);
        position = end < 0 ? word.length : end + 1;
      } else if (ch === '"') {
        position += 1;
        out += processDoubleQuoted();
      } else if (ch === '$') {
        out += processDollar();
      } else if (ch === escape) {
        out += word[position + 1] ?? '';
        position += 2;
      } else {
        out += ch;
        position += 1;
      }
    }
    return out;
  };

  const processDoubleQuoted = (): string => {
    let out = '';
    while (position < word.length) {
      const ch = word[position]!;
      if (ch === '"') {
        position += 1;
        return out;
      }
      if (ch === '$') {
        out += processDollar();
      } else if (ch === escape && ['"', '$', escape].includes(word[position + 1] ?? '')) {
        out += word[position + 1]!;
        position += 2;
      } else {
        out += ch;
        position += 1;
      }
    }
    return out;
  };

  const readName = (): string => {
    const match = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]/.exec(word.slice(position, position + 256));
    if (!match) return '';
    // Names longer than the probe window are rare; finish them without re-slicing the whole word.
    let end = position + match[0].length;
    if (match[0].length === 256) while (end < word.length && /[A-Za-z0-9_]/.test(word[end]!)) end += 1;
    const name = word.slice(position, end);
    position = end;
    return name;
  };

  const processDollar = (): string => {
    position += 1; // the $
    if (word[position] !== '{') {
      const name = readName();
      if (name === '') return '$';
      return lookup(name) ?? '';
    }
    position += 1; // the {
    const name = readName();
    if (name === '') {
      // `${` with no name: the builder refuses it; keep the text so the message shows it.
      return '${';
    }
    const next = word[position];
    if (next === '}') {
      position += 1;
      return lookup(name) ?? '';
    }
    let colon = false;
    let operator = next ?? '';
    if (operator === ':') {
      colon = true;
      position += 1;
      operator = word[position] ?? '';
    }
    position += 1;
    const operand = processUntil('}');
    const value = env.get(name);
    const empty = value === undefined || (colon && value === '');
    switch (operator) {
      case '-':
        return empty ? operand : value!;
      case '+':
        return empty ? '' : operand;
      case '?':
        if (empty) throw new ExpansionError(`${name}: ${operand || 'is not set'}`);
        return value!;
      default:
        // Patterns (#, %, /) are newer BuildKit syntax; the value without the pattern is the best guess.
        if (value === undefined && !unset.includes(name)) unset.push(name);
        return value ?? '';
    }
  };

  const value = processUntil(null);
  return { value, unset };
}

/** Splits an instruction's argument text into words at unquoted whitespace, quotes kept for expandWord. */
export function splitWords(text: string, escape = '\\'): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | null = null;
  let started = false;
  for (let index = 0; index < text.length; index += 1) {
    const ch = text[index]!;
    if (quote) {
      current += ch;
      if (ch === escape && quote === '"' && index + 1 < text.length) current += text[++index]!;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === escape && index + 1 < text.length) {
      current += ch + text[++index]!;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) words.push(current);
      current = '';
      started = false;
    } else {
      if (ch === '"' || ch === "'") quote = ch;
      current += ch;
      started = true;
    }
  }
  if (started) words.push(current);
  return words;
}

/**
 * The ARG values FROM lines see: declared global ARGs (defaults expanded in order), build args over
 * defaults, and BuildKit's platform ARGs. An ARG declared without a default and given no build arg has
 * no value.
 */
export function globalArgs(ast: Dockerfile, settings: ArgSettings = {}): Map<string, string> {
  const escape = ast.getEscapeCharacter?.() ?? '\\';
  const env = new Map<string, string>();
  if ((settings.builder ?? 'classic') === 'buildkit') {
    for (const [name, value] of Object.entries(platformArgs(settings.platform ?? hostPlatform()))) env.set(name, value);
  }
  const buildArgs = settings.buildArgs ?? {};
  for (const instruction of ast.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') break;
    if (keyword !== 'ARG') continue;
    for (const word of splitWords(instruction.getArgumentsContent() ?? '', escape)) {
      const equals = word.indexOf('=');
      const name = equals < 0 ? word : word.slice(0, equals);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
      if (Object.hasOwn(buildArgs, name)) {
        env.set(name, buildArgs[name]!);
      } else if (equals >= 0) {
        let value: string;
        try {
          value = expandWord(word.slice(equals + 1), env, escape).value;
        } catch {
          value = '';
        }
        env.set(name, value);
      } else if (!env.has(name)) {
        // Declared without a default: it has no value (a platform ARG redeclared keeps its own).
      }
    }
  }
  return env;
}
