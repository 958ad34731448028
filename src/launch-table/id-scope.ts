/**
 * The ids of one scope (the jobs of a batch, the steps of a job). Each names a directory, so two
 * that differ only by case would share one on a case-insensitive filesystem: they collide too.
 */
export class IdScope {
  private readonly byFolded = new Map<string, { id: string; index: number }>();

  /** `what`: how the scope's entries are addressed (`jobs`, `steps`); `rule`: the rule, as said on a repeat. */
  constructor(
    private readonly what: string,
    private readonly rule: string,
  ) {}

  /** Takes `id`, at `index`, into the scope; why it cannot join, when it collides with an earlier one. */
  add(id: string, index: number): string | undefined {
    const folded = id.toLowerCase();
    const earlier = this.byFolded.get(folded);
    if (!earlier) {
      this.byFolded.set(folded, { id, index });
      return undefined;
    }
    if (earlier.id === id) return `\`${id}\` is also the id of ${this.what}[${earlier.index}]; ${this.rule}`;
    return `\`${id}\` differs from ${this.what}[${earlier.index}]'s \`${earlier.id}\` only by case; ids name directories, which a case-insensitive filesystem would share`;
  }
}
