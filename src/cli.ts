#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { HARNESS_VERSION } from './core/index.js';
import { control } from './commands/control.js';
import { setDrainFlag } from './commands/drain.js';
import { gc } from './commands/gc.js';
import { logs } from './commands/logs.js';
import { run } from './commands/run.js';
import { serve } from './commands/serve.js';
import { status } from './commands/status.js';
import { submit } from './commands/submit.js';

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`takes a whole number from ${min} to ${max}`);
    return n;
  };
}

const store = (command: Command) =>
  command
    .option('--runs-dir <dir>', 'the store (default: $HARNESS_RUNS_DIR, else ./runs)')
    .option('--config <file>', 'harness config JSON (default: $HARNESS_CONFIG, else built-in defaults)');

const program = store(new Command('harness-mcp'))
  .description('An MCP server that runs batches of coding-agent sessions in parallel, on disk.\nWithout a command it serves MCP over stdio, which is what MCP clients start.')
  .version(HARNESS_VERSION)
  // Options after a command's name are that command's, not the server's.
  .enablePositionalOptions()
  .option('--max-concurrency <n>', 'attempts run at once (default: runners.max_concurrency, 4)', wholeNumber(1, 256))
  .option('--http', 'serve MCP over Streamable HTTP at /mcp instead of stdio')
  .option('--host <host>', 'HTTP: address to listen on', '127.0.0.1')
  .addOption(new Option('--port <n>', 'HTTP: port (0 picks a free one)').default(8765).argParser(wholeNumber(0, 65535)))
  .option('--token-file <file>', 'HTTP: require this bearer token (default: $HARNESS_MCP_TOKEN); required off loopback')
  .option('--json-response', 'HTTP: answer requests with JSON instead of an SSE stream')
  .action((options) => serve(options));

store(program.command('status').argument('[batch]', 'a batch id; all batches without one'))
  .description("show every batch and the server's health, or one batch's steps (attempts, time, summary)")
  .option('--json', 'print the scoreboard as JSON')
  .action((batch, options) => status(batch, options));

store(program.command('logs').argument('<run_id>', 'the attempt'))
  .description("print an attempt's output, or one of its files")
  .option('--stream <name>', 'stdout, stderr, events (logs); final, meta, state (JSON: report, what ran, state)', 'stdout')
  .option('-f, --follow', 'keep printing a log until the attempt ends')
  .action((runId, options) => logs(runId, options));

store(program.command('run').argument('<file>', 'a launch table (JSON)'))
  .description('run a batch to the end without an MCP client (for CI); exit 0 only if every step succeeded')
  .option('--junit <path>', 'write a JUnit XML report, one testcase per step')
  .action(async (file, options) => {
    process.exitCode = await run(file, options);
  });

store(program.command('submit').argument('<file>', 'a launch table (JSON)'))
  .description('queue a batch for the server that runs the runs root (or the next to start)')
  .option('-f, --follow', 'wait for it to be accepted, then follow it until it settles; exit 0 only if every step succeeded')
  .action(async (file, options) => {
    process.exitCode = await submit(file, options);
  });

store(program.command('cancel').argument('[run_id]', 'one attempt; or give --batch (and --job, --step)'))
  .description('cancel an attempt, or the unfinished steps of a batch, job or step (through the running server)')
  .option('--batch <id>')
  .option('--job <id>')
  .option('--step <id>')
  .option('--json', 'print the answer as JSON')
  .action((runId, options) => control({ op: 'cancel', run_id: runId, batch_id: options.batch, job_id: options.job, step_id: options.step }, options));

store(program.command('retry').argument('<batch>').argument('<job>').argument('<step>'))
  .description('run a step again (through the running server)')
  .option('--cascade', 'then run again every step that depends on it')
  .option('--json', 'print the answer as JSON')
  .action((batch, job, step, options) => control({ op: 'retry', batch_id: batch, job_id: job, step_id: step, cascade: options.cascade ?? false }, options));

store(program.command('drain')).description('stop new attempts from starting in the runs root; running ones finish').action((options) => setDrainFlag(true, options));
store(program.command('undrain')).description('let new attempts start again').action((options) => setDrainFlag(false, options));

store(program.command('gc'))
  .description('remove settled batches idle past retention_policy.keep_closed_batches_days')
  .option('--dry-run', 'list what would go, and the bytes, without removing it')
  .option('--json', 'print the result as JSON')
  .action((options) => gc(options));

await program.parseAsync();
