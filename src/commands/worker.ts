import { access, constants, mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { AgentNameSchema, HARNESS_VERSION, nowIso, type AgentName, type HarnessConfig } from '../core/index.js';
import { createAgentRegistry, type AgentAdapter } from '../agents/index.js';
import { loadHarnessConfig } from '../config/index.js';
import { AttemptWorker, checkRedis, REDIS_PASSWORD_VARIABLE, redisConnectionOf, redisPrefixOf, RUNNER_ID } from '../distributed/index.js';
import { resolveRunsRoot, RunsPaths } from '../store/index.js';
import { EXIT, fail, harnessOptions, orFail, type StoreOptions } from './common.js';

export interface WorkerOptions extends StoreOptions {
  redis?: string;
  slots?: number;
  agents?: string;
  runnerId?: string;
  /** Start drained: take no attempts until `undrain --runner-id`. */
  drain?: boolean;
}

/**
 * `harness-mcp worker`: runs attempts of the runs root that a coordinator (`serve --redis`)
 * hands out, until SIGINT or SIGTERM; those under way then end runner_lost and are retried.
 */
export async function worker(options: WorkerOptions): Promise<void> {
  if (!options.redis) fail('worker needs --redis URL: the Redis its coordinator (serve --redis) hands attempts out through');
  const connection = await orFail(async () => {
    const parsed = redisConnectionOf(options.redis!);
    // Read once: the agents this process spawns inherit its environment, and must not reach Redis.
    delete process.env[REDIS_PASSWORD_VARIABLE];
    await checkRedis(parsed);
    return parsed;
  });
  const { runsDir, configFile } = harnessOptions(options);
  const paths = new RunsPaths(await orFail(() => resolveRunsRoot(runsDir, { mustExist: true })));
  const loaded = await orFail(() => loadHarnessConfig(configFile));
  const config = loaded.config;
  const agents = await servedAgents(config, options.agents);
  if (options.runnerId !== undefined && !RUNNER_ID.test(options.runnerId)) fail(`--runner-id ${JSON.stringify(options.runnerId)}: use 1 to 64 letters, digits, dots, dashes or underscores`);
  const runnerId = options.runnerId ?? config.runners.runner_id ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40)}-${process.pid}`;
  // Its drain flag, set before it takes anything, is what `undrain --runner-id` clears.
  if (options.drain) await mkdir(dirname(paths.runnerDrainFile(runnerId)), { recursive: true }).then(() => writeFile(paths.runnerDrainFile(runnerId), `${nowIso()} by harness-mcp worker --drain\n`));
  const running = await orFail(() =>
    AttemptWorker.start({
      connection,
      prefix: redisPrefixOf(paths.root),
      paths,
      config,
      configVersion: loaded.version,
      harnessVersion: HARNESS_VERSION,
      runnerId,
      slots: options.slots ?? config.runners.max_concurrency,
      agents,
      lockMs: config.runners.worker_lock_seconds * 1000,
      log: (message) => process.stderr.write(`harness-mcp worker: ${message}\n`),
    }),
  );
  process.stderr.write(`harness-mcp worker ${runnerId}: taking ${[...agents.keys()].join(', ')} attempts of ${paths.root} from ${connection.display}\n`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await running.close();
    process.exit(EXIT.ok);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

/**
 * The agents this worker takes attempts of: those named by --agents (each must be installed),
 * else every agent whose CLI is found (and `command`, which needs none).
 */
async function servedAgents(config: HarnessConfig, named: string | undefined): Promise<Map<AgentName, AgentAdapter>> {
  const registry = createAgentRegistry(config);
  const served = new Map<AgentName, AgentAdapter>();
  const all = AgentNameSchema.options;
  const wanted = named === undefined ? all : named.split(',').map((name) => name.trim());
  for (const name of wanted) {
    const parsed = AgentNameSchema.safeParse(name);
    if (!parsed.success) fail(`--agents: ${JSON.stringify(name)} is not an agent (${all.join(', ')})`);
    const agent: AgentName = parsed.data;
    const found = agent === 'command' || (await onPath(config.agents[agent].command));
    if (found) served.set(agent, registry.get(agent)!);
    else if (named !== undefined) fail(`--agents: ${agent} is named, but its CLI ${JSON.stringify(config.agents[agent].command)} is not found here`);
  }
  return served;
}

async function onPath(command: string): Promise<boolean> {
  const candidates = isAbsolute(command) || command.includes('/') ? [command] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}
