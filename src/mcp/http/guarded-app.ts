import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { hostHeaderValidation } from '@modelcontextprotocol/express';
import { originCheck } from './origin-check.js';

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];
// Host and Origin hostnames a loopback server answers to ([::1] as URL parsing spells it).
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host);
}

/**
 * An express app with the protections every HTTP server of harness-mcp has, whatever it serves
 * (MCP, the dashboard): on loopback, Host and Origin checks, since a web page elsewhere may reach
 * 127.0.0.1 (DNS rebinding) but sends its own Host and Origin. Off loopback a token guards it instead.
 */
export function createGuardedApp(host: string): Express {
  const app = express();
  app.disable('x-powered-by');
  if (isLoopback(host)) app.use(hostHeaderValidation(LOOPBACK_NAMES), originCheck(LOOPBACK_NAMES));
  return app;
}

export interface Listening {
  server: Server;
  /** `http://host:port`, the port the system picked when given 0. */
  origin: string;
  /** Drops open connections (event streams never end by themselves) and stops listening. */
  close(): Promise<void>;
}

/** Listens on `host`:`port` (0 picks a free one). */
export async function listenOn(app: Express, host: string, port: number): Promise<Listening> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
