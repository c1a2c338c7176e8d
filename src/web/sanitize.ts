import { safeText } from '../text/safe.js';

/**
 * Every string in a value headed for the page passes through safeText (controls stripped, length
 * bounded); arrays and objects are walked with bounds so a huge evidence object cannot flood the page.
 */
export function sanitizeDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return safeText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '…';
  if (Array.isArray(value)) {
    const items = value.slice(0, 500).map((item) => sanitizeDeep(item, depth + 1));
    if (value.length > 500) items.push(`… ${value.length - 500} more`);
    return items;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>).slice(0, 200)) out[safeText(key, 200)] = sanitizeDeep(item, depth + 1);
  return out;
}
