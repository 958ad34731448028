#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { HARNESS_VERSION } from './core/index.js';
import { compare, control, dashboard, diff, EXIT, gc, land, logs, releasePool, run, serve, setDrainFlag, status, submit, worker } from './commands/index.js';

// A reader that goes away early (`harness-mcp status | head -1`) ends the command, quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`takes a whole number from ${min} to ${max}`);
    return n;
  };
}

/**
 * The options a command may be given before its name or after it. The program declares them
 * all (for the default command); each command declares those it honours, and the preAction hook
 * below refuses the others, so that none is ever accepted and then ignored.
 */
const OPTIONS = {
  runsDir: () => new Option('--runs-dir <dir>', 'the store (default: $HARNESS_RUNS_DIR, else $XDG_STATE_HOME/harness-mcp/runs, else ~/.local/state/harness-mcp/runs)'),
  config: () => new Option('--config <file>', 'harness config JSON (default: $HARNESS_CONFIG, else built-in defaults)'),
  maxConcurrency: () => new Option('--max-concurrency <n>', 'attempts run at once (default: runners.max_concurrency, 4)').argParser(wholeNumber(1, 256)),
  http: () => new Option('--http', 'serve MCP over Streamable HTTP at /mcp'),
  host: () => new Option('--host <host>', 'HTTP: address to listen on (default: 127.0.0.1)'),
  port: () => new Option('--port <n>', 'HTTP: port, 0 picks a free one (default: 8765)').argParser(wholeNumber(0, 65535)),
  tokenFile: () => new Option('--token-file <file>', 'HTTP: require this bearer token (default: $HARNESS_MCP_TOKEN); required off loopback'),
  jsonResponse: () => new Option('--json-response', 'HTTP: answer requests with JSON instead of an SSE stream'),
  maxSessions: () => new Option('--max-sessions <n>', 'HTTP: MCP sessions open at once; more are refused (default: 1000)').argParser(wholeNumber(1, 1_000_000)),
  redis: () =>
    new Option('--redis <url>', 'distributed mode: hand attempts to `harness-mcp worker` processes through this Redis (redis://host:port, rediss:// for TLS; the password in $HARNESS_REDIS_PASSWORD)'),
  sessionIdleSeconds: () =>
    new Option('--session-idle-seconds <n>', 'HTTP: a session with no request open for this long is closed (default: 1800)').argParser(wholeNumber(1, 7 * 24 * 3600)),
};
type OptionName = keyof typeof OPTIONS;
const STORE: OptionName[] = ['runsDir', 'config'];
const SERVER = Object.keys(OPTIONS) as OptionName[];

/** Adds the shared options a command honours; its action reads them with optsWithGlobals(), so those given before its name count too. */
function withOptions(command: Command, names: OptionName[]): Command {
  for (const name of names) command.addOption(OPTIONS[name]());
  return command;
}

const program = withOptions(new Command('harness-mcp'), SERVER)
  .description(
    'An MCP server that runs batches of coding-agent sessions in parallel, on disk.\n' +
      'Without a command it serves MCP over stdio, which is what MCP clients start; `serve` is the server for a terminal.',
  )
  .version(HARNESS_VERSION)
  // Options before a command's name are parsed here; the command parses its own after it.
  .enablePositionalOptions()
  // Usage mistakes exit 2, like every refused input (the README's exit-code table); help and version 0.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.refused))
  // A word that names no command reaches the default action (commander would call it "too many arguments").
  .allowExcessArguments()
  .action((_options, command: Command) => {
    if (command.args.length > 0) command.error(`error: unknown command '${command.args[0]}' (harness-mcp --help lists the commands)`);
    return serve(command.optsWithGlobals(), 'mcp-client');
  });

program.hook('preAction', (_, command) => {
  if (command === program) return;
  for (const option of program.options) {
    const key = option.attributeName();
    if (program.getOptionValueSource(key) === 'cli' && !command.options.some((o) => o.attributeName() === key)) {
      program.error(`error: option '${option.long}' does not apply to \`${command.name()}\``);
    }
  }
});

withOptions(program.command('serve'), SERVER)
  .description(
    'run the runs root for terminal commands (submit, cancel, retry) until SIGINT or SIGTERM, stdin or not; ' +
      'with --http it serves MCP over HTTP too',
  )
  .action((_options, command: Command) => serve(command.optsWithGlobals(), 'terminal'));

withOptions(program.command('dashboard'), [...STORE, 'host', 'tokenFile'])
  .description(
    'serve the web dashboard of a runs root read-only, whoever runs it (a server over stdio, or none): ' +
      'it writes nothing under the root, and its actions are refused; until SIGINT or SIGTERM',
  )
  .addOption(new Option('--port <n>', 'HTTP: port, 0 picks a free one (default: 8766, beside a `serve --http` on 8765)').argParser(wholeNumber(0, 65535)))
  .action((_options, command: Command) => dashboard(command.optsWithGlobals()));

withOptions(program.command('worker'), [...STORE, 'redis'])
  .description(
    'run the attempts a coordinator (`serve --redis` over the same runs root, mounted at the same path) hands out through Redis, ' +
      'until SIGINT or SIGTERM; those under way then end runner_lost and are retried by policy',
  )
  .addOption(new Option('--slots <n>', 'attempts run at once on this machine (default: runners.max_concurrency)').argParser(wholeNumber(1, 256)))
  .option('--agents <list>', 'the agents this worker takes attempts of, comma-separated (default: command and every agent whose CLI is found)')
  .option('--runner-id <id>', 'how this worker is named in health and meta.json (default: runners.runner_id, else hostname-pid)')
  .option('--drain', 'start drained: take no attempts until `harness-mcp undrain --runner-id <id>`')
  .action((_options, command: Command) => worker(command.optsWithGlobals()));

withOptions(program.command('status').argument('[batch]', 'a batch id; all batches without one'), STORE)
  .description("show every batch and the server's health, or one batch's steps (attempts, time, summary)")
  .option('--json', 'print the scoreboard as JSON')
  .action((batch, _options, command: Command) => status(batch, command.optsWithGlobals()));

withOptions(program.command('logs').argument('<run_id>', 'the attempt'), STORE)
  .description("print an attempt's output, or one of its files")
  .option('--stream <name>', 'stdout, stderr, events (logs); final, meta, state (JSON: report, what ran, state); changes, diff (what it changed)', 'stdout')
  .option('-f, --follow', 'keep printing a log until the attempt ends')
  .action((runId, _options, command: Command) => logs(runId, command.optsWithGlobals()));

withOptions(program.command('diff').argument('<batch>').argument('<job>').argument('[step]', "a step: its latest attempt's change; without one, the job's branch as a whole"), STORE)
  .description("print what a step (its latest attempt) or an isolated job's branch changed, as a unified patch")
  .option('--stat', 'a line per file (status, lines added and removed) and the totals, instead of the patch')
  .option('--json', 'print the change as JSON (the files and totals, as get_changes answers them)')
  .action((batch, job, step, _options, command: Command) => diff(batch, job, step, command.optsWithGlobals()));

withOptions(program.command('run').argument('<file>', 'a launch table (JSON)'), [...STORE, 'maxConcurrency'])
  .description('run a batch to the end without an MCP client (for CI); exit 0 only if every step succeeded')
  .option('--junit <path>', 'write a JUnit XML report, one testcase per step')
  .action(async (file, _options, command: Command) => {
    process.exitCode = await run(file, command.optsWithGlobals());
  });

withOptions(program.command('submit').argument('<file>', 'a launch table (JSON)'), STORE)
  .description('check a batch, then queue it for the server that runs the runs root (or the next to start)')
  .option('-f, --follow', 'wait for it to be accepted, then follow it until it settles; exit 0 only if every step succeeded')
  .action(async (file, _options, command: Command) => {
    process.exitCode = await submit(file, command.optsWithGlobals());
  });

withOptions(program.command('cancel').argument('[run_id]', 'one attempt; or give --batch (and --job, --step)'), STORE)
  .description('cancel an attempt, or the unfinished steps of a batch, job or step (through the running server)')
  .option('--batch <id>')
  .option('--job <id>')
  .option('--step <id>')
  .option('--json', 'print the answer as JSON')
  .action((runId, _options, command: Command) => {
    const options = command.optsWithGlobals();
    return control({ op: 'cancel', run_id: runId, batch_id: options.batch, job_id: options.job, step_id: options.step }, options);
  });

withOptions(program.command('retry').argument('<batch>').argument('<job>').argument('<step>'), STORE)
  .description('run a step again (through the running server)')
  .option('--cascade', 'then run again every step that depends on it')
  .option('--json', 'print the answer as JSON')
  .action((batch, job, step, _options, command: Command) => {
    const options = command.optsWithGlobals();
    return control({ op: 'retry', batch_id: batch, job_id: job, step_id: step, cascade: options.cascade ?? false }, options);
  });

withOptions(program.command('release-pool').argument('<agent>', 'codex, claude or gemini'), STORE)
  .description('end the park a provider limit put on an agent’s pool, so its steps start now (through the running server)')
  .option('--profile <profile>', 'one provider profile (as `harness-mcp status` names it); default: every one of the agent')
  .option('--json', 'print the answer as JSON')
  .action((agent, _options, command: Command) => {
    const options = command.optsWithGlobals();
    return releasePool(agent, options);
  });

// A budget limit as the command line gives it: a number sets it, `none` removes it (whether it is
// positive is the request's check). `none` stays a word until the action: commander stores an
// argument parser's null as the option's bare value.
function limit(value: string): number | 'none' {
  if (value === 'none') return value;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('takes a number, or none to remove the limit');
  return n;
}
const limitOf = (value: number | 'none' | undefined) => (value === 'none' ? null : value);

withOptions(program.command('budget').argument('<batch>'), STORE)
  .description('set a budget of a batch, a job (--job) or a step (--job, --step), releasing what a spent budget held (through the running server)')
  .option('--job <id>')
  .option('--step <id>')
  .option('--max-tokens <n>', 'input plus output tokens; none removes the limit', limit)
  .option('--max-cost-usd <usd>', 'US dollars; none removes the limit', limit)
  .option('--max-wall-seconds <s>', 'seconds attempts ran, added up; none removes the limit', limit)
  .option('--json', 'print the answer as JSON')
  .action((batch, _options, command: Command) => {
    const o = command.optsWithGlobals();
    return control({ op: 'set_budget', batch_id: batch, job_id: o.job, step_id: o.step, max_tokens: limitOf(o.maxTokens), max_cost_usd: limitOf(o.maxCostUsd), max_wall_seconds: limitOf(o.maxWallSeconds) }, o);
  });

withOptions(program.command('drain'), STORE)
  .description('stop new attempts from starting in the runs root (or on one worker); running ones finish')
  .option('--runner-id <id>', 'distributed mode: drain this worker only')
  .action((_options, command: Command) => setDrainFlag(true, command.optsWithGlobals()));
withOptions(program.command('undrain'), STORE)
  .description('let new attempts start again (in the runs root, or on one worker)')
  .option('--runner-id <id>', 'distributed mode: undrain this worker only')
  .action((_options, command: Command) => setDrainFlag(false, command.optsWithGlobals()));

withOptions(program.command('gc'), STORE)
  .description('remove settled batches idle past retention_policy.keep_closed_batches_days; their job branches stay')
  .option('--dry-run', 'list what would go, and the bytes, without removing it')
  .option('--prune-branches [branch...]', 'delete the landed job branches of removed batches, or exactly the ones named')
  .option('--json', 'print the result as JSON')
  .action((_options, command: Command) => gc(command.optsWithGlobals()));

withOptions(program.command('land').argument('<batch>').argument('<job>', "the job whose branch to land (a variant's own id, such as try.v2)"), STORE)
  .description("put a job's branch onto a branch of its repository (through the running server, if one runs)")
  .requiredOption('--onto <branch>', 'the branch to land onto, such as main')
  .addOption(new Option('--strategy <strategy>', 'merge (a fast-forward when it can), squash or rebase').choices(['merge', 'squash', 'rebase']).default('merge'))
  .option('--message <text>', 'the message of a merge or squash commit')
  .option('--dry-run', 'say what would happen and change nothing')
  .option('--create', "make --onto at the job's base commit when it does not exist")
  .option('--json', 'print the answer as JSON')
  .action((batch, job, _options, command: Command) => land(batch, job, command.optsWithGlobals()));

withOptions(program.command('compare').argument('<batch>').argument('<job>', 'the job as submitted with variants, such as try'), STORE)
  .description("show a job's variants side by side: status, change, duration, tokens, command exit codes, landed")
  .option('--json', 'print the comparison as JSON')
  .action((batch, job, _options, command: Command) => compare(batch, job, command.optsWithGlobals()));

await program.parseAsync();
