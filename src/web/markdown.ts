import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import go from 'highlight.js/lib/languages/go';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import php from 'highlight.js/lib/languages/php';
import python from 'highlight.js/lib/languages/python';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked } from 'marked';

for (const [name, language] of Object.entries({ bash, dockerfile, go, javascript, json, php, python, yaml })) hljs.registerLanguage(name, language);
hljs.registerAliases(['sh', 'shell', 'console'], { languageName: 'bash' });
hljs.registerAliases(['docker'], { languageName: 'dockerfile' });
hljs.registerAliases(['yml', 'compose'], { languageName: 'yaml' });

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const marked = new Marked({
  gfm: true,
  renderer: {
    // Raw HTML in a lesson or hint is shown as text: the page runs no markup it did not write itself.
    html({ text }) {
      return escapeHtml(text);
    },
    code({ text, lang }) {
      const language = (lang ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
      const known = language && hljs.getLanguage(language);
      const body = known ? hljs.highlight(text, { language, ignoreIllegals: true }).value : escapeHtml(text);
      return `<pre><code class="hljs${known ? ` language-${escapeHtml(language)}` : ''}">${body}</code></pre>\n`;
    },
    link({ href, title, tokens }) {
      const label = this.parser.parseInline(tokens);
      // Only web and in-page links; a javascript: or data: URL in a pack's markdown stays inert text.
      if (!/^(https?:|#|mailto:)/i.test(href)) return label;
      return `<a href="${escapeHtml(href)}"${title ? ` title="${escapeHtml(title)}"` : ''} rel="noopener noreferrer" target="_blank">${label}</a>`;
    },
    image({ text }) {
      // Images would be fetched from wherever they point; the page works offline, so the alt text stands in.
      return escapeHtml(text);
    },
  },
});

/** Course markdown (lessons, tasks, hints) as HTML with highlighted code, raw HTML escaped. */
export function markdownToHtml(text: string): string {
  return marked.parse(text, { async: false }) as string;
}

/** A unified diff as HTML lines with classes for added, removed and hunk lines. */
export function diffToHtml(patch: string): string {
  return patch
    .split('\n')
    .map((line) => {
      const kind = line.startsWith('+++') || line.startsWith('---') || line.startsWith('====') ? 'file' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : 'ctx';
      return `<span class="diff-${kind}">${escapeHtml(line)}</span>`;
    })
    .join('\n');
}
