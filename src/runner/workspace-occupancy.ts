/**
 * Which attempts are in which workspace now, and which were there together: the attempts that
 * shared a workspace while one ran may have changes mixed into its diff, and its change record
 * says so. Kept in memory: one server runs a root's attempts.
 */
export class WorkspaceOccupancy {
  // workspace root → the attempts in it → the attempts that were in it with each one
  private readonly present = new Map<string, Map<string, Set<string>>>();

  enter(root: string, runId: string): void {
    const here = this.present.get(root) ?? new Map<string, Set<string>>();
    this.present.set(root, here);
    here.set(runId, new Set(here.keys()));
    for (const [other, met] of here) if (other !== runId) met.add(runId);
  }

  /** Leaves the workspace; answers the attempts that were in it at any time meanwhile. */
  leave(root: string, runId: string): string[] {
    const here = this.present.get(root);
    const met = here?.get(runId);
    here?.delete(runId);
    if (here?.size === 0) this.present.delete(root);
    return [...(met ?? [])].sort();
  }

  /** Takes the attempt out of every workspace, where an attempt that threw midway left it. */
  forget(runId: string): void {
    for (const root of [...this.present.keys()]) this.leave(root, runId);
  }
}
