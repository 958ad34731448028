import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

/**
 * Requires `Authorization: Bearer <token>`. Both sides are hashed first so the comparison takes
 * the same time whatever the token's length or content; the token is never logged.
 */
export function bearerAuth(token: string): RequestHandler {
  const expected = createHash('sha256').update(token).digest();
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const given = /^Bearer\s+(.+)$/i.exec(header)?.[1] ?? '';
    if (timingSafeEqual(createHash('sha256').update(given).digest(), expected)) return next();
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="harness-mcp"')
      .json({ jsonrpc: '2.0', error: { code: -32001, message: given ? 'Invalid bearer token' : 'A bearer token is required (Authorization: Bearer …)' }, id: null });
  };
}
