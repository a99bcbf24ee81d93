import { ConflictError, InvalidInputError, StoreUnavailableError, ValueTooLargeError } from "../../errors.ts";
import type { TableLayout } from "./columns.ts";

/** "ORA-12899" or "NJS-503" from a driver error: its `code`, else the start of its message. */
export function driverErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^(ORA|NJS)-\d+$/.test(code)) return code;
  return /^(ORA|NJS)-\d+/.exec(error.message)?.[0];
}

const number = (code: string) => Number(code.slice(4));

// Oracle Net (NJS-500..599 in Thin mode; TNS ORA-12150..12299 and ORA-12500..12699), sessions that died or cannot start,
// and the pool's own give-ups: the database is not there for us right now, so retry later.
const UNAVAILABLE_ORA = new Set([18, 20, 28, 1012, 1017, 1033, 1034, 1089, 1090, 1092, 2396, 3113, 3114, 3135, 28000, 28001]);
const UNAVAILABLE_NJS = new Set([3, 64, 65, 76, 123]);
const POOL_QUEUE_TIMEOUT = "NJS-040";

function isUnavailable(code: string): boolean {
  const n = number(code);
  if (code.startsWith("NJS")) return code === POOL_QUEUE_TIMEOUT || UNAVAILABLE_NJS.has(n) || (n >= 500 && n < 600);
  return UNAVAILABLE_ORA.has(n) || (n >= 12150 && n < 12300) || (n >= 12500 && n < 12700);
}

/** The last "quoted" name in a message: the column in ORA-12899 and ORA-01400 texts. */
function reportedColumn(message: string): string | undefined {
  const names = [...message.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string);
  return names.at(-1);
}

/**
 * Turns a driver error into the domain error the HTTP edge knows how to answer: unreachable or
 * saturated -> StoreUnavailableError (503 + Retry-After); a value the column cannot hold ->
 * ValueTooLargeError naming the field (422); a constraint -> ConflictError (409). Anything else
 * is returned unchanged and surfaces as a logged 500.
 */
export function translateDriverError(error: unknown, layout: TableLayout): unknown {
  const code = driverErrorCode(error);
  if (!code || !(error instanceof Error)) return error;
  if (code === POOL_QUEUE_TIMEOUT) {
    return new StoreUnavailableError("All database connections are busy; retry shortly", 2, { cause: error });
  }
  if (isUnavailable(code)) {
    return new StoreUnavailableError("The Oracle database is unavailable; retry later", 5, { cause: error });
  }
  const column = reportedColumn(error.message);
  const mapped = column === undefined ? undefined : layout.fieldOf(column);
  // Column texts (ORA-12899, ORA-01400) name a column; other quoted names may be constraints.
  const field = mapped ?? column;
  switch (code) {
    case "ORA-12899": {
      const sizes = /\(actual: \d+, maximum: \d+\)/.exec(error.message)?.[0] ?? "";
      return new ValueTooLargeError(field ?? "(body)", `${field ?? "a value"} is too long for its database column ${sizes}`.trim());
    }
    case "ORA-01438":
    case "ORA-01426":
      return new ValueTooLargeError(field ?? "(body)", `${field ?? "a number"} is too large for its database column`);
    case "ORA-00001":
      return new ConflictError("The run conflicts with a stored run (unique constraint)", mapped);
    case "ORA-01400":
      return new ConflictError(`The database requires a value for ${field ?? "a field"}`, field);
    case "ORA-02290":
    case "ORA-02291":
      return new ConflictError(`The run violates a database constraint (${code})`, mapped);
    case "ORA-01882":
      // The zone passed validation here but is missing from the database's time zone file.
      return new InvalidInputError("tz", "The database does not know this time zone (ORA-01882)");
  }
  return error;
}

/** A one-line reason for /health and logs: the driver's first line, without connection ids and
 * with the password blanked should any text ever carry it. */
export function healthReason(error: unknown, password: string): string {
  const message = error instanceof Error ? error.message : String(error);
  let line = (message.split("\n")[0] ?? "").replace(/\s*\(CONNECTION_ID=[^)]*\)/g, "").trim();
  if (password) line = line.split(password).join("***");
  return line.slice(0, 240) || "the database probe failed";
}
