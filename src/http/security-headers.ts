import type { MiddlewareHandler } from "hono";

/**
 * The CSP allows only this origin's scripts and styles ('unsafe-inline' styles: Swagger UI sets
 * style attributes); a page with a fixed inline script adds that script's hash in `scriptSrc`.
 */
export function contentSecurityPolicy(extra: { scriptSrc?: string[] } = {}): string {
  const scripts = ["'self'", ...(extra.scriptSrc ?? [])].join(" ");
  return `default-src 'none'; script-src ${scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;
}

/**
 * Security headers on every response, set from one precomputed list (this runs on every
 * request, so it stays a loop over five entries). A route that sets its own CSP keeps it; it
 * builds it with contentSecurityPolicy, so it only ever adds to the common policy. HSTS is left
 * to the TLS-terminating proxy in front.
 */
const CSP = "content-security-policy";
const HEADERS: Array<[string, string]> = [
  [CSP, contentSecurityPolicy()],
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
  ["referrer-policy", "no-referrer"],
  ["cross-origin-opener-policy", "same-origin"],
];

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const headers = c.res.headers;
  for (const [name, value] of HEADERS) if (name !== CSP || !headers.has(CSP)) headers.set(name, value);
};
