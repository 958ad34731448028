import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ResumeUnavailableError, type HarnessConfig, type Sandbox } from '../../core/index.js';
import type { AgentAdapter, AttemptContext, ExitSummary, ReportReading } from '../agent-adapter.js';
import { reportFromMessage } from '../final-message.js';
import { copySessionStore, linkIfPresent, passthroughEnv } from '../session-store-copy.js';
import { createGeminiLineParser } from './gemini-events.js';
import { geminiLimitFromText } from './gemini-limits.js';

export type GeminiConfig = HarnessConfig['agents']['gemini'];
type ApprovalMode = NonNullable<GeminiConfig['approval_mode']>;

// The CLI keeps everything under $GEMINI_CLI_HOME/.gemini.
const DOT_DIR = '.gemini';
const SETTINGS_FILE = 'settings.json';
// Credentials of the runner's own ~/.gemini, linked into every attempt, never copied.
const CREDENTIAL_FILES = ['oauth_creds.json', 'google_accounts.json'];
const PROVISIONED = new Set([SETTINGS_FILE, ...CREDENTIAL_FILES].map((name) => join(DOT_DIR, name)));
const APPROVAL_MODE_OF_SANDBOX: Record<Sandbox, ApprovalMode> = {
  'read-only': 'plan',
  'workspace-write': 'auto_edit',
  'danger-full-access': 'yolo',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeSettings(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = isRecord(value) && isRecord(out[key]) ? mergeSettings(out[key], value) : value;
  return out;
}

/** Whether a copied home holds the session, recorded for this working directory (the CLI keys sessions by it). */
async function resumeProblem(dotDir: string, sessionId: string, cwd: string): Promise<string | null> {
  const projects = await readFile(join(dotDir, 'projects.json'), 'utf8')
    .then((text) => (JSON.parse(text) as { projects?: Record<string, string> }).projects ?? {})
    .catch(() => ({}) as Record<string, string>);
  const project = projects[cwd];
  if (!project) {
    const where = Object.keys(projects).join(', ') || 'no recorded directory';
    return `the Gemini CLI keeps sessions per working directory; the source ran in ${where}, this attempt runs in ${cwd}`;
  }
  const chats = await readdir(join(dotDir, 'tmp', project, 'chats')).catch(() => [] as string[]);
  return chats.some((name) => name.includes(sessionId.slice(0, 8))) ? null : `its home holds no chat of session ${sessionId}`;
}

/**
 * The gemini adapter (Gemini CLI 0.61): `gemini --prompt=… -o stream-json --skip-trust -m MODEL`
 * with GEMINI_CLI_HOME=<attempt>/gemini_home holding a settings.json of the harness's making,
 * and `--resume <session_id>` for resume_from. `userGeminiDir` is the runner's own ~/.gemini.
 */
export function createGeminiAgent(config: GeminiConfig, userGeminiDir: string, env: NodeJS.ProcessEnv): AgentAdapter {
  return {
    name: 'gemini',
    resumable: true,
    sessionDirName: 'gemini_home',
    lineParser: createGeminiLineParser,

    limitFromText: (text, now) => geminiLimitFromText(text, now),

    versionArgv() {
      return [config.command, '--version'];
    },

    async prepareSession(ctx: AttemptContext) {
      const home = ctx.sessionDir!;
      const dotDir = join(home, DOT_DIR);
      if (ctx.resume) {
        const { runId, threadId, sessionDir } = ctx.resume;
        if (!threadId) throw new ResumeUnavailableError(runId, 'the Gemini CLI never reported its session id');
        const problem = await resumeProblem(join(sessionDir, DOT_DIR), threadId, ctx.cwd);
        if (problem) throw new ResumeUnavailableError(runId, problem);
        await copySessionStore(sessionDir, home, (path) => PROVISIONED.has(path));
      }
      await mkdir(dotDir, { recursive: true });
      for (const path of PROVISIONED) await rm(join(home, path), { force: true });
      const settings = mergeSettings(config.settings, { security: { auth: { selectedType: config.auth_type } } });
      await writeFile(join(dotDir, SETTINGS_FILE), `${JSON.stringify(settings, null, 2)}\n`);
      if (Object.keys(passthroughEnv(config.env_passthrough, env)).length === 0) {
        for (const name of CREDENTIAL_FILES) await linkIfPresent(join(userGeminiDir, name), join(dotDir, name));
      }
      await mkdir(join(ctx.attemptDir, 'tmp'), { recursive: true });
    },

    invocation(ctx: AttemptContext) {
      const argv: [string, ...string[]] = [
        config.command,
        '--skip-trust',
        '-o',
        'stream-json',
        '-m',
        config.model,
        '--approval-mode',
        config.approval_mode ?? APPROVAL_MODE_OF_SANDBOX[ctx.step.sandbox ?? config.sandbox],
        ...(ctx.resume ? ['--resume', ctx.resume.threadId!] : []),
        ...config.extra_args,
        // One argument, so a prompt that starts with a dash is still the prompt.
        `--prompt=${ctx.step.prompt ?? ''}`,
      ];
      const out: Record<string, string> = { GEMINI_CLI_HOME: ctx.sessionDir!, TMPDIR: join(ctx.attemptDir, 'tmp'), ...passthroughEnv(config.env_passthrough, env) };
      if (config.base_url) out.GOOGLE_GEMINI_BASE_URL = config.base_url;
      return { argv, env: out };
    },

    async readReport(_ctx: AttemptContext, exit: ExitSummary): Promise<ReportReading> {
      if (exit.lastMessage === null || exit.lastMessage.trim() === '') return { kind: 'missing', reason: 'the Gemini CLI gave no reply' };
      return reportFromMessage(exit.lastMessage);
    },
  };
}
