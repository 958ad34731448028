import type { AttemptSummary } from '../data/source.js';
import { useLive } from '../data/use-live.js';
import { attemptDuration, clockTime } from './step-format.js';

export interface AttemptsListProps {
  attempts: AttemptSummary[];
  selected: string | undefined;
  onSelect(runId: string): void;
}

/** Every attempt of a step, newest first: how it went, and a button to show its logs and report. */
export function AttemptsList({ attempts, selected, onSelect }: AttemptsListProps) {
  if (attempts.length === 0) return <p class="muted">No attempt yet.</p>;
  return (
    <table class="attempts">
      <caption class="visually-hidden">Attempts</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Status</th>
          <th scope="col">Started</th>
          <th scope="col">Ended</th>
          <th scope="col">Took</th>
          <th scope="col">Exit</th>
          <th scope="col">Summary</th>
        </tr>
      </thead>
      <tbody>
        {[...attempts].reverse().map((a) => (
          <tr key={a.run_id} class={a.run_id === selected ? 'selected' : undefined} data-run-id={a.run_id}>
            <td>
              <button type="button" aria-pressed={a.run_id === selected} title={`run ${a.run_id} (${a.trigger})`} onClick={() => onSelect(a.run_id)}>
                {a.attempt}
              </button>
            </td>
            <td>
              <span class={`status status-${a.status === 'queued' ? 'ready' : a.status}`}>{a.status}</span>
              {a.failure_reason && <span class="muted"> {a.failure_reason}</span>}
            </td>
            <td>{clockTime(a.started_at)}</td>
            <td>{clockTime(a.ended_at)}</td>
            <td>{attemptDuration(a.started_at, a.ended_at)}</td>
            <td class="mono">{a.exit_code ?? a.signal ?? '–'}</td>
            <td class="attempt-summary">{a.agent_outcome?.summary ?? a.message ?? (a.status === 'running' ? a.current_item : null) ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface ArtifactPage {
  content: string;
}

/** An attempt's final.json, folded; a running attempt has none yet. */
export function FinalReport({ runId, ended }: { runId: string; ended: boolean }) {
  const final = useLive(
    async (source) => {
      if (!ended) return undefined;
      const answer = await source.callTool<ArtifactPage>('fetch_artifact', { run_id: runId, name: 'final' });
      return answer.isError ? { missing: answer.text } : { json: prettyJson(answer.structuredContent.content) };
    },
    () => false,
    [runId, ended],
  );
  if (!ended) return <p class="muted">final.json: written when the attempt ends.</p>;
  if (!final.data) return <p class="muted">final.json: loading…</p>;
  if ('missing' in final.data) return <p class="muted">final.json: {final.data.missing}</p>;
  return (
    <details class="final-json">
      <summary>final.json</summary>
      <pre>{final.data.json}</pre>
    </details>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
