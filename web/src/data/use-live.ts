import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { HarnessSource } from './source.js';

export const SourceContext = createContext<HarnessSource | undefined>(undefined);

export function useSource(): HarnessSource {
  const source = useContext(SourceContext);
  if (!source) throw new Error('a view is rendered outside the SourceContext provider');
  return source;
}

export interface Live<T> {
  data: T | undefined;
  error: Error | undefined;
  /** Loads again now (after an action), whatever the change feed says. */
  reload(): void;
}

/**
 * `load`'s answer, loaded again each time the source reports a change `affects` says matters.
 * A change during a load makes one more load after it, never two at once, so a busy batch costs
 * at most one read in flight per view.
 */
export function useLive<T>(load: (source: HarnessSource) => Promise<T>, affects: (uri: string) => boolean, deps: unknown[]): Live<T> {
  const source = useSource();
  // `key` says which deps the data and error were loaded for: those of others (a batch navigated
  // away from) are not shown under the new ones.
  const depsKey = JSON.stringify(deps);
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; key: string }>({ data: undefined, error: undefined, key: depsKey });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let alive = true;
    let loading = false;
    let again = false;
    const run = async () => {
      if (loading) return void (again = true);
      loading = true;
      do {
        again = false;
        try {
          const data = await load(source);
          if (alive) setState({ data, error: undefined, key: depsKey });
        } catch (error) {
          if (alive) setState((previous) => ({ data: previous.key === depsKey ? previous.data : undefined, error: error as Error, key: depsKey }));
        }
      } while (again && alive);
      loading = false;
    };
    void run();
    const off = source.onChange((uri) => {
      if (affects(uri)) void run();
    });
    return () => {
      alive = false;
      off();
    };
  }, [source, generation, ...deps]);
  const current = state.key === depsKey;
  return { data: current ? state.data : undefined, error: current ? state.error : undefined, reload: () => setGeneration((g) => g + 1) };
}
