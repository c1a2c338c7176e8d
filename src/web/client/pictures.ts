import { formatBytes, h, s } from './dom.js';

type Loose = Record<string, unknown>;
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Horizontal bars, each labelled; values drawn to one scale. An SVG with a text title and description. */
function bars(title: string, rows: Array<{ label: string; value: number; text: string; tone?: string }>): SVGElement {
  const width = 640;
  const rowHeight = 34;
  const labelWidth = 250;
  const max = Math.max(1, ...rows.map((row) => row.value));
  const height = rows.length * rowHeight + 8;
  const id = `t${Math.random().toString(36).slice(2, 8)}`;
  return s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-labelledby': id, class: 'chart' },
    s('title', { id }, `${title}: ${rows.map((row) => `${row.label} ${row.text}`).join('; ')}`),
    rows.map((row, index) => {
      const y = index * rowHeight + 4;
      // Room on the right for the value text of the longest bar.
      const barWidth = Math.max(2, ((width - labelWidth - 190) * row.value) / max);
      return s(
        'g',
        {},
        s('text', { x: 0, y: y + 20, class: 'chart-label' }, row.label.length > 38 ? `${row.label.slice(0, 37)}…` : row.label),
        s('rect', { x: labelWidth, y: y + 4, width: barWidth, height: 22, rx: 3, class: `chart-bar ${row.tone ?? ''}` }),
        s('text', { x: labelWidth + barWidth + 6, y: y + 20, class: 'chart-value' }, row.text),
      );
    }),
  );
}

export function sizePicture(comparison: Loose | null | undefined): HTMLElement | null {
  const starter = comparison?.starter as Loose | undefined;
  const image = comparison?.image as Loose | undefined;
  const before = num(starter?.bytes);
  const after = num(image?.bytes);
  if (before === null || after === null) return null;
  const factor = num(comparison?.factor);
  const saved = before - after;
  return h(
    'figure',
    { class: 'picture', 'data-picture': 'size' },
    h('figcaption', {}, h('strong', {}, 'Image size, before and after'), ` — ${saved >= 0 ? `${formatBytes(saved)} smaller` : `${formatBytes(-saved)} larger`}${factor && factor !== 1 ? ` (${factor > 1 ? `${factor}× smaller than` : `${(1 / factor).toFixed(2)}× the size of`} the starter)` : ''}`),
    bars('Image size', [
      { label: 'Starter (before)', value: before, text: `${formatBytes(before)} · ${num(starter?.layers) ?? '?'} layers`, tone: 'before' },
      { label: 'Your image (after)', value: after, text: `${formatBytes(after)} · ${num(image?.layers) ?? '?'} layers`, tone: 'after' },
    ]),
  );
}

/** The largest layers with the instruction that made each, from any check's evidence that carries them. */
export function layersPicture(checks: Loose[], imageLayers?: unknown): HTMLElement | null {
  const sources = [imageLayers, ...checks.map((check) => (check.evidence as Loose | undefined)?.largestLayers)];
  for (const layers of sources) {
    if (!Array.isArray(layers) || layers.length === 0) continue;
    const rows = layers
      .filter((layer): layer is Loose => Boolean(layer) && typeof layer === 'object' && num((layer as Loose).bytes) !== null)
      .slice(0, 8)
      .map((layer) => ({ label: String(layer.instruction ?? layer.createdBy ?? 'layer'), value: num(layer.bytes)!, text: formatBytes(num(layer.bytes)!) }));
    if (rows.length === 0) continue;
    return h(
      'figure',
      { class: 'picture', 'data-picture': 'layers' },
      h('figcaption', {}, h('strong', {}, 'Largest layers your Dockerfile added'), ', with the instruction that made each'),
      bars('Largest layers', rows),
    );
  }
  return null;
}

export function wastedPicture(checks: Loose[]): HTMLElement | null {
  for (const check of checks) {
    const evidence = check.evidence as Loose | undefined;
    const wasted = (evidence?.wasted as Loose | undefined) ?? (num(evidence?.wastedBytes) !== null ? evidence : undefined);
    if (!wasted) continue;
    const total = num(wasted.totalBytes ?? wasted.wastedBytes);
    if (total === null) continue;
    const top = Array.isArray(wasted.top) ? (wasted.top as Loose[]) : [];
    const rows = top
      .filter((entry) => num(entry.bytes) !== null)
      .slice(0, 6)
      .map((entry) => ({ label: String(entry.path ?? '?'), value: num(entry.bytes)!, text: formatBytes(num(entry.bytes)!), tone: 'waste' }));
    return h(
      'figure',
      { class: 'picture', 'data-picture': 'wasted' },
      h('figcaption', {}, h('strong', {}, 'Wasted bytes'), `: ${formatBytes(total)} in files a later layer deletes or overwrites`),
      rows.length ? bars('Wasted bytes by path', rows) : h('p', { class: 'muted' }, total === 0 ? 'None: no layer hides bytes of another.' : 'No paths listed.'),
    );
  }
  return null;
}

/** The health probes in order over the time to the verdict: green exit 0, red otherwise. */
export function healthPicture(checks: Loose[]): HTMLElement | null {
  for (const check of checks) {
    const evidence = check.evidence as Loose | undefined;
    const log = evidence?.healthLog;
    if (!Array.isArray(log)) continue;
    const elapsed = num(evidence?.elapsedMs) ?? 0;
    const status = String(evidence?.status ?? '');
    const width = 640;
    const height = 90;
    const left = 20;
    const right = width - 20;
    const count = log.length;
    const id = `h${Math.random().toString(36).slice(2, 8)}`;
    const x = (index: number) => left + ((right - left) * (index + 1)) / (count + 1);
    const probes = (log as Loose[]).map((entry, index) => {
      const ok = num(entry.exitCode) === 0;
      return s(
        'g',
        {},
        s('circle', { cx: x(index), cy: 40, r: 9, class: ok ? 'probe-ok' : 'probe-fail' }, s('title', {}, `probe ${index + 1}: exit ${String(entry.exitCode)}${entry.output ? ` — ${String(entry.output).slice(0, 200)}` : ''}`)),
        s('text', { x: x(index), y: 44, class: 'probe-mark', 'text-anchor': 'middle', 'aria-hidden': 'true' }, ok ? '✓' : '✕'),
      );
    });
    return h(
      'figure',
      { class: 'picture', 'data-picture': 'health' },
      h('figcaption', {}, h('strong', {}, 'Health probes'), `: ${count} probe${count === 1 ? '' : 's'}, ${status || 'no verdict'} after ${(elapsed / 1000).toFixed(1)} s`),
      s(
        'svg',
        { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-labelledby': id, class: 'chart' },
        s('title', { id }, `Health probes in order: ${(log as Loose[]).map((entry, index) => `probe ${index + 1} exit ${String(entry.exitCode)}`).join(', ') || 'none'}; ${status} after ${(elapsed / 1000).toFixed(1)} seconds`),
        s('line', { x1: left, y1: 40, x2: right, y2: 40, class: 'axis' }),
        s('text', { x: left, y: 80, class: 'chart-value' }, 'container start'),
        s('text', { x: right, y: 80, class: 'chart-value', 'text-anchor': 'end' }, `${status || 'end'} · ${(elapsed / 1000).toFixed(1)} s`),
        probes,
      ),
    );
  }
  return null;
}
