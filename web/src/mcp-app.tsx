// The MCP App (SEP-1865): the batch view inside a host's sandboxed iframe. The host passes the
// input and result of the tool whose result it shows (run_batch, wait_for_batch, get_scoreboard);
// the batch id comes from there, and every read and action goes through the host.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { App, PostMessageTransport, type McpUiHostContext } from '@modelcontextprotocol/ext-apps';
import './styles.css';
import { appSource } from './data/app-source.js';
import { SourceContext } from './data/use-live.js';
import { parseRoute, type Route } from './routes.js';
import { BatchView } from './views/batch-view.js';
import { StepView } from './views/step-view.js';

let batchId: string | undefined;
/** Why there is no batch to show yet: the host has not said, or the tool answered about something else. */
let waiting = 'Waiting for the tool’s answer…';

const app = new App({ name: 'harness-mcp batch view', version: '1.0.0' }, {});
const source = appSource(app, () => batchId);

function batchIdOf(value: unknown): string | undefined {
  const id = (value as { batch_id?: unknown } | undefined)?.batch_id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Follows the host's light or dark theme; without one, styles.css follows the system's. */
function followTheme(context: Partial<McpUiHostContext> | undefined): void {
  if (context?.theme) document.documentElement.dataset.theme = context.theme;
}

// The batch view's step links are the dashboard's hash routes. In the host's srcdoc iframe a
// link resolves against the host page's URL, so following one would load that page instead of
// the app: the app catches them and keeps its route itself. Only the batch's steps are offered.
function useRoute(): Route {
  const [route, setRoute] = useState<Route>({ view: 'batches' });
  useEffect(() => {
    const onClick = (event: MouseEvent) => {
      const href = (event.target as Element | null)?.closest?.('a')?.getAttribute('href');
      if (!href?.startsWith('#')) return;
      event.preventDefault();
      setRoute(parseRoute(href));
      window.scrollTo(0, 0);
    };
    document.addEventListener('click', onClick);
    return () => document.removeEventListener('click', onClick);
  }, []);
  return route;
}

function Page({ batchId }: { batchId: string }) {
  const route = useRoute();
  // The step view's heading links back to the batch.
  if (route.view === 'step' && route.batchId === batchId) return <StepView batchId={batchId} jobId={route.jobId} stepId={route.stepId} />;
  return <BatchView batchId={batchId} />;
}

function Shell() {
  return (
    <SourceContext.Provider value={source}>
      <header class="topbar">
        <span class="brand">harness-mcp</span>
        <button type="button" onClick={() => source.refresh()} disabled={!batchId}>
          Refresh
        </button>
      </header>
      <main id="main">{batchId ? <Page batchId={batchId} /> : <p class="muted">{waiting}</p>}</main>
    </SourceContext.Provider>
  );
}

function show(id: string | undefined): void {
  if (id && id !== batchId) batchId = id;
  render(<Shell />, document.getElementById('app')!);
}

// Registered before connect: the host may send the input, the result and its context right after the handshake.
app.ontoolinput = ({ arguments: args }) => show(batchIdOf(args));
app.ontoolresult = (result) => {
  const id = batchIdOf(result.structuredContent);
  if (!id && !batchId) waiting = result.isError ? 'The tool failed: its answer is in the conversation.' : 'This answer is about no single batch (the system scoreboard): the batch view shows one batch.';
  show(id);
  source.refresh(); // a new answer: the batch has moved since the last read
};
app.onhostcontextchanged = followTheme;
app.onteardown = () => {
  source.close();
  return {};
};

show(undefined);
app
  .connect(new PostMessageTransport(window.parent, window.parent))
  .then(() => followTheme(app.getHostContext()))
  .catch((error: unknown) => {
    waiting = `Could not reach the host: ${error instanceof Error ? error.message : String(error)}`;
    show(undefined);
  });
