import { secondsBetween, type BatchScoreboard, type StepEntry } from '../core/index.js';
import { readArtifactTail, type ArtifactName } from '../store/index.js';
import type { Harness } from '../harness/index.js';

// A CI page shows the end of a step's output; all of it stays in the runs root.
const OUTPUT_TAIL_BYTES = 64 * 1024;

/** What a report says of a step's latest attempt besides the step's status. */
export interface StepRun {
  runId: string;
  seconds: number;
  message: string | null;
  stdoutTail: string;
  stderrTail: string;
}

/** The latest attempt of every step that has one: how long it ran, why it ended, the ends of its output. */
export async function readStepRuns(harness: Harness, batchId: string): Promise<Map<string, StepRun>> {
  const runs = new Map<string, StepRun>();
  for (const { location, state } of await harness.reader.latestAttempts(batchId)) {
    const tail = async (name: ArtifactName) => {
      const read = await readArtifactTail(harness.paths, location, name, OUTPUT_TAIL_BYTES).catch(() => undefined);
      if (!read) return '';
      return read.cut ? `[only the last ${OUTPUT_TAIL_BYTES / 1024} KiB; all of it: harness-mcp logs ${state.run_id} --stream ${name}]\n${read.content}` : read.content;
    };
    runs.set(`${state.job_id}/${state.step_id}`, {
      runId: state.run_id,
      seconds: state.started_at && state.ended_at ? secondsBetween(state.started_at, state.ended_at) : 0,
      message: state.message,
      stdoutTail: await tail('stdout'),
      stderrTail: await tail('stderr'),
    });
  }
  return runs;
}

// XML 1.0 allows only these characters, and a log may hold any (NUL, ANSI escapes, lone surrogates).
const NOT_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Steps that never ran to an outcome of their own: a dependency stopped them, or a person did. */
function isSkipped(step: StepEntry): boolean {
  return step.status === 'blocked' || step.status === 'canceled';
}

function testcaseBody(step: StepEntry, run: StepRun | undefined): string[] {
  const why = step.blocked_reasons.join('; ') || run?.message || step.status;
  const lines: string[] = [];
  if (isSkipped(step)) lines.push(`<skipped message="${escapeXml(`${step.status}: ${why}`.slice(0, 1000))}"/>`);
  else if (step.status !== 'succeeded') {
    lines.push(`<failure type="${step.status}" message="${escapeXml(why.slice(0, 1000))}">${escapeXml(`${step.status}${run ? ` (run ${run.runId})` : ''}: ${why}`)}</failure>`);
  }
  if (run?.stdoutTail) lines.push(`<system-out>${escapeXml(run.stdoutTail)}</system-out>`);
  if (run?.stderrTail) lines.push(`<system-err>${escapeXml(run.stderrTail)}</system-err>`);
  return lines;
}

/**
 * A JUnit XML report of a batch: one testcase per step (classname batch.job). A step that did
 * not succeed is a failure with its status and reason, except blocked and canceled steps, which
 * are skipped with theirs; each carries the ends of its latest attempt's stdout and stderr.
 */
export function junitReport(board: BatchScoreboard, runs: Map<string, StepRun>): string {
  const skipped = board.steps.filter(isSkipped).length;
  const failures = board.steps.filter((s) => s.status !== 'succeeded').length - skipped;
  const cases = board.steps.map((step) => {
    const run = runs.get(`${step.job_id}/${step.step_id}`);
    const head = `    <testcase classname="${escapeXml(`${board.batch_id}.${step.job_id}`)}" name="${escapeXml(step.step_id)}" time="${(run?.seconds ?? 0).toFixed(3)}"`;
    const body = testcaseBody(step, run);
    return body.length === 0 ? `${head}/>` : `${head}>\n${body.map((line) => `      ${line}`).join('\n')}\n    </testcase>`;
  });
  const counts = `tests="${board.steps.length}" failures="${failures}" skipped="${skipped}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="harness-mcp" ${counts}>
  <testsuite name="${escapeXml(board.batch_id)}" ${counts} timestamp="${board.submitted_at}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
