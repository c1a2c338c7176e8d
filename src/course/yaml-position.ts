import { isNode, type parseDocument } from 'yaml';

/** The deepest node that exists along the issue's path, so a missing key points at its parent. */
export function locate(document: ReturnType<typeof parseDocument>, issuePath: Array<string | number>): number {
  for (let length = issuePath.length; length >= 0; length--) {
    const node = document.getIn(issuePath.slice(0, length), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}

export function formatPath(parts: Array<string | number>): string {
  return parts.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}
