import { useState } from 'preact/hooks';
import { act } from '../data/source.js';
import { useSource } from '../data/use-live.js';
import { ActionButton } from './action-button.js';

interface LandAnswer {
  branch: string;
  result: string;
  onto: string;
  commit: string;
  old_commit: string | null;
  created: boolean;
  checkout_updated: string | null;
  job_status: string;
}

export interface LandPanelProps {
  batchId: string;
  jobId: string;
  /** The job's branch, harness/<batch>/<job>. */
  branch: string;
  /** The branch the job started from, as submitted: where it lands unless told. */
  baseRef: string;
  onDone(): void;
}

type Strategy = 'merge' | 'squash' | 'rebase';

/**
 * Landing an isolated git job's branch: a dry run first (land_job with dry_run: true says what
 * would happen, or which paths conflict), then, for what the dry run showed, the landing itself
 * after a confirmation. Changing where or how resets it to the dry run.
 */
export function LandPanel({ batchId, jobId, branch, baseRef, onDone }: LandPanelProps) {
  const source = useSource();
  const [onto, setOnto] = useState(baseRef === 'HEAD' ? 'main' : baseRef);
  const [strategy, setStrategy] = useState<Strategy>('merge');
  const [dryRun, setDryRun] = useState<{ ok: boolean; text: string; answer?: LandAnswer } | undefined>();
  const [checking, setChecking] = useState(false);
  const [landed, setLanded] = useState<string | undefined>();
  if (!source.canAct) return null;
  const args = { batch_id: batchId, job_id: jobId, onto, strategy };
  const check = async () => {
    setChecking(true);
    setLanded(undefined);
    try {
      const answer = await source.callTool<LandAnswer>('land_job', { ...args, dry_run: true });
      setDryRun(answer.isError ? { ok: false, text: answer.text } : { ok: true, text: answer.text, answer: answer.structuredContent });
    } catch (error) {
      setDryRun({ ok: false, text: (error as Error).message });
    } finally {
      setChecking(false);
    }
  };
  const reset = () => {
    setDryRun(undefined);
    setLanded(undefined);
  };
  return (
    <section class="land-panel" aria-labelledby="land-title">
      <h2 id="land-title">Land {branch}</h2>
      <form
        class="land-form"
        onSubmit={(e) => {
          e.preventDefault();
          void check();
        }}
      >
        <label>
          onto{' '}
          <input
            value={onto}
            required
            onInput={(e) => {
              setOnto((e.target as HTMLInputElement).value);
              reset();
            }}
          />
        </label>
        <label>
          strategy{' '}
          <select
            value={strategy}
            onChange={(e) => {
              setStrategy((e.target as HTMLSelectElement).value as Strategy);
              reset();
            }}
          >
            <option value="merge">merge</option>
            <option value="squash">squash</option>
            <option value="rebase">rebase</option>
          </select>
        </label>
        <button type="submit" disabled={checking || !onto}>
          {checking ? 'Checking…' : 'Dry run'}
        </button>
      </form>
      {landed && (
        <p class="land-result" role="status">
          {landed}
        </p>
      )}
      {dryRun && (
        <div class={`land-dry-run ${dryRun.ok ? '' : 'error'}`} role="status">
          <h3>{dryRun.ok ? 'The dry run says' : 'It would not land'}</h3>
          <p>{dryRun.text}</p>
          {dryRun.answer && dryRun.answer.result !== 'up_to_date' && (
            <ActionButton
              label={`Land onto ${onto}`}
              question={`Land ${branch} onto ${onto} (${strategy})? ${dryRun.text}`}
              run={async () => {
                const text = await act(source, 'land_job', args);
                setDryRun(undefined);
                setLanded(text);
                return text;
              }}
              onDone={onDone}
            />
          )}
        </div>
      )}
    </section>
  );
}
