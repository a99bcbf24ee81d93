import { fieldsOfKind, type PipelineRun } from "../../domain/pipeline-info.ts";
import { COLUMN_FIELDS, type ColumnField, type TableLayout } from "./columns.ts";
import type { BindDef, Binds, OracleDriver } from "./driver.ts";
import { runBinds, runSelectList } from "./row-codec.ts";
import type { Statement } from "./sql-filter.ts";
import { utcBindText, utcIn } from "./utc-text.ts";

/**
 * Identity lookups are padded to one of these sizes (the last identity repeated), so that batches
 * of any size share a handful of SQL texts: parsed once, kept in the statement cache. The largest
 * is the chunk size: 500 identities, 2,000 binds, one round trip per 500 runs.
 */
export const LOOKUP_SIZES = [1, 10, 100, 500] as const;
export const LOOKUP_CHUNK = LOOKUP_SIZES[LOOKUP_SIZES.length - 1] as number;

const INSERTED = COLUMN_FIELDS.filter((f): f is Exclude<ColumnField, "id"> => f !== "id");
const NUMERIC = new Set<ColumnField>(fieldsOfKind("seconds", "count"));
const UTC = new Set<ColumnField>(fieldsOfKind("instant"));

/** An executeMany() call: the statement, one bind object per row, and the bind definitions. */
export interface ManyStatement {
  sql: string;
  rows: Binds[];
  bindDefs: Record<string, BindDef>;
}

/** Statements that write, or read for a write. */
export function writeStatements(layout: TableLayout) {
  const { table, columns: c } = layout;
  const select = runSelectList(layout);

  return {
    /**
     * The stored runs with the identities of `runs` (at most LOOKUP_CHUNK): one OR-ed group of
     * binds per identity. pipeline_name and date_code may be NULL (Oracle keeps '' as NULL), and
     * `DECODE(col, :b, 1) = 1` is Oracle's NULL-safe equality: DECODE treats two NULLs as equal.
     * The instant and pid lead each group: they are never NULL and lead the identity index.
     * Oldest first, so a table without the unique index that holds an identity twice answers
     * with the first one stored.
     */
    identityLookup(runs: readonly PipelineRun[]): Statement {
      if (runs.length === 0 || runs.length > LOOKUP_CHUNK) throw new Error(`identity lookup of ${runs.length} runs`);
      const size = LOOKUP_SIZES.find((s) => s >= runs.length) as number;
      const groups: string[] = [];
      const binds: Binds = {};
      for (let i = 0; i < size; i++) {
        const run = runs[Math.min(i, runs.length - 1)] as PipelineRun;
        const p = `i${i}`;
        groups.push(
          `(${c.start_utc} = ${utcIn(`:${p}_start`)} AND ${c.pid} = :${p}_pid AND ` +
            `DECODE(${c.pipeline_name}, :${p}_name, 1) = 1 AND DECODE(${c.date_code}, :${p}_date, 1) = 1)`,
        );
        Object.assign(binds, {
          [`${p}_start`]: utcBindText(run.start_utc),
          [`${p}_pid`]: run.pid,
          [`${p}_name`]: run.pipeline_name,
          [`${p}_date`]: run.date_code,
        });
      }
      return { sql: `SELECT ${select} FROM ${table} WHERE ${groups.join(" OR ")} ORDER BY ${c.id} ASC`, binds };
    },

    /**
     * One INSERT for all `runs`, for executeMany(): array DML sends every row in one round trip.
     * executeMany() needs each bind's type up front and, for text, the largest value in bytes
     * (node-oracledb measures with Buffer.byteLength), taken from the rows themselves.
     */
    insertMany(runs: readonly PipelineRun[], types: Pick<OracleDriver, "STRING" | "NUMBER">): ManyStatement {
      const values = INSERTED.map((f) => (UTC.has(f) ? utcIn(`:v_${f}`) : `:v_${f}`));
      const rows = runs.map(runBinds);
      const bindDefs: Record<string, BindDef> = {};
      for (const f of INSERTED) {
        const name = `v_${f}`;
        if (NUMERIC.has(f)) {
          bindDefs[name] = { type: types.NUMBER };
          continue;
        }
        let maxSize = 1;
        for (const row of rows) {
          const value = row[name];
          if (typeof value === "string") maxSize = Math.max(maxSize, Buffer.byteLength(value));
        }
        bindDefs[name] = { type: types.STRING, maxSize };
      }
      return { sql: `INSERT INTO ${table} (${INSERTED.map((f) => c[f]).join(", ")}) VALUES (${values.join(", ")})`, rows, bindDefs };
    },
  };
}
