// highlight.js core with only the languages a diff of this kind of work shows most, each
// registered on its own: the full bundle of every language would be most of the page's weight.
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import go from 'highlight.js/lib/languages/go';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import typescript from 'highlight.js/lib/languages/typescript';
import yaml from 'highlight.js/lib/languages/yaml';

const LANGUAGES = { bash, css, go, javascript, json, markdown, python, rust, typescript, yaml };
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);

const BY_EXTENSION: Record<string, keyof typeof LANGUAGES> = {
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  py: 'python',
  json: 'json',
  sh: 'bash',
  bash: 'bash',
  css: 'css',
  md: 'markdown',
  yml: 'yaml',
  yaml: 'yaml',
  go: 'go',
  rs: 'rust',
};

/** The language a file is highlighted in, from its name; undefined for one shown plain. */
export function languageOf(path: string): string | undefined {
  const extension = /\.([^./]+)$/.exec(path)?.[1]?.toLowerCase();
  return extension ? BY_EXTENSION[extension] : undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * One line of code as HTML: highlight.js's spans (it escapes the text) or the text escaped.
 * Lines are highlighted one by one, so a string or comment over several lines loses its colour
 * after the first; a hunk is only part of a file anyway.
 */
export function highlightedLine(code: string, language: string | undefined): string {
  if (!language) return escapeHtml(code);
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}
