import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_REPORT_STRICT_JSON_SCHEMA, ResumeUnavailableError, type HarnessConfig } from '../../core/index.js';
import type { AgentAdapter, AttemptContext, ExitSummary, ReportReading } from '../agent-adapter.js';
import { reportFromMessage } from '../final-message.js';
import { readReportFile } from '../report-file.js';
import { passthroughEnv } from '../session-store-copy.js';
import { parseCodexLine } from './codex-events.js';
import { prepareCodexHome } from './codex-home.js';
import { codexLimitFromText, localTimeZone } from './codex-limits.js';
import { RolloutFollower } from './codex-rollout.js';

export type CodexConfig = HarnessConfig['agents']['codex'];

const OUTPUT_SCHEMA_FILE = 'output_schema.json';
const LAST_MESSAGE_FILE = 'last_message.txt';

/** A TOML value for `-c key=value`: strings quoted, numbers and booleans as they are. */
function tomlValue(value: string | number | boolean): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

async function countSessions(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((e) => /rollout-.*\.jsonl$/.test(e)).length;
}

/**
 * The codex adapter (docs/spec.md §6): `codex exec --json` with CODEX_HOME=<attempt>/codex_home, the
 * step's output schema, and `codex exec resume <thread_id>` for resume_from. `userCodexDir` is
 * the runner's own ~/.codex; `env` is the server's environment (for env_passthrough).
 */
export function createCodexAgent(config: CodexConfig, userCodexDir: string, env: NodeJS.ProcessEnv): AgentAdapter {
  return {
    name: 'codex',
    resumable: true,
    sessionDirName: 'codex_home',
    lineParser: () => parseCodexLine,
    async usageFollower(ctx: AttemptContext) {
      const rollout = await RolloutFollower.start(ctx.sessionDir!);
      return {
        async poll() {
          const usage = await rollout.poll();
          return usage ? [{ kind: 'usage', scope: 'thread', usage }] : [];
        },
      };
    },

    // codex prints local times in its own zone: the step's TZ when it sets one.
    limitFromText: (text, now, stepEnv) => codexLimitFromText(text, now, stepEnv.TZ || localTimeZone()),

    versionArgv() {
      return [config.command, '--version'];
    },

    async prepareSession(ctx: AttemptContext) {
      const home = ctx.sessionDir!;
      if (ctx.resume && !ctx.resume.threadId && (await countSessions(join(ctx.resume.sessionDir, 'sessions'))) !== 1) {
        throw new ResumeUnavailableError(ctx.resume.runId, 'no thread id was captured and its store does not hold exactly one session');
      }
      await prepareCodexHome(home, ctx.resume?.sessionDir ?? null, {
        userCodexDir,
        configToml: config.config_toml,
        credentialsFromEnv: Object.keys(passthroughEnv(config.env_passthrough, env)).length > 0,
      });
      await writeFile(join(ctx.attemptDir, OUTPUT_SCHEMA_FILE), JSON.stringify(ctx.step.output_schema ?? DEFAULT_REPORT_STRICT_JSON_SCHEMA, null, 2));
    },

    invocation(ctx: AttemptContext) {
      const options = [
        '--json',
        ...(ctx.inGitRepo ? [] : ['--skip-git-repo-check']),
        '--output-schema',
        join(ctx.attemptDir, OUTPUT_SCHEMA_FILE),
        '-o',
        join(ctx.attemptDir, LAST_MESSAGE_FILE),
        // `exec resume` has no -s, so the sandbox is always given as config.
        '-c',
        `sandbox_mode=${tomlValue(ctx.step.sandbox ?? config.sandbox)}`,
        '-c',
        'approval_policy="never"',
        ...(config.model ? ['-m', config.model] : []),
        ...Object.entries(config.config_overrides).flatMap(([key, value]) => ['-c', `${key}=${tomlValue(value)}`]),
      ];
      const prompt = ctx.step.prompt ?? '';
      // `--` ends the options, so a prompt that starts with a dash is still a prompt.
      const argv: [string, ...string[]] = ctx.resume
        ? [config.command, 'exec', 'resume', ...options, ...(ctx.resume.threadId ? ['--', ctx.resume.threadId, prompt] : ['--last', '--', prompt])]
        : [config.command, 'exec', ...options, '-C', ctx.cwd, '--', prompt];
      return { argv, env: { CODEX_HOME: ctx.sessionDir!, ...passthroughEnv(config.env_passthrough, env) } };
    },

    async readReport(ctx: AttemptContext, exit: ExitSummary): Promise<ReportReading> {
      const read = await readReportFile(join(ctx.attemptDir, LAST_MESSAGE_FILE)).catch(() => undefined);
      if (read && 'refused' in read) return { kind: 'unreadable', reason: `${LAST_MESSAGE_FILE} was not read: it ${read.refused}` };
      const text = read?.text ?? exit.lastMessage;
      if (text === null || text.trim() === '') return { kind: 'missing', reason: 'codex gave no final message' };
      return reportFromMessage(text);
    },
  };
}
