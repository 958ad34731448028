/**
 * Orders the steps of one job so that every step follows the steps it needs, keeping the
 * submitted order where the graph allows. Returns the cycle instead when there is one.
 */
export function orderSteps(
  stepIds: readonly string[],
  needs: (stepId: string) => readonly string[],
): { order: string[] } | { cycle: string[] } {
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const seen = state.get(id);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of needs(id)) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    order.push(id);
    return undefined;
  };
  for (const id of stepIds) {
    const cycle = visit(id);
    if (cycle) return { cycle };
  }
  return { order };
}
