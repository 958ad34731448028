import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { httpSource } from './data/http-source.js';
import { SourceContext } from './data/use-live.js';
import { hrefOf, parseRoute, type Route } from './routes.js';
import { ThemeToggle } from './theme.js';
import { BatchesView } from './views/batches-view.js';
import { BatchView } from './views/batch-view.js';
import { StepView } from './views/step-view.js';
import { SystemView } from './views/system-view.js';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

function Page({ route }: { route: Route }) {
  switch (route.view) {
    case 'batches':
      return <BatchesView />;
    case 'batch':
      return <BatchView batchId={route.batchId} />;
    case 'step':
      return <StepView batchId={route.batchId} jobId={route.jobId} stepId={route.stepId} />;
    case 'system':
      return <SystemView />;
  }
}

// A session's page can end it; without sign-in there is nothing to end.
const signedIn = document.querySelector<HTMLMetaElement>('meta[name="harness-auth"]')?.content === 'session';

function Dashboard() {
  const route = useRoute();
  return (
    <>
      <header class="topbar">
        <a class="brand" href={hrefOf({ view: 'batches' })}>
          harness-mcp
        </a>
        <nav aria-label="Main">
          <a href={hrefOf({ view: 'batches' })} aria-current={route.view === 'batches' ? 'page' : undefined}>
            Batches
          </a>
          <a href={hrefOf({ view: 'system' })} aria-current={route.view === 'system' ? 'page' : undefined}>
            System
          </a>
        </nav>
        <ThemeToggle />
        {signedIn && (
          <form method="post" action="/logout">
            <button type="submit">Sign out</button>
          </form>
        )}
      </header>
      <main id="main">
        <Page route={route} />
      </main>
    </>
  );
}

render(
  <SourceContext.Provider value={httpSource()}>
    <Dashboard />
  </SourceContext.Provider>,
  document.getElementById('app')!,
);
