import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_REPORT_STRICT_JSON_SCHEMA, ResumeUnavailableError, type HarnessConfig, type Sandbox } from '../../core/index.js';
import type { AgentAdapter, AttemptContext, ExitSummary, ReportReading } from '../agent-adapter.js';
import { reportFromMessage } from '../final-message.js';
import { copySessionStore, exists, linkIfPresent, passthroughEnv } from '../session-store-copy.js';
import { parseClaudeLine, type ClaudeMessageUsages } from './claude-events.js';
import { claudeLimitFromText } from './claude-limits.js';

export type ClaudeConfig = HarnessConfig['agents']['claude'];
type PermissionMode = NonNullable<ClaudeConfig['permission_mode']>;

const CREDENTIALS_FILE = '.credentials.json';
const PERMISSION_MODE_OF_SANDBOX: Record<Sandbox, PermissionMode> = {
  'read-only': 'plan',
  'workspace-write': 'acceptEdits',
  'danger-full-access': 'bypassPermissions',
};
// Claude Code makes a Unix socket under $TMPDIR; a socket path longer than this cannot be bound.
const MAX_SOCKET_DIR_CHARS = 80;

/** The session's transcript in a copied config dir: projects/<cwd slug>/<session id>.jsonl. */
async function findTranscript(configDir: string, sessionId: string): Promise<string | null> {
  const projects = join(configDir, 'projects');
  for (const project of await readdir(projects).catch(() => [] as string[])) {
    const file = join(projects, project, `${sessionId}.jsonl`);
    if (await exists(file)) return file;
  }
  return null;
}

/** The working directory a transcript was recorded in (its lines carry `cwd`). */
async function transcriptCwd(file: string): Promise<string | null> {
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    try {
      const cwd = (JSON.parse(line) as { cwd?: unknown }).cwd;
      if (typeof cwd === 'string') return cwd;
    } catch {
      // a torn last line
    }
  }
  return null;
}

/**
 * The claude adapter (docs/spec.md §6, Claude Code 2.1): `claude -p --output-format stream-json
 * --verbose` with CLAUDE_CONFIG_DIR=<attempt>/claude_config, the step's output schema through
 * --json-schema, and `--resume <session_id>` for resume_from. `userClaudeDir` is the runner's
 * own ~/.claude; `env` is the server's environment.
 */
export function createClaudeAgent(config: ClaudeConfig, userClaudeDir: string, env: NodeJS.ProcessEnv, runsAsRoot: boolean): AgentAdapter {
  const permissionMode = (ctx: AttemptContext) => config.permission_mode ?? PERMISSION_MODE_OF_SANDBOX[ctx.step.sandbox ?? config.sandbox];
  const tmpDir = (ctx: AttemptContext) => join(ctx.attemptDir, 'tmp');
  return {
    name: 'claude',
    resumable: true,
    sessionDirName: 'claude_config',
    lineParser: () => {
      const live: ClaudeMessageUsages = new Map();
      return (line) => parseClaudeLine(line, live);
    },

    limitFromText: (text, now) => claudeLimitFromText(text, now),

    versionArgv() {
      return [config.command, '--version'];
    },

    async prepareSession(ctx: AttemptContext) {
      const dir = ctx.sessionDir!;
      if (ctx.resume) {
        const { runId, threadId, sessionDir } = ctx.resume;
        if (!threadId) throw new ResumeUnavailableError(runId, 'Claude Code never reported its session id');
        const transcript = await findTranscript(sessionDir, threadId);
        if (!transcript) throw new ResumeUnavailableError(runId, `its config dir holds no transcript of session ${threadId}`);
        const sourceCwd = await transcriptCwd(transcript);
        if (sourceCwd !== ctx.cwd) {
          throw new ResumeUnavailableError(runId, `Claude Code keeps sessions per working directory; session ${threadId} ran in ${sourceCwd ?? 'an unknown directory'}, this attempt runs in ${ctx.cwd}`);
        }
        await copySessionStore(sessionDir, dir, (path) => path === CREDENTIALS_FILE);
      } else {
        await mkdir(dir, { recursive: true });
      }
      if (Object.keys(passthroughEnv(config.env_passthrough, env)).length === 0) {
        await linkIfPresent(join(userClaudeDir, CREDENTIALS_FILE), join(dir, CREDENTIALS_FILE));
      }
      await mkdir(tmpDir(ctx), { recursive: true });
    },

    invocation(ctx: AttemptContext) {
      const mode = permissionMode(ctx);
      const tools = mode === 'plan' || mode === 'bypassPermissions' ? [] : config.allowed_tools;
      const argv: [string, ...string[]] = [
        config.command,
        '-p',
        '--output-format',
        'stream-json',
        '--verbose',
        '--permission-mode',
        mode,
        ...(tools.length > 0 ? [`--allowedTools=${tools.join(',')}`] : []),
        '--json-schema',
        JSON.stringify(ctx.step.output_schema ?? DEFAULT_REPORT_STRICT_JSON_SCHEMA),
        ...(config.model ? ['--model', config.model] : []),
        // What is left of the step's max_cost_usd: Claude Code stops itself there (error_max_budget_usd).
        ...(ctx.maxCostUsd != null ? ['--max-budget-usd', String(ctx.maxCostUsd)] : []),
        ...(ctx.resume ? ['--resume', ctx.resume.threadId!] : []),
        ...config.extra_args,
        // `--` ends the options (some take several values), so the prompt is always the prompt.
        '--',
        ctx.step.prompt ?? '',
      ];
      const out: Record<string, string> = { CLAUDE_CONFIG_DIR: ctx.sessionDir!, ...passthroughEnv(config.env_passthrough, env) };
      if (tmpDir(ctx).length <= MAX_SOCKET_DIR_CHARS) out.TMPDIR = tmpDir(ctx);
      if (config.base_url) out.ANTHROPIC_BASE_URL = config.base_url;
      if (config.disable_nonessential_traffic) out.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
      // As root Claude Code refuses to bypass permissions outside a sandbox it is told about.
      if (mode === 'bypassPermissions' && runsAsRoot) out.IS_SANDBOX = '1';
      return { argv, env: out };
    },

    async readReport(_ctx: AttemptContext, exit: ExitSummary): Promise<ReportReading> {
      if (exit.lastMessage === null || exit.lastMessage.trim() === '') return { kind: 'missing', reason: 'Claude Code gave no result' };
      return reportFromMessage(exit.lastMessage);
    },
  };
}
