import type { RequestHandler } from 'express';

/**
 * Refuses requests whose Origin is not one of `hostnames` (DNS-rebinding protection for a
 * server on loopback: a web page elsewhere may reach 127.0.0.1 but sends its own Origin).
 * Requests without an Origin (MCP clients that are not browsers) pass.
 */
export function originCheck(hostnames: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (!origin) return next();
    let hostname: string | undefined;
    try {
      hostname = new URL(origin).hostname;
    } catch {
      hostname = undefined;
    }
    if (hostname && hostnames.includes(hostname)) return next();
    res.status(403).json({ jsonrpc: '2.0', error: { code: -32000, message: `Origin not allowed: ${origin}` }, id: null });
  };
}
