import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { AJV_OPTIONS, canonicalJson, MAX_COMPILED, type ReportCheck } from '../core/index.js';

// The thread's whole program, handed to the Worker as source so that it runs the same from dist/
// and from the TypeScript sources under test. Like core/report-validator.ts, it compiles each
// distinct schema once, in an Ajv of its own (one Ajv refuses a second schema with the same $id).
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Ajv } = require(workerData.ajvMain);
const formatter = new Ajv();
const compiled = new Map();
parentPort.postMessage('ready');
parentPort.on('message', ({ key, schema, report }) => {
  try {
    let validate = compiled.get(key);
    if (!validate) {
      validate = new Ajv(workerData.options).compile(schema);
      if (compiled.size >= workerData.maxCompiled) compiled.delete(compiled.keys().next().value);
      compiled.set(key, validate);
    }
    parentPort.postMessage(validate(report) ? { ok: true } : { ok: false, error: formatter.errorsText(validate.errors, { dataVar: 'report' }) });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: 'the output schema could not be used: ' + error.message, unchecked: true });
  }
});`;

const WORKER_DATA = { ajvMain: createRequire(import.meta.url).resolve('ajv'), options: AJV_OPTIONS, maxCompiled: MAX_COMPILED };

/**
 * Checks run reports against their step's own output_schema on a thread of its own, with a time
 * limit. A schema comes from whoever submits the table, and a `pattern` such as `^(a+)+$` can
 * backtrack for hours on a short string: on the server's thread that would stop every batch.
 * Checks run one at a time, because one that runs out of time takes the thread with it.
 */
export class ReportChecker {
  private worker: { thread: Worker; ready: Promise<void> } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly timeLimitMs: number) {}

  check(schema: Record<string, unknown>, report: unknown): Promise<ReportCheck> {
    const next = this.queue.then(() => this.checkNow(schema, report));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Ends the thread; a later check starts a new one. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.thread.terminate();
  }

  private async checkNow(schema: Record<string, unknown>, report: unknown): Promise<ReportCheck> {
    const worker = this.startedWorker();
    const started = await worker.ready.then(
      () => undefined,
      (error: Error) => ({ ok: false as const, error: `the report checker did not start: ${error.message}`, unchecked: true as const }),
    );
    if (started) {
      this.worker = undefined;
      return started;
    }
    const { thread } = worker;
    return new Promise((resolve) => {
      const settle = (check: ReportCheck, threadLost: boolean) => {
        clearTimeout(timer);
        thread.off('message', onMessage).off('error', onError);
        if (threadLost) {
          if (this.worker === worker) this.worker = undefined;
          void thread.terminate();
        }
        resolve(check);
      };
      const onMessage = (check: ReportCheck) => settle(check, false);
      const onError = (error: Error) => settle({ ok: false, error: `the report checker failed: ${error.message}`, unchecked: true }, true);
      // Timed from here, once the thread is up: starting one on a busy machine is not the check's time.
      const timer = setTimeout(() => {
        const error = `checking it took longer than ${this.timeLimitMs} ms (limits.report_check_ms); a pattern in the schema may backtrack without end`;
        settle({ ok: false, error, unchecked: true }, true);
      }, this.timeLimitMs);
      thread.on('message', onMessage).on('error', onError);
      thread.postMessage({ key: canonicalJson(schema), schema, report });
    });
  }

  private startedWorker(): { thread: Worker; ready: Promise<void> } {
    if (!this.worker) {
      // A check that needs more memory than this ends the thread, not the server.
      const thread = new Worker(THREAD_SOURCE, { eval: true, workerData: WORKER_DATA, resourceLimits: { maxOldGenerationSizeMb: 256 } });
      thread.unref(); // an idle checker does not keep the server alive
      const ready = new Promise<void>((resolve, reject) => {
        thread.once('message', () => resolve());
        thread.once('error', reject);
      });
      this.worker = { thread, ready };
    }
    return this.worker;
  }
}
