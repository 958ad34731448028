import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { batchScoreboardUri, type FollowedLog } from '../data/source.js';
import { useSource } from '../data/use-live.js';

const LOGS: { name: FollowedLog; label: string }[] = [
  { name: 'stdout', label: 'stdout' },
  { name: 'stderr', label: 'stderr' },
  { name: 'events', label: 'events' },
];

// A page keeps the end of a log: this much is read when it opens, and kept as it grows.
const TAIL_BYTES = 256 * 1024;
// Within this many pixels of the bottom counts as at the bottom: the tail keeps following.
const STICK_PX = 16;

interface ArtifactPage {
  content: string;
  next_offset: number;
  size: number;
  eof: boolean;
}

export interface LogTailProps {
  batchId: string;
  runId: string;
  /** While it runs the tail follows; after, it reads once more and stops. */
  running: boolean;
}

/**
 * An attempt's stdout, stderr or events, following the file as it grows: the source says when
 * (followLog; else each change of the batch), and the new bytes are read with fetch_artifact
 * from where the last read ended. Scrolled to the end unless the person scrolled up.
 */
export function LogTail({ batchId, runId, running }: LogTailProps) {
  const [name, setName] = useState<FollowedLog>('stdout');
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const onTabKey = (event: KeyboardEvent, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const next = (index + step + LOGS.length) % LOGS.length;
    setName(LOGS[next]!.name);
    tabs.current[next]?.focus();
  };
  return (
    <div class="log-tail">
      <div role="tablist" aria-label="Logs">
        {LOGS.map((log, i) => (
          <button
            key={log.name}
            ref={(el) => void (tabs.current[i] = el)}
            type="button"
            role="tab"
            id={`log-tab-${log.name}`}
            aria-selected={name === log.name}
            aria-controls="log-panel"
            tabIndex={name === log.name ? 0 : -1}
            onClick={() => setName(log.name)}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {log.label}
          </button>
        ))}
        {running && <span class="log-following muted">following</span>}
      </div>
      <LogText key={`${runId}/${name}`} batchId={batchId} runId={runId} name={name} running={running} />
    </div>
  );
}

function LogText({ batchId, runId, name, running }: LogTailProps & { name: FollowedLog }) {
  const source = useSource();
  const [text, setText] = useState('');
  const [note, setNote] = useState<string | undefined>('loading…');
  const pre = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  // Where the next read starts; kept while the attempt goes from running to ended (undefined: nothing read yet).
  const offsetRef = useRef<number | undefined>(undefined);

  useEffect(() => {
    let alive = true;
    let reading = false;
    let again = false;
    const readPage = async (from: number, maxBytes?: number) => {
      const answer = await source.callTool<ArtifactPage>('fetch_artifact', { run_id: runId, name, offset: from, ...(maxBytes && { max_bytes: maxBytes }) });
      if (answer.isError) throw new Error(answer.text);
      return answer.structuredContent;
    };
    const readNew = async () => {
      if (offsetRef.current === undefined) {
        // Where to start: the last TAIL_BYTES of what is there now.
        const first = await readPage(0, 16);
        offsetRef.current = first.size > TAIL_BYTES ? first.size - TAIL_BYTES : 0;
        if (offsetRef.current > 0) setNote(`showing the last ${TAIL_BYTES / 1024} KB of ${Math.round(first.size / 1024)} KB`);
      }
      for (;;) {
        const page = await readPage(offsetRef.current);
        if (!alive) return;
        offsetRef.current = page.next_offset;
        if (page.content) setText((previous) => (previous + page.content).slice(-TAIL_BYTES));
        if (page.eof) return;
      }
    };
    const read = async () => {
      if (reading) return void (again = true);
      reading = true;
      do {
        again = false;
        try {
          await readNew();
          if (alive) setNote((n) => (n === 'loading…' || n?.startsWith('not written') ? undefined : n));
        } catch (error) {
          // A log the attempt has not written yet (queued, spawning) is no error: it comes.
          if (alive && offsetRef.current === undefined) setNote(`not written yet (${(error as Error).message})`);
        }
      } while (again && alive);
      reading = false;
    };
    void read();
    if (!running) return () => void (alive = false);
    const scoreboard = batchScoreboardUri(batchId);
    const offChange = source.onChange((uri) => uri === scoreboard && void read());
    const offFollow = source.followLog?.(runId, name, { grew: () => void read(), ended: () => void read() });
    return () => {
      alive = false;
      offChange();
      offFollow?.();
    };
  }, [source, batchId, runId, name, running]);

  useLayoutEffect(() => {
    const el = pre.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [text]);

  const onScroll = () => {
    const el = pre.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
  };
  return (
    <div id="log-panel" role="tabpanel" aria-labelledby={`log-tab-${name}`}>
      {note && <p class="muted log-note">{note}</p>}
      <pre ref={pre} class="log-text" tabIndex={0} aria-label={`${name} of run ${runId}`} aria-live="off" onScroll={onScroll}>
        {text || (note ? '' : '(empty)')}
      </pre>
    </div>
  );
}
