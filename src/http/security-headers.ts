import type { MiddlewareHandler } from "hono";

/**
 * Security headers on every response, set from one precomputed list (this runs on every
 * request, so it stays a loop over five entries). The CSP allows only this origin's scripts and
 * styles, which is all /docs needs since the Swagger UI assets are served locally ('unsafe-inline'
 * styles: the UI sets style attributes). HSTS is left to the TLS-terminating proxy in front.
 */
const HEADERS: Array<[string, string]> = [
  [
    "content-security-policy",
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  ],
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
  ["referrer-policy", "no-referrer"],
  ["cross-origin-opener-policy", "same-origin"],
];

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const headers = c.res.headers;
  for (const [name, value] of HEADERS) headers.set(name, value);
};
