import { StoreUnavailableError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import type { OracleConnection, OracleDriver, OraclePool, PoolAttributes } from "./driver.ts";
import { healthReason } from "./oracle-errors.ts";

export interface PoolKeeper {
  /** A pooled connection; the caller must close() it in `finally`. */
  connection(): Promise<OracleConnection>;
  /** Drains and closes the pool, waiting at most about `drainSeconds` plus a connect timeout. */
  close(): Promise<void>;
}

/**
 * The one pool of the process. It is created at startup, but a failure to create it (a connect
 * string that cannot be resolved yet) is not fatal: the next request tries again, so the service
 * starts while the database is away and recovers by itself when it returns. In Thin mode the
 * pool opens its connections in the background, so creation does not wait for the database.
 */
export function createPoolKeeper(driver: OracleDriver, attributes: PoolAttributes, logger: Logger, drainSeconds = 5): PoolKeeper {
  let pool: OraclePool | undefined;
  let creating: Promise<OraclePool> | undefined;
  let closed = false;

  const open = (): Promise<OraclePool> => {
    if (closed) return Promise.reject(new StoreUnavailableError("The Oracle store is shutting down", 5));
    if (pool) return Promise.resolve(pool);
    creating ??= driver.createPool(attributes).then(
      (created) => {
        pool = created;
        return created;
      },
      (error: unknown) => {
        creating = undefined;
        throw error;
      },
    );
    return creating;
  };

  open().catch((error: unknown) => logger.warn("oracle pool not created yet; will retry on demand", { reason: healthReason(error, attributes.password) }));

  return {
    async connection() {
      return (await open()).getConnection();
    },

    async close() {
      closed = true;
      const current = pool ?? (await creating?.catch(() => undefined));
      if (!current) return;
      // Thin mode's close() also waits for a connect attempt in flight, hence the connect timeout.
      const limitMs = (drainSeconds + attributes.connectTimeout + 1) * 1000;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const gaveUp = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), limitMs);
      });
      try {
        const outcome = await Promise.race([current.close(drainSeconds).then(() => "closed" as const), gaveUp]);
        if (outcome === "timeout") logger.warn("oracle pool did not close in time; leaving it", { limitMs });
      } catch (error) {
        logger.warn("oracle pool close failed", { error: String(error) });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
