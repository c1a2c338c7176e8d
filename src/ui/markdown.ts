import { Marked, type MarkedExtension } from 'marked';
import { markedTerminal } from 'marked-terminal';

/** Markdown for the terminal (headings, code blocks, lists), wrapped to the terminal's width. */
export function renderMarkdown(text: string, options: { width?: number } = {}): string {
  const width = Math.min(options.width ?? process.stdout.columns ?? 80, 100);
  // The typings declare a renderer class; at runtime it returns a marked extension.
  const marked = new Marked(markedTerminal({ width, reflowText: true, tab: 2 }) as unknown as MarkedExtension);
  return (marked.parse(text, { async: false }) as string).trimEnd();
}
