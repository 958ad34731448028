import { BATCHES_CHANGED, type AttemptSummary, type HarnessSource, type ToolAnswer } from './source.js';

/** The error a page shows when the server refuses a call: its code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function metaContent(name: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
}

async function answerOf<T>(response: Response): Promise<T> {
  if (response.status === 401) {
    window.location.assign('/login');
    throw new ApiError(401, 'unauthorized', 'signed out: sign in again');
  }
  const body = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!response.ok) throw new ApiError(response.status, body?.error?.code ?? 'http', body?.error?.message ?? `HTTP ${response.status}`);
  return body as T;
}

/**
 * The dashboard's source: its server's /api (tool calls and resource reads through the same MCP
 * tools a client calls) and one event stream for every change, shared by all views of the page.
 */
export function httpSource(): HarnessSource {
  const csrf = metaContent('harness-csrf');
  const listeners = new Set<(uri: string) => void>();
  const events = new EventSource('/api/events');
  events.addEventListener('changed', (event) => {
    const { uri } = JSON.parse((event as MessageEvent<string>).data) as { uri: string };
    for (const listener of listeners) listener(uri);
  });
  events.addEventListener('batches', () => {
    for (const listener of listeners) listener(BATCHES_CHANGED);
  });
  return {
    canAct: metaContent('harness-mode') === 'active',
    async callTool<T>(name: string, args: Record<string, unknown>) {
      const response = await fetch(`/api/tools/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Harness-CSRF': csrf },
        body: JSON.stringify(args),
      });
      return answerOf<ToolAnswer<T>>(response);
    },
    async readResource<T>(uri: string) {
      return answerOf<T>(await fetch(`/api/resource?uri=${encodeURIComponent(uri)}`));
    },
    async stepAttempts(batchId, jobId, stepId) {
      const query = new URLSearchParams({ batch_id: batchId, job_id: jobId, step_id: stepId });
      return (await answerOf<{ attempts: AttemptSummary[] }>(await fetch(`/api/attempts?${query}`))).attempts;
    },
    followLog(runId, name, listener) {
      const stream = new EventSource(`/api/follow?${new URLSearchParams({ run_id: runId, name })}`);
      stream.addEventListener('size', (event) => listener.grew((JSON.parse((event as MessageEvent<string>).data) as { size: number }).size));
      stream.addEventListener('ended', () => {
        stream.close();
        listener.ended();
      });
      return () => stream.close();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
