import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.ts";
import { problem } from "./problem.ts";
import { sha256Hex } from "./sha256.ts";

const KEY = /^[\x21-\x7e]{1,255}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

interface Remembered {
  fingerprint: string;
  expires: number;
  response: Promise<{ status: number; body: string; type: string } | null>;
}

/**
 * Idempotency-Key for POSTs: the first answer to a key is remembered for 24 hours; the same key
 * with the same body replays it (Idempotent-Replayed: true), with another body it is a 422.
 * Kept in this process's memory (bounded): a replica or a restart does not know the key, and
 * the run identity (pipeline_name, date_code, start_utc, pid) still prevents a duplicate.
 */
export function idempotency(maxKeys = 100_000, now: () => number = Date.now): MiddlewareHandler<AppEnv> {
  const remembered = new Map<string, Remembered>();
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined) return next();
    if (!KEY.test(key))
      return problem(422, "Idempotency-Key must be 1-255 visible ASCII characters", {
        errors: [{ location: "header", field: "Idempotency-Key", message: "invalid" }],
      });
    const scope = `${c.var.apiKeyId ?? ""}|${c.req.method} ${c.req.path}|${key}`;
    const fingerprint = await sha256Hex(await c.req.text());
    const t = now();
    const known = remembered.get(scope);
    if (known && known.expires > t) {
      if (known.fingerprint !== fingerprint) {
        return problem(422, "This Idempotency-Key was used with a different request body", {
          errors: [{ location: "header", field: "Idempotency-Key", message: "reused with another body" }],
        });
      }
      const first = await known.response;
      if (first) return new Response(first.body, { status: first.status, headers: { "content-type": first.type, "idempotent-replayed": "true" } });
    }
    let settle!: (v: { status: number; body: string; type: string } | null) => void;
    const response = new Promise<{ status: number; body: string; type: string } | null>((resolve) => {
      settle = resolve;
    });
    remembered.set(scope, { fingerprint, expires: t + DAY_MS, response });
    if (remembered.size > maxKeys) remembered.delete(remembered.keys().next().value as string);
    try {
      await next();
    } finally {
      // Only answers that reflect a decision are replayed; a 5xx may be retried for real.
      const res = c.res;
      if (res.status < 500) {
        settle({ status: res.status, body: await res.clone().text(), type: res.headers.get("content-type") ?? "application/json" });
      } else {
        remembered.delete(scope);
        settle(null);
      }
    }
  };
}
