/**
 * Text that came from a learner's file (Dockerfile, compose file, build output) is untrusted: it can
 * hold escape sequences that retitle or clear a terminal, or megabytes in one line. Everything that
 * reaches a terminal, a page or a report goes through these first. JSON keeps the (stripped) text
 * escaped by its own encoding.
 */

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other two-byte ESC sequences, then C0/C1 controls.
const CSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;
const OSC = /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g;
const ESC_PAIR = /\u001b[@-Z\\-_]/g;
const DCS_PM_APC = /\u001b[PX^_][^\u001b]*(?:\u001b\\)?/g;
// C0 controls except tab and newline, DEL, C1 controls, and bidi overrides/isolates that reorder text.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Removes terminal escape sequences and control characters (tab and newline stay). */
export function stripControl(text: string): string {
  if (!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text)) return text;
  return text.replace(DCS_PM_APC, '').replace(OSC, '').replace(CSI, '').replace(ESC_PAIR, '').replace(CONTROL, '');
}

/** Removes escape sequences and every control character, newlines and tabs included: one line. */
export function oneLine(text: string): string {
  return stripControl(text).replace(/[\t\n]+/g, ' ');
}

export const DEFAULT_MESSAGE_LIMIT = 2000;

/**
 * Cuts a text to `limit` characters with a "… N more" tail naming what was left out. Cuts never split
 * a surrogate pair.
 */
export function bounded(text: string, limit = DEFAULT_MESSAGE_LIMIT): string {
  if (text.length <= limit) return text;
  let cut = Math.max(0, limit);
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}… ${text.length - cut} more characters`;
}

/** The usual treatment of learner text on its way to a person: stripped, then bounded. */
export function safeText(text: string, limit = DEFAULT_MESSAGE_LIMIT): string {
  return bounded(stripControl(text), limit);
}

/** The bounds of evidence kept in `--json` (docs/checks.md): per string, per array, and nesting depth. */
export const EVIDENCE_LIMITS = { stringChars: 100_000, arrayItems: 10_000, depth: 8 } as const;

/**
 * Evidence as it is stored in a check result: every string stripped of control and escape sequences
 * and cut at EVIDENCE_LIMITS.stringChars, arrays cut at arrayItems with a last "… N more items" entry,
 * nesting below `depth` summarised. Numbers, booleans and null pass unchanged.
 */
export function safeEvidence<T>(value: T, limits: { stringChars: number; arrayItems: number; depth: number } = EVIDENCE_LIMITS): T {
  const visit = (item: unknown, depth: number): unknown => {
    if (typeof item === 'string') return safeText(item, limits.stringChars);
    if (item === null || typeof item !== 'object') return item;
    if (depth >= limits.depth) return '… (nested too deep to show)';
    if (Array.isArray(item)) {
      const kept = item.slice(0, limits.arrayItems).map((entry) => visit(entry, depth + 1));
      if (item.length > limits.arrayItems) kept.push(`… ${item.length - limits.arrayItems} more items`);
      return kept;
    }
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(item)) out[stripControl(key)] = visit(entry, depth + 1);
    return out;
  };
  return visit(value, 0) as T;
}

/**
 * What a terminal shows of a long text: at most `rows` rows of `width` columns (long lines count the
 * rows they wrap to), the rest named by a "… N more characters" tail; the full text is in --verbose
 * and --json. The work done is bounded by rows × width, whatever the text's length.
 */
export function forScreen(text: string, width: number, rows = 6): string {
  const columns = Math.max(20, width);
  const budget = columns * rows;
  const window = text.length > budget * 4 ? text.slice(0, budget * 4) : text;
  const clean = stripControl(window);
  const kept: string[] = [];
  let rowsLeft = rows;
  for (const line of clean.split('\n', rows + 1)) {
    if (rowsLeft <= 0) break;
    const take = Math.min(line.length, rowsLeft * columns);
    kept.push(line.slice(0, take));
    rowsLeft -= Math.max(1, Math.ceil(take / columns));
  }
  const shown = kept.join('\n');
  const hidden = clean.length - shown.length + (text.length - window.length);
  return hidden > 0 ? `${shown}… ${hidden} more characters` : shown;
}
