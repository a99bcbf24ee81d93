import { formatUtcMicros, parseDateTime } from "../../domain/datetime.ts";
import type { OrderField, RunOrder } from "../../domain/run-ordering.ts";
import type { Keyset } from "../port.ts";
import type { TableLayout } from "./columns.ts";
import type { RunRow } from "./row-codec.ts";
import type { Conditions } from "./sql-filter.ts";
import { utcBindText, utcFromText, utcIn } from "./utc-text.ts";

/**
 * Orders and keyset positions in SQL. The port's order is the field, then the identity column in
 * the same direction; keysets carry instants as epoch microseconds, so they are turned into the
 * same UTC text binds as every other instant (no JavaScript Date involved).
 */

const isInstant = (field: OrderField) => field === "start_utc" || field === "end_utc";

/** `ORDER BY field dir, id dir`. Only pipeline_name may be NULL; the port sorts NULL lowest
 * (first ascending, last descending), the opposite of Oracle's default, so it is spelled out. */
export function orderByClause(layout: TableLayout, order: RunOrder): string {
  const c = layout.columns;
  const dir = order.descending ? "DESC" : "ASC";
  const nulls = order.field === "pipeline_name" ? (order.descending ? " NULLS LAST" : " NULLS FIRST") : "";
  return `ORDER BY ${c[order.field]} ${dir}${nulls}, ${c.id} ${dir}`;
}

/** A keyset value as a bind of the field's type; a value that cannot be one (a forged cursor) is
 * refused here rather than left to a database conversion error. */
function bindValue(field: OrderField, value: number | string): number | string {
  if (field === "pipeline_name") {
    if (typeof value === "string") return value;
  } else if (typeof value === "number" && Number.isFinite(value)) {
    return isInstant(field) ? utcBindText(formatUtcMicros(value)) : value;
  }
  throw new TypeError(`keyset value ${JSON.stringify(value)} does not fit order field ${field}`);
}

/**
 * The rows strictly after `after` in `order`: `(col > :v OR (col = :v AND id > :tie))`, with `<`
 * for descending. NULL names (sorted lowest) need their own shapes; Oracle keeps '' as NULL, so a
 * keyset name '' is the NULL position too.
 */
export function seekAfter(layout: TableLayout, order: RunOrder, after: Keyset): Conditions {
  const c = layout.columns;
  const col = c[order.field];
  const beyond = order.descending ? "<" : ">";
  if (after.value === null || after.value === "") {
    if (order.field !== "pipeline_name") throw new TypeError(`keyset value null does not fit order field ${order.field}`);
    const condition = order.descending ? `(${col} IS NULL AND ${c.id} < :k_tie)` : `((${col} IS NULL AND ${c.id} > :k_tie) OR ${col} IS NOT NULL)`;
    return { conditions: [condition], binds: { k_tie: after.tie } };
  }
  const value = bindValue(order.field, after.value);
  const [v, same] = isInstant(order.field) ? [utcIn(":k_value"), utcIn(":k_same_value")] : [":k_value", ":k_same_value"];
  // Descending by name, the NULL names come after every name.
  const nullsAfter = order.field === "pipeline_name" && order.descending ? ` OR ${col} IS NULL` : "";
  return {
    conditions: [`(${col} ${beyond} ${v} OR (${col} = ${same} AND ${c.id} ${beyond} :k_tie)${nullsAfter})`],
    binds: { k_value: value, k_same_value: value, k_tie: after.tie },
  };
}

/** The keyset of a row as the page query returns it (instants as UTC text, the id aliased). */
export function keysetOfRow(row: RunRow, field: OrderField): Keyset {
  const raw = row[field];
  let value: number | string | null;
  if (isInstant(field)) {
    const micros = parseDateTime(utcFromText(String(raw)))?.epochMicros;
    if (micros === undefined) throw new Error(`unexpected ${field} from the database: ${String(raw).slice(0, 64)}`);
    value = micros;
  } else if (field === "pipeline_name") {
    value = raw === null || raw === undefined ? null : String(raw);
  } else {
    value = Number(raw);
  }
  return { value, tie: Number(row.id) };
}
