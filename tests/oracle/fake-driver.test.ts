import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { oracleToSqlite } from "./support/oracle-to-sqlite.ts";
import { wallClockSql } from "./support/zone-offsets.ts";

// The test double's own checks: its rewrite must be the mechanical one it claims to be, and its
// time-zone emulation exact at DST edges, or the contract over it would prove nothing.

const db = new Database(":memory:");
const value = (sql: string) => (db.query(`SELECT ${sql} AS v`).get() as { v: unknown }).v;

test("wall clocks in a zone switch exactly at the DST transitions", () => {
  const wall = (utc: string, zone: string) => value(wallClockSql(`'${utc}'`, zone));
  // Los Angeles 2025: spring forward at 10:00Z (02:00 PST -> 03:00 PDT), fall back at 09:00Z.
  expect(wall("2025-03-09T09:59:59.999999999", "America/Los_Angeles")).toBe("2025-03-09 01:59:59");
  expect(wall("2025-03-09T10:00:00.000000000", "America/Los_Angeles")).toBe("2025-03-09 03:00:00");
  expect(wall("2025-11-02T08:59:59.000000000", "America/Los_Angeles")).toBe("2025-11-02 01:59:59");
  expect(wall("2025-11-02T09:00:00.000000000", "America/Los_Angeles")).toBe("2025-11-02 01:00:00");
  expect(wall("2025-03-08T07:30:00.000000000", "Asia/Kolkata")).toBe("2025-03-08 13:00:00");
  expect(wall("2025-03-08T07:30:00.000000000", "UTC")).toBe("2025-03-08 07:30:00");
  expect(() => wallClockSql("c", "Not/AZone")).toThrow(RangeError);
});

test("each rewrite rule, on the constructs the store emits", () => {
  const rules: Array<[string, string]> = [
    [`FROM_TZ(TO_TIMESTAMP(:k_value, 'YYYY-MM-DD"T"HH24:MI:SS.FF9'), '+00:00')`, "$k_value"],
    [`TO_CHAR(SYS_EXTRACT_UTC(MAX(r."start_utc")), 'YYYY-MM-DD"T"HH24:MI:SS.FF9')`, `MAX(r."start_utc")`],
    ["OFFSET :p_offset ROWS FETCH NEXT :p_limit ROWS ONLY", "LIMIT $p_limit OFFSET $p_offset"],
    ["FETCH FIRST :p_limit ROWS ONLY", "LIMIT $p_limit"],
    [`PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY r."elapsed_seconds")`, `percentile_cont(r."elapsed_seconds", 0.95)`],
    [`DECODE("Pipeline", :i0_name, 1) = 1`, `("Pipeline" IS $i0_name)`],
    [`TO_CHAR(r."bucket", 'YYYY-MM-DD"T"HH24:MI:SS')`, `replace(r."bucket", ' ', 'T')`],
  ];
  for (const [oracle, sqlite] of rules) expect(oracleToSqlite(oracle).sql).toBe(sqlite);
  const bucket = oracleToSqlite(`TRUNC(CAST(START_UTC AT TIME ZONE :h_zone AS DATE), 'IW')`, { h_zone: "UTC" });
  expect(bucket).toEqual({ sql: "datetime(datetime(START_UTC, '+0 seconds'), 'start of day', '-6 days', 'weekday 1')", inlined: ["h_zone"] });
  expect(() => oracleToSqlite("SELECT NVL(a, 1) FROM t WHERE TRUNC(b) = 1")).toThrow("no rewrite for TRUNC");
});

test("hour, day and ISO-week truncation of a wall clock", () => {
  const trunc = (utc: string, format: string) => {
    const { sql } = oracleToSqlite(`TRUNC(CAST(C AT TIME ZONE :z AS DATE), '${format}')`, { z: "UTC" });
    return (db.query(`SELECT ${sql} AS v FROM (SELECT $utc AS C)`).get({ $utc: utc }) as { v: unknown }).v;
  };
  expect(trunc("2025-03-09T23:59:59.5", "HH")).toBe("2025-03-09 23:00:00");
  expect(trunc("2025-03-09T23:59:59.5", "DD")).toBe("2025-03-09 00:00:00");
  // Sunday belongs to the week of the Monday before; Monday starts its own.
  expect(trunc("2025-03-09T23:59:59.5", "IW")).toBe("2025-03-03 00:00:00");
  expect(trunc("2025-03-10T00:00:00", "IW")).toBe("2025-03-10 00:00:00");
});
