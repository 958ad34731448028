import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { byMarker, codexConfigToml, startResponsesServer, type RecordedRequest, type ResponsesServer, type Turn } from '../../../tools/model-servers/responses-server.js';
import { tempDir, whenDone } from '../servers/harness-server.js';

/** The pinned real codex CLI from node_modules. */
export const CODEX = fileURLToPath(new URL('../../../node_modules/.bin/codex', import.meta.url));

export interface CodexEnv {
  model: ResponsesServer;
  /** Harness config pointing the codex agent at the scripted model. */
  config: Record<string, unknown>;
  /** The server's HOME, holding a ~/.codex/auth.json that attempts must link, never copy. */
  home: string;
  env: Record<string, string>;
  workdir: string;
}

/** A scripted model server (playing marker rules, or a script of its own), a config.toml for it, and a HOME with codex credentials. */
export async function codexEnv(rules: { when: string; turns: Turn[] }[] | ((request: RecordedRequest) => Turn), config: Record<string, unknown> = {}): Promise<CodexEnv> {
  const model = await startResponsesServer(Array.isArray(rules) ? byMarker(rules) : rules);
  whenDone(() => model.close());
  const dir = await tempDir();
  const home = join(dir, 'home');
  await mkdir(join(home, '.codex'), { recursive: true });
  await writeFile(join(home, '.codex', 'auth.json'), JSON.stringify({ OPENAI_API_KEY: null, tokens: 'not-a-real-token' }));
  const configToml = join(dir, 'codex-config.toml');
  await writeFile(configToml, codexConfigToml(model.baseUrl));
  const workdir = join(dir, 'work');
  await mkdir(workdir);
  return {
    model,
    home,
    // No OPENAI_API_KEY in the environment, so credentials come from the linked auth.json.
    env: { HOME: home, OPENAI_API_KEY: '', CODEX_API_KEY: '' },
    workdir,
    config: { agents: { codex: { command: CODEX, config_toml: configToml } }, ...config },
  };
}

/** A report as the model's final message. */
export function report(summary: string, status = 'success'): Turn {
  return { kind: 'message', text: JSON.stringify({ status, summary }) };
}
