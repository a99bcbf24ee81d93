import { LABELS, type Label } from "./pipeline-info.ts";

export const ORDER_FIELDS = ["start_utc", "end_utc", "elapsed_seconds", "rowcount", "pipeline_name"] as const;
export type OrderField = (typeof ORDER_FIELDS)[number];

/** The order of a run listing. Ties are always broken by storage order, in the same direction
 * (descending: most recently stored first), so pages never shuffle. */
export interface RunOrder {
  field: OrderField;
  descending: boolean;
}

/**
 * Where a keyset page starts: the order value of the previous page's last run (instants as
 * epoch microseconds, numbers, or a pipeline name) and its storage sequence in the store.
 */
export interface Keyset {
  value: number | string | null;
  tie: number;
}

/** The original API's order, still the default: newest start first. */
export const NEWEST_FIRST: RunOrder = { field: "start_utc", descending: true };

/** "-elapsed_seconds" as an order; undefined when the text names no order field. */
export function parseOrder(text: string): RunOrder | undefined {
  const descending = text.startsWith("-");
  const field = (descending ? text.slice(1) : text) as OrderField;
  return ORDER_FIELDS.includes(field) ? { field, descending } : undefined;
}

export const orderText = (order: RunOrder) => `${order.descending ? "-" : ""}${order.field}`;

/** Ascending comparison of order values; null sorts before everything. */
export function compareValues(a: number | string | null, b: number | string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/** Label order for ties: label by label, each as compareValues orders it (nulls first). */
export function compareLabels(a: Readonly<Record<Label, string | null>>, b: Readonly<Record<Label, string | null>>): number {
  for (const label of LABELS) {
    const order = compareValues(a[label], b[label]);
    if (order !== 0) return order;
  }
  return 0;
}
