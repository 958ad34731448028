import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { useSource } from '../data/use-live.js';

export interface ActionButtonProps {
  /** The button's text, e.g. "Cancel batch". */
  label: string;
  /** What the dialog asks, e.g. "Cancel every unfinished step of batch b?". */
  question: ComponentChildren;
  /** Does the action; its answer (a message) is shown, a thrown error too. */
  run: () => Promise<string>;
  /** Called after the action answered, to read what it changed. */
  onDone?: () => void;
  danger?: boolean;
}

/**
 * A button that asks before it acts, in a native <dialog> (focus kept inside, Escape closes
 * it), then shows what the action answered. Hidden in a read-only viewer.
 */
export function ActionButton({ label, question, run, onDone, danger }: ActionButtonProps) {
  const source = useSource();
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | undefined>();
  if (!source.canAct) return null;
  const confirm = async () => {
    setBusy(true);
    try {
      setOutcome({ ok: true, message: await run() });
      onDone?.();
    } catch (error) {
      setOutcome({ ok: false, message: (error as Error).message });
    } finally {
      setBusy(false);
      dialog.current?.close();
    }
  };
  return (
    <span class="action">
      <button type="button" class={danger ? 'danger' : undefined} onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      {outcome && (
        <span role="status" class={outcome.ok ? 'muted' : 'error'}>
          {' '}
          {outcome.message}
        </span>
      )}
      <dialog ref={dialog} aria-label={label}>
        <p>{question}</p>
        <form method="dialog" class="dialog-buttons">
          <button type="submit" value="cancel" autofocus>
            Back
          </button>
          <button type="button" class={danger ? 'danger' : undefined} disabled={busy} onClick={() => void confirm()}>
            {busy ? 'Working…' : `Yes, ${label.toLowerCase()}`}
          </button>
        </form>
      </dialog>
    </span>
  );
}
