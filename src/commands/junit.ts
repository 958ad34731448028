import type { BatchScoreboard } from '../core/index.js';

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * A JUnit XML report of a batch: one testcase per step (classname batch.job), a failure for
 * every step that did not succeed, with its status and reason.
 */
export function junitReport(board: BatchScoreboard, durations: Map<string, number>): string {
  const failed = board.steps.filter((s) => s.status !== 'succeeded');
  const messages = new Map(board.failures.items.map((f) => [`${f.job_id}/${f.step_id}`, f.host_outcome.message ?? '']));
  const cases = board.steps.map((step) => {
    const key = `${step.job_id}/${step.step_id}`;
    const head = `    <testcase classname="${escapeXml(`${board.batch_id}.${step.job_id}`)}" name="${escapeXml(step.step_id)}" time="${(durations.get(key) ?? 0).toFixed(3)}"`;
    if (step.status === 'succeeded') return `${head}/>`;
    const why = step.blocked_reasons.join('; ') || messages.get(key) || step.status;
    return `${head}>\n      <failure type="${step.status}" message="${escapeXml(why.slice(0, 1000))}">${escapeXml(`${step.status}${step.run_id ? ` (run ${step.run_id})` : ''}: ${why}`)}</failure>\n    </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="harness-mcp" tests="${board.steps.length}" failures="${failed.length}">
  <testsuite name="${escapeXml(board.batch_id)}" tests="${board.steps.length}" failures="${failed.length}" timestamp="${board.submitted_at}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
