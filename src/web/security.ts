import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';

/** A fresh random token for one `serve` session (URL-safe, 192 bits). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export const TOKEN_HEADER = 'x-shipshape-token';

export function cookieName(port: number): string {
  // One cookie per port: two servers on localhost must not read each other's token.
  return `shipshape_token_${port}`;
}

function sameToken(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The Host values a browser sends for this server: anything else is a rebound DNS name. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export function allowedOrigins(port: number): Set<string> {
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * The server's front door, in this order: the Host header must name this server (DNS rebinding),
 * an Origin header must be this server's (cross-site requests), and the token must be present: as
 * the `token` query parameter, the session cookie set from it, or the header. Requests that change
 * something need the token in the header (or query), never the cookie alone, so a form posted by
 * another page cannot act even if it got past the Origin check.
 */
export function guard(options: { token: string; port: () => number }): MiddlewareHandler {
  return async (c, next) => {
    const port = options.port();
    const host = c.req.header('host') ?? '';
    if (!allowedHosts(port).has(host.toLowerCase())) {
      return c.text('Refused: this server answers only to 127.0.0.1 and localhost on its own port.', 403);
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && !allowedOrigins(port).has(origin.toLowerCase())) {
      return c.text('Refused: requests from other origins are not accepted.', 403);
    }
    if (c.req.header('sec-fetch-site') === 'cross-site') {
      return c.text('Refused: cross-site request.', 403);
    }
    const fromHeader = sameToken(c.req.header(TOKEN_HEADER), options.token);
    const fromQuery = sameToken(c.req.query('token'), options.token);
    const fromCookie = sameToken(getCookie(c, cookieName(port)), options.token);
    const safe = SAFE_METHODS.has(c.req.method);
    if (!(fromHeader || fromQuery || (safe && fromCookie))) {
      return c.text(
        safe
          ? 'Refused: open the address with its token, as printed by `shipshape serve`.'
          : 'Refused: this request changes something and needs the session token.',
        401,
      );
    }
    await next();
  };
}
