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
