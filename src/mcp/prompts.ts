import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { IdSchema } from '../core/index.js';
import type { Harness } from '../harness/index.js';
import { batchScoreboardPage } from './scoreboard-answer.js';

/**
 * Prompts an orchestrator (or a person, as a slash command) can start from: writing a launch
 * table for a goal, and triaging a batch from its scoreboard.
 */
export function registerPrompts(server: McpServer, harness: Harness): void {
  server.registerPrompt(
    'plan_batch',
    {
      title: 'Plan a batch',
      description: 'Write a harness-mcp launch table for a goal: jobs, steps, dependencies and resumes, ready for submit_batch',
      argsSchema: z.object({
        goal: z.string().describe('What the batch should achieve'),
        working_directory: z.string().describe('Absolute path of the repository the agents work in'),
      }),
    },
    ({ goal, working_directory }) => {
      const { limits, default_agent } = harness.configFile;
      return {
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text: `Write a harness-mcp launch table for this goal, then call submit_batch with it.

Goal: ${goal}
Working directory: ${working_directory}

Rules:
- batch_goal_summary: at least ${limits.min_goal_summary_words} words on what the batch is for and how its parts fit.
- jobs: at most ${limits.max_jobs_per_batch}; each has job_id, working_directory, steps (at most ${limits.max_steps_per_job}).
  Use one job per independent line of work; jobs run in parallel. workspace_policy "isolated" gives a job its own copy.
  variants: N (2 to 16) tries a job N times, each in its own copy; prompts tell the tries apart with {{variant}} (the number of the try).
- steps: step_id, and either prompt (agents codex, claude; default ${default_agent}) or command (argv, agent "command").
  depends_on orders steps of one job; resume_from {step_id} continues an earlier step's conversation (same agent).
- Ids: letters, digits, ".", "_", "-"; unique in their job or batch.
- Keep prompts self-contained: each agent sees only its own prompt (and, with resume_from, its source's conversation).
- Ask agents for a final JSON report {"status": "success"|"failure"|"blocked", "summary": "..."}.
- Add an idempotency_key so a retried submission does not start the batch twice.
Then follow the batch with wait_for_batch and read failures with fetch_artifact.`,
            },
          },
        ],
      };
    },
  );

  server.registerPrompt(
    'review_batch',
    {
      title: 'Review a batch',
      description: 'Bring a batch’s scoreboard into the conversation and decide what to retry, fix or cancel',
      argsSchema: z.object({ batch_id: IdSchema.describe('The batch to review') }),
    },
    async ({ batch_id }) => {
      const board = await batchScoreboardPage(harness, batch_id, 'summary', undefined);
      return {
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text: `Review batch ${batch_id} of harness-mcp. Its scoreboard (summary) follows.
For each failure group and each step needing attention, read its output with fetch_artifact (stderr, final) and decide:
retry it (retry_step, with cascade if its dependents must run again), fix the launch table and submit anew, or leave it.
Say what you decided and why.

${JSON.stringify(board, null, 2)}`,
            },
          },
        ],
      };
    },
  );
}
