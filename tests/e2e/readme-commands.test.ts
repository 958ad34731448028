import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from './servers/harness-server.js';

const exec = promisify(execFile);

// The sections a newcomer pastes from; each `sh` line that runs harness-mcp is checked.
const SECTIONS = ['## Set up', '## From a terminal'];
// How the README spells the command: the linked bin, the built file, or npx held to the checkout.
const LAUNCHERS = [/^harness-mcp\b/, /^node dist\/cli\.js\b/, /^npx --no -- harness-mcp\b/];

async function readmeCommandLines(): Promise<string[]> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const lines: string[] = [];
  for (const heading of SECTIONS) {
    const start = readme.indexOf(`\n${heading}\n`);
    expect(start, heading).toBeGreaterThan(0);
    const next = readme.indexOf('\n## ', start + heading.length + 2);
    const section = readme.slice(start, next < 0 ? undefined : next);
    for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
      for (const raw of block[1]!.split('\n')) {
        // Environment assignments before the command (VAR=value cmd) and trailing comments go.
        const line = raw.replace(/\s+#.*$/, '').replace(/^(\w+=\S+\s+)+/, '').trim();
        if (LAUNCHERS.some((l) => l.test(line))) lines.push(line);
      }
    }
  }
  return lines;
}

/** The command a README line names (undefined: the default, the stdio server) and its long options. */
function parseLine(line: string, commands: Set<string>): { command: string | undefined; options: string[] } {
  const words = line.replace(LAUNCHERS.find((l) => l.test(line))!, '').trim().split(/\s+/).filter(Boolean);
  const command = words.find((w) => commands.has(w));
  const options = [...new Set(words.flatMap((w) => [...w.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0])))];
  return { command, options };
}

async function help(command?: string): Promise<string> {
  const { stdout } = await exec(process.execPath, [CLI, ...(command ? [command] : []), '--help']);
  return stdout;
}

describe('the README', () => {
  it('names only commands and options the CLI has, in every harness-mcp line of Set up and From a terminal', async () => {
    const lines = await readmeCommandLines();
    expect(lines.length).toBeGreaterThan(10);
    const top = await help();
    const commands = new Set([...top.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help'));
    expect(commands).toContain('serve');
    const problems: string[] = [];
    for (const line of lines) {
      const { command, options } = parseLine(line, commands);
      const text = command ? await help(command) : top;
      for (const option of options) {
        if (!new RegExp(`(^|[ ,])${option}\\b`, 'm').test(text)) problems.push(`${line}: \`${option}\` is not an option of ${command ?? 'the server'}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('starts the stdio server exactly as Set up says, and a client lists its tools', async () => {
    const line = (await readmeCommandLines()).find((l) => /^node dist\/cli\.js$/.test(l));
    expect(line).toBeDefined();
    const dir = await tempDir();
    const args = line!.split(/\s+/).slice(1).map((a) => (a === 'dist/cli.js' ? CLI : a));
    const client = new Client({ name: 'readme-test', version: '0.0.0' });
    // Its default runs root is under $XDG_STATE_HOME, here the test's own.
    const env = { ...process.env, XDG_STATE_HOME: join(dir, 'state') } as Record<string, string>;
    delete env.HARNESS_RUNS_DIR;
    await client.connect(new StdioClientTransport({ command: process.execPath, args, cwd: dir, env, stderr: 'ignore' }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('submit_batch');
      expect((await stat(join(dir, 'state', 'harness-mcp', 'runs', '_system'))).isDirectory()).toBe(true);
      expect(await readdir(dir)).toEqual(['state']); // nothing in the directory it was started in
    } finally {
      await client.close();
    }
  });
});
