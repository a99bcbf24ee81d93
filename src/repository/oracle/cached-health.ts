import type { StoreHealth } from "../port.ts";

/**
 * Shares one probe among all callers and keeps its answer for `ttlMs` after it settles, so that
 * load-balancer probes cannot flood the database; a slow probe is never started twice.
 */
export function cachedHealth(probe: () => Promise<StoreHealth>, ttlMs: number): () => Promise<StoreHealth> {
  let pending: Promise<StoreHealth> | undefined;
  let last: { value: StoreHealth; expires: number } | undefined;
  return () => {
    if (last && Date.now() < last.expires) return Promise.resolve(last.value);
    pending ??= probe()
      .then((value) => {
        last = { value, expires: Date.now() + ttlMs };
        return value;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
