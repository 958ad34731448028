// How a run of some of the bench's sections lands in BENCHMARKS.md: a section that ran replaces
// the one of the same name, the others stay as the last run that measured them left them.

/** A section's name: its `## ` heading up to the first colon, so a heading that names its parameters still matches. */
function sectionName(section: string): string {
  const heading = section.split('\n', 1)[0]!;
  const colon = heading.indexOf(':');
  return colon === -1 ? heading.trim() : heading.slice(0, colon);
}

/** Splits Markdown into what comes before the first `## ` heading and one string per section from there. */
function splitSections(markdown: string): { head: string; sections: string[] } {
  const parts = markdown.split(/^(?=## )/m);
  const head = parts[0]!.startsWith('## ') ? '' : parts.shift()!;
  return { head, sections: parts };
}

/**
 * `previous` (the whole file) with each of `fresh` in place of its namesake, or after the last
 * section when it has none; everything from `keptHeading` on is kept as it is. Parts are parted
 * by one blank line.
 */
export function spliceSections(previous: string, fresh: string[], keptHeading: string): string {
  const at = previous.indexOf(keptHeading);
  const kept = at === -1 ? '' : previous.slice(at);
  const { head, sections } = splitSections(at === -1 ? previous : previous.slice(0, at));
  const byName = new Map(fresh.map((s) => [sectionName(s), s]));
  const names = new Set(sections.map(sectionName));
  const merged = [...sections.map((s) => byName.get(sectionName(s)) ?? s), ...fresh.filter((s) => !names.has(sectionName(s)))];
  return `${[head, ...merged, kept].map((part) => part.trimEnd()).filter((part) => part !== '').join('\n\n')}\n`;
}
