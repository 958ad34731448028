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
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined }>({ data: undefined, error: undefined });
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
          if (alive) setState({ data, error: undefined });
        } catch (error) {
          if (alive) setState((previous) => ({ data: previous.data, error: error as Error }));
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
  return { ...state, reload: () => setGeneration((g) => g + 1) };
}
