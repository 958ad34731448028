import { useLive } from '../data/use-live.js';
import type { HarnessSource } from '../data/source.js';
import { highlightedLine, languageOf } from './diff-highlight.js';
import { parsePatch, type DiffFile } from './diff-parse.js';

// A patch is read in pages up to this much; the file list still names every file.
const MAX_PATCH_BYTES = 1024 * 1024;

interface ChangedFile {
  path: string;
  old_path: string | null;
  status: string;
  lines_added: number;
  lines_removed: number;
  binary: boolean;
}

interface ChangesAnswer {
  base: string;
  head: string;
  branch: string | null;
  totals: { files: number; lines_added: number; lines_removed: number };
  files: ChangedFile[];
  patch?: { content: string; next_offset: number; size: number; eof: boolean };
}

interface Diff {
  changes: ChangesAnswer;
  files: DiffFile[];
  cut: boolean;
}

async function readDiff(source: HarnessSource, runId: string): Promise<Diff | { none: string }> {
  let patch = '';
  let offset = 0;
  for (;;) {
    const answer = await source.callTool<ChangesAnswer>('get_changes', { run_id: runId, include_patch: true, ...(offset > 0 && { patch_offset: offset }) });
    if (answer.isError) return { none: answer.text };
    const changes = answer.structuredContent;
    patch += changes.patch?.content ?? '';
    offset = changes.patch?.next_offset ?? 0;
    const cut = !changes.patch?.eof && patch.length >= MAX_PATCH_BYTES;
    if (!changes.patch || changes.patch.eof || cut) return { changes, files: parsePatch(patch), cut };
  }
}

function fileAnchor(path: string): string {
  return `diff-${path.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** What an attempt changed: the files with lines added and removed, then each file's hunks, highlighted. */
export function DiffView({ runId, ended }: { runId: string; ended: boolean }) {
  const diff = useLive((source) => (ended ? readDiff(source, runId) : Promise.resolve(undefined)), () => false, [runId, ended]);
  if (!ended) return <p class="muted">The changes are recorded when the attempt ends.</p>;
  if (diff.error) return <p class="error">{diff.error.message}</p>;
  if (!diff.data) return <p class="muted">Loading the changes…</p>;
  if ('none' in diff.data) return <p class="muted">{diff.data.none}</p>;
  const { changes, files, cut } = diff.data;
  if (changes.totals.files === 0) return <p class="muted">The attempt changed no file.</p>;
  return (
    <div class="diff">
      <p class="muted">
        {changes.totals.files} files, <span class="diff-added">+{changes.totals.lines_added}</span> <span class="diff-removed">−{changes.totals.lines_removed}</span>
        {' · '}
        <span class="mono">
          {changes.base.slice(0, 10)}..{changes.head.slice(0, 10)}
        </span>
        {changes.branch && <span class="mono"> on {changes.branch}</span>}
      </p>
      <ul class="diff-files" aria-label="Changed files">
        {changes.files.map((f) => (
          <li key={f.path}>
            <a href={`#${fileAnchor(f.path)}`} onClick={(e) => jumpTo(e, fileAnchor(f.path))}>
              {f.old_path ? `${f.old_path} → ` : ''}
              {f.path}
            </a>{' '}
            <span class="muted">{f.status}</span>{' '}
            {f.binary ? (
              <span class="muted">binary</span>
            ) : (
              <>
                <span class="diff-added">+{f.lines_added}</span> <span class="diff-removed">−{f.lines_removed}</span>
              </>
            )}
          </li>
        ))}
        {changes.files.length < changes.totals.files && <li class="muted">… and {changes.totals.files - changes.files.length} more</li>}
      </ul>
      {files.map((file) => (
        <DiffFileView key={file.path} file={file} />
      ))}
      {cut && <p class="muted">The patch is longer than {MAX_PATCH_BYTES / 1024} KB; the rest is not shown (get_changes pages it).</p>}
    </div>
  );
}

// The hash holds the page's route: a link to a file scrolls instead of navigating.
function jumpTo(event: Event, id: string): void {
  event.preventDefault();
  const target = document.getElementById(id);
  target?.scrollIntoView({ block: 'start' });
  target?.focus();
}

function DiffFileView({ file }: { file: DiffFile }) {
  const language = languageOf(file.path);
  return (
    <section class="diff-file" id={fileAnchor(file.path)} tabIndex={-1} aria-label={`Changes of ${file.path}`}>
      <h3 class="mono">{file.path}</h3>
      {file.notes.map((note) => (
        <p key={note} class="muted">
          {note}
        </p>
      ))}
      {file.hunks.map((hunk, i) => (
        <table key={i} class="diff-hunk mono">
          <colgroup>
            <col class="diff-number-column" />
            <col class="diff-number-column" />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th colSpan={3} class="diff-hunk-header">
                {hunk.header}
              </th>
            </tr>
          </thead>
          <tbody>
            {hunk.lines.map((line, j) => (
              <tr key={j} class={`diff-line diff-${line.kind}`}>
                <td class="diff-number">{line.oldLine ?? ''}</td>
                <td class="diff-number">{line.newLine ?? ''}</td>
                <td class="diff-code">
                  <span class="diff-mark" aria-hidden="true">
                    {line.kind === 'add' ? '+' : line.kind === 'del' ? '−' : ' '}
                  </span>
                  {line.kind === 'add' && <span class="visually-hidden">added: </span>}
                  {line.kind === 'del' && <span class="visually-hidden">removed: </span>}
                  {line.kind === 'note' ? line.text : <code class="hljs" dangerouslySetInnerHTML={{ __html: highlightedLine(line.text, language) }} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </section>
  );
}
