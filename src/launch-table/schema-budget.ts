import { canonicalJson, reportSchemaProblem } from '../core/index.js';

/**
 * The output schemas of one table, checked as they come: each distinct schema is compiled once,
 * and all of them together may be at most `maxBytes` as JSON. Compiling runs on the server's one
 * thread, and a cap per schema alone would let one table carry dozens of large ones.
 */
export class SchemaBudget {
  private readonly seen = new Map<string, string | undefined>();
  private spent = 0;

  constructor(private readonly maxBytes: number) {}

  /** Why `schema` cannot be taken (too much in all, or not a usable JSON Schema), or undefined. */
  admit(schema: Record<string, unknown>): string | undefined {
    const key = canonicalJson(schema);
    if (this.seen.has(key)) return this.seen.get(key);
    const bytes = Buffer.byteLength(key);
    let problem: string | undefined;
    if (this.spent + bytes > this.maxBytes) {
      const before = this.spent > 0 ? ` with the ${this.spent} bytes of the table's other output schemas` : '';
      problem = `is ${bytes} bytes as JSON${before}; a table's distinct output schemas may have at most ${this.maxBytes} together (limits.max_output_schema_bytes)`;
    } else {
      this.spent += bytes;
      const invalid = reportSchemaProblem(schema);
      problem = invalid && `is not a usable JSON Schema: ${invalid}`;
    }
    this.seen.set(key, problem);
    return problem;
  }
}
