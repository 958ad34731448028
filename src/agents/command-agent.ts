import { IllegalStateError } from '../core/index.js';
import type { AgentAdapter, AttemptContext, ExitSummary, ReportReading } from './agent-adapter.js';
import { readReportFile } from './report-file.js';

const SUMMARY_TAIL_CHARS = 2000;

/**
 * The `command` agent (docs/spec.md §6): any argv, run without a shell. A program may write a run
 * report as JSON to $HARNESS_FINAL_PATH; without one the harness makes the report from the exit
 * code and the output's tail, unless the step declares an output_schema and so expects one.
 */
export const commandAgent: AgentAdapter = {
  name: 'command',
  resumable: false,
  sessionDirName: null,
  lineParser: null,
  // A command's words are its own: nothing in them is read as a provider's limit.
  limitFromText: () => null,

  versionArgv() {
    return null;
  },

  async prepareSession() {},

  invocation(ctx: AttemptContext) {
    const [file, ...args] = ctx.step.command ?? [];
    if (!file) throw new IllegalStateError(`step ${ctx.step.step_id} has no command`); // planBatch guarantees one
    return { argv: [file, ...args], env: { HARNESS_FINAL_PATH: ctx.reportPath } };
  },

  async readReport(ctx: AttemptContext, exit: ExitSummary): Promise<ReportReading> {
    let read;
    try {
      read = await readReportFile(ctx.reportPath);
    } catch (error) {
      return { kind: 'unreadable', reason: `$HARNESS_FINAL_PATH could not be read: ${(error as Error).message}` };
    }
    if (read === undefined) {
      if (ctx.step.output_schema) {
        return { kind: 'missing', reason: 'the step has an output_schema but the command wrote no report to $HARNESS_FINAL_PATH' };
      }
      return { kind: 'report', source: 'harness', report: reportFromExit(exit) };
    }
    if ('refused' in read) return { kind: 'unreadable', reason: `$HARNESS_FINAL_PATH was not read: it ${read.refused}` };
    try {
      return { kind: 'report', source: 'agent', report: JSON.parse(read.text) };
    } catch {
      // The parse error quotes the text, which need not be the agent's to show.
      return { kind: 'unreadable', reason: '$HARNESS_FINAL_PATH does not hold JSON' };
    }
  },
};

function reportFromExit(exit: ExitSummary): { status: 'success' | 'failure'; summary: string } {
  const tail = (exit.stderrTail.trim() || exit.stdoutTail.trim()).slice(-SUMMARY_TAIL_CHARS);
  const ok = exit.exitCode === 0;
  return {
    status: ok ? 'success' : 'failure',
    summary: `${ok ? 'exited 0' : `exited ${exit.exitCode ?? 'by signal'}`}${tail ? `; output ends: ${tail}` : ''}`,
  };
}
