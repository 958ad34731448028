import { HarnessError } from '../core/index.js';
import { BoundedStdioTransport, checkHttpOptions, maxMessageBytes, openBackgroundTasks, serveConnection, startHttpServer } from '../mcp/index.js';
import { RunsLock } from '../store/index.js';
import { checkRedis, REDIS_PASSWORD_VARIABLE, redisConnectionOf } from '../distributed/index.js';
import { EXIT, fail, openHarness, orFail, readToken, type StoreOptions } from './common.js';

export interface ServeOptions extends StoreOptions {
  maxConcurrency?: number;
  http?: boolean;
  host?: string;
  port?: number;
  tokenFile?: string;
  jsonResponse?: boolean;
  maxSessions?: number;
  sessionIdleSeconds?: number;
  redis?: string;
}

/** Who the server is for: MCP clients that start it (stdio, until stdin closes), or a person at a terminal. */
export type ServeFor = 'mcp-client' | 'terminal';

/**
 * The server. For an MCP client (no command): MCP over stdio, ending when stdin closes, or
 * over Streamable HTTP with --http. For a terminal (`harness-mcp serve`): it runs the runs root
 * for the terminal commands (submit, cancel, retry reach it through the filesystem queue), with
 * MCP over HTTP only if --http asks, never reads stdin, and ends on SIGINT or SIGTERM alone.
 */
export async function serve(options: ServeOptions, serveFor: ServeFor): Promise<void> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8765;
  const token = options.http ? await readToken(options.tokenFile) : undefined;
  if (options.http) {
    try {
      checkHttpOptions({ host, token });
    } catch (error) {
      fail((error as Error).message);
    }
  }
  const stdio = serveFor === 'mcp-client' && !options.http;
  const redis = options.redis
    ? await orFail(async () => {
        const connection = redisConnectionOf(options.redis!);
        // Read once: the agents this process spawns inherit its environment, and must not reach Redis.
        delete process.env[REDIS_PASSWORD_VARIABLE];
        await checkRedis(connection);
        return connection;
      })
    : undefined;
  const harness = await openHarness(options, {
    redis,
    maxConcurrency: options.maxConcurrency,
    interfaces: stdio ? undefined : { mcp_stdio: { enabled: false }, mcp_http: { enabled: options.http ?? false, auth_mode: token ? 'token' : 'none' } },
  });
  if (serveFor === 'terminal' && harness.mode !== 'active') {
    // A standby with no client to serve would only look like a server.
    const owner = await RunsLock.readOwner(harness.paths);
    await harness.close();
    fail(`another harness-mcp${owner ? ` (pid ${owner.pid})` : ''} runs ${harness.paths.root} already; stop it first, or give a different --runs-dir`, EXIT.noServer);
  }

  if (serveFor === 'terminal' && !options.http && !harness.configFile.interfaces.filesystem_queue.enabled) {
    await harness.close();
    fail('serve without --http takes batches only through the filesystem queue, which the config turns off (interfaces.filesystem_queue.enabled)');
  }

  let stop: () => Promise<void> = async () => undefined;
  // The MCP tasks of the root (tasks extension), worked on whichever way MCP is served.
  const tasks = options.http || stdio ? await openBackgroundTasks(harness) : undefined;
  if (options.http) {
    let http: Awaited<ReturnType<typeof startHttpServer>>;
    // Loaded only here: a stdio server starts without the dashboard's modules (start-up time).
    const { openDashboard } = await import('../dashboard/index.js');
    const dashboard = await openDashboard(harness, tasks, token);
    try {
      http = await startHttpServer(harness, tasks!, {
        dashboard: dashboard.router,
        host,
        port,
        token,
        jsonResponse: options.jsonResponse ?? false,
        sessions: {
          ...(options.maxSessions !== undefined && { maxSessions: options.maxSessions }),
          ...(options.sessionIdleSeconds !== undefined && { idleMs: options.sessionIdleSeconds * 1000 }),
        },
      });
    } catch (error) {
      await dashboard.close();
      await harness.close();
      if (error instanceof HarnessError || (error as NodeJS.ErrnoException).code === 'EADDRINUSE') fail((error as Error).message);
      throw error;
    }
    process.stderr.write(`harness-mcp: serving MCP at ${http.url}${token ? ' (bearer token required)' : ''}\n`);
    process.stderr.write(`harness-mcp: dashboard at ${new URL('/', http.url).href}${token ? ' (log in with the token)' : ''}\n`);
    stop = async () => {
      await dashboard.close();
      await http.close();
    };
  } else if (stdio) {
    // In stdio mode stdout belongs to the MCP transport; everything else goes to stderr.
    const transport = new BoundedStdioTransport(
      maxMessageBytes(harness.configFile.limits.max_launch_table_bytes),
      'A launch table up to limits.max_launch_table_bytes fits; for a bigger one raise that limit in the config (this one follows it), or drop the file in the filesystem queue (`harness-mcp submit FILE`), which the client need not carry.',
    );
    // The connection's revision is the client's choice: its first message says which (serveStdio).
    const connection = serveConnection(harness, tasks!, transport);
    // The transport ends when stdin does, and only then.
    void transport.ended.then(() => shutdown(0));
    stop = () => connection.close();
  }
  if (serveFor === 'terminal') {
    process.stderr.write(
      `harness-mcp: serving ${harness.paths.root} (pid ${process.pid}): \`harness-mcp submit FILE --runs-dir ${harness.paths.root}\` queues a batch; Ctrl-C stops\n`,
    );
  }

  let closing = false;
  async function shutdown(code: number): Promise<void> {
    if (closing) return;
    closing = true;
    await stop().catch(() => undefined);
    tasks?.close();
    await harness.close();
    if (serveFor === 'terminal') process.stderr.write('harness-mcp: stopped\n');
    process.exit(code);
  }
  // Asked to stop is how a terminal server ends well; an MCP client's server keeps the shell's 128+signal.
  process.on('SIGINT', () => void shutdown(serveFor === 'terminal' ? EXIT.ok : 130));
  process.on('SIGTERM', () => void shutdown(serveFor === 'terminal' ? EXIT.ok : 143));
  // SIGUSR2 toggles drain mode, for a person at the machine: kill -USR2 <pid>.
  process.on('SIGUSR2', () => void harness.refreshHealth().then((health) => harness.setDrain(!health.drain)));
}
