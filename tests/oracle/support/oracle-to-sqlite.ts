import type { Binds } from "../../../src/repository/oracle/driver.ts";
import { driverError } from "./oracle-errors.ts";
import { wallClockSql } from "./zone-offsets.ts";

// A column as the store writes it: a plain identifier or a double-quoted one.
const COLUMN = String.raw`(?:"[^"]*"|[A-Za-z][\w$#]*)`;
const TRUNC_ZONE = new RegExp(String.raw`TRUNC\(CAST\((${COLUMN}) AT TIME ZONE :(\w+) AS DATE\), '(HH|DD|IW)'\)`, "g");

// TRUNC of a wall-clock text ('YYYY-MM-DD HH:MM:SS') to the hour, the day, the ISO week's Monday.
const TRUNC_SQLITE: Record<string, (wall: string) => string> = {
  HH: (wall) => `datetime((unixepoch(${wall}) / 3600) * 3600, 'unixepoch')`,
  DD: (wall) => `datetime(${wall}, 'start of day')`,
  IW: (wall) => `datetime(${wall}, 'start of day', '-6 days', 'weekday 1')`,
};

/**
 * The Oracle constructs the store emits, rewritten mechanically for SQLite. Each rule replaces
 * one construct by its SQLite equivalent over the same data (UTC instants are stored as the same
 * fixed-width UTC text the store binds):
 *
 * 1. `FROM_TZ(TO_TIMESTAMP(:b, mask), '+00:00')` -> `:b`; 2. `TO_CHAR(SYS_EXTRACT_UTC(x), mask)` -> `x`
 * 3. `OFFSET :o ROWS FETCH NEXT :n ROWS ONLY` -> `LIMIT :n OFFSET :o`; 4. `FETCH FIRST :n ROWS ONLY` -> `LIMIT :n`
 * 5. `PERCENTILE_CONT(q) WITHIN GROUP (ORDER BY x)` -> `percentile_cont(x, q)` (same interpolation)
 * 6. `DECODE(col, :b, 1) = 1` (Oracle's NULL-safe equality) -> `(col IS :b)`
 * 7. `TRUNC(CAST(col AT TIME ZONE :z AS DATE), 'HH'|'DD'|'IW')` -> SQLite date functions over the
 *    wall clock `datetime(col, CASE <offset per DST period of the bound zone> END)`; the zone bind
 *    is inlined as those offsets (an unknown zone fails as Oracle's ORA-01882 would)
 * 8. `TO_CHAR(x, 'YYYY-MM-DD"T"HH24:MI:SS')` -> `replace(x, ' ', 'T')` (SQLite's date text has a space)
 * 9. `LISTAGG(x, ',') WITHIN GROUP (ORDER BY y)` -> `group_concat(x, ',')` (unordered: the store sorts)
 * 10. `:name` -> `$name`
 *
 * Anything Oracle-only left after the rules fails loudly. It proves query logic, not Oracle
 * syntax; tests/oracle/grammar.test.ts checks the syntax.
 */
export function oracleToSqlite(sql: string, binds: Binds = {}): { sql: string; inlined: string[] } {
  const inlined: string[] = [];
  let rewritten = sql
    .replace(/FROM_TZ\(TO_TIMESTAMP\((:\w+), '[^']*'\), '\+00:00'\)/g, "$1")
    .replace(/TO_CHAR\(SYS_EXTRACT_UTC\(((?:[^()]|\([^()]*\))*)\), '[^']*'\)/g, "$1")
    .replace(/OFFSET (:\w+) ROWS FETCH NEXT (:\w+) ROWS ONLY/g, "LIMIT $2 OFFSET $1")
    .replace(/FETCH FIRST (:\w+) ROWS ONLY/g, "LIMIT $1")
    .replace(/PERCENTILE_CONT\(([\d.]+)\) WITHIN GROUP \(ORDER BY ([^()]+)\)/g, "percentile_cont($2, $1)")
    .replace(new RegExp(String.raw`DECODE\((${COLUMN}), (:\w+), 1\) = 1`, "g"), "($1 IS $2)")
    .replace(TRUNC_ZONE, (_all, column: string, zoneBind: string, format: string) => {
      const zone = binds[zoneBind];
      if (typeof zone !== "string") throw new Error(`fake: zone bind ${zoneBind} is not text`);
      let wall: string;
      try {
        wall = wallClockSql(column, zone);
      } catch {
        throw driverError("ORA-01882", "timezone region not found");
      }
      inlined.push(zoneBind);
      return (TRUNC_SQLITE[format] as (wall: string) => string)(wall);
    })
    .replace(/TO_CHAR\(((?:[^()]|\([^()]*\))*), 'YYYY-MM-DD"T"HH24:MI:SS'\)/g, "replace($1, ' ', 'T')")
    .replace(/LISTAGG\(([^()]+), (',')\) WITHIN GROUP \(ORDER BY [^()]+\)/g, "group_concat($1, $2)");
  const outsideQuotes = rewritten.replace(/"[^"]*"/g, '""');
  const leftover = /\b(FROM_TZ|TO_TIMESTAMP|SYS_EXTRACT_UTC|TO_CHAR|PERCENTILE_CONT|LISTAGG|DECODE|TRUNC|AT TIME ZONE|FETCH|OFFSET \S+ ROWS)\b/.exec(
    outsideQuotes,
  );
  if (leftover) throw new Error(`fake: no rewrite for ${leftover[1]} in ${sql}`);
  // After the rewrites no literal may hold a colon, so every :name left is a bind.
  if (/'[^']*:[^']*'/.test(rewritten)) throw new Error(`fake: unexpected literal in ${rewritten}`);
  rewritten = rewritten.replace(/:(\w+)/g, "$$$1");
  return { sql: rewritten, inlined };
}
