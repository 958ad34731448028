import { PageMirror, type ResourcePatch } from './resource-mirror.js';
import { BATCHES_CHANGED, SYSTEM_SCOREBOARD, type AttemptSummary, type HarnessSource, type ToolAnswer } from './source.js';

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
 * tools a client calls) and one event stream for every change, shared by all views of the page;
 * the resources it follows are kept in a mirror the stream's patches keep current.
 */
export function httpSource(): HarnessSource {
  const csrf = metaContent('harness-csrf');
  const listeners = new Set<(uri: string) => void>();
  const mirror = new PageMirror();
  const events = new EventSource('/api/events');
  events.addEventListener('changed', (event) => {
    const patch = JSON.parse((event as MessageEvent<string>).data) as ResourcePatch;
    if (patch.version === undefined) mirror.forget(patch.uri);
    else mirror.apply(patch);
    for (const listener of listeners) listener(patch.uri);
  });
  events.addEventListener('batches', () => {
    mirror.forget(SYSTEM_SCOREBOARD);
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
      const copy = mirror.get(uri);
      if (copy) return copy as T;
      const response = await fetch(`/api/resource?uri=${encodeURIComponent(uri)}`);
      const value = await answerOf<T>(response);
      const version = Number(response.headers.get('X-Harness-Version'));
      if (version > 0 && value && typeof value === 'object') mirror.store(uri, version, value as Record<string, unknown>);
      return value;
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
