import { FNV1A_OFFSET, fnv1aStep } from "../domain/fnv1a.ts";
import type { RunFilter } from "../domain/run-filter.ts";
import { type Keyset, orderText, type RunOrder } from "../domain/run-ordering.ts";

/**
 * Opaque keyset cursors: the position after a page's last run, bound to the query that made it.
 * A checksum catches edited cursors and the query fingerprint catches cursors reused with other
 * filters or another order; both are answered 422. Cursors hold no secrets (every value in them
 * ends up as a bind or a comparison), so a checksum is enough and they work across replicas.
 */

/** The parts of a query a cursor is valid for: filters and order, not page size. */
export function queryFingerprint(filter: RunFilter, order: RunOrder): string {
  const labels = Object.entries(filter.labels ?? {})
    .map(([k, v]) => [k, [...(v ?? [])].sort()])
    .sort();
  return fnv1a(
    JSON.stringify([
      orderText(order),
      filter.startUtcFrom?.epochMicros,
      filter.endUtcTo?.epochMicros,
      filter.startLocalFrom,
      filter.startLocalTo,
      filter.minRowcount,
      filter.maxRowcount,
      filter.minElapsedSeconds,
      filter.maxElapsedSeconds,
      labels,
    ]),
  );
}

export function encodeCursor(keyset: Keyset, fingerprint: string): string {
  const payload = base64url(JSON.stringify({ v: keyset.value, t: keyset.tie, q: fingerprint }));
  return `${payload}.${fnv1a(`cursor:${payload}`)}`;
}

export type CursorResult = { ok: true; keyset: Keyset } | { ok: false; reason: string };

export function decodeCursor(cursor: string, fingerprint: string, order: RunOrder): CursorResult {
  const [payload, sum, ...rest] = cursor.split(".");
  if (!payload || !sum || rest.length || fnv1a(`cursor:${payload}`) !== sum)
    return { ok: false, reason: "is not a cursor this service issued (damaged or edited)" };
  let parsed: { v?: unknown; t?: unknown; q?: unknown };
  try {
    parsed = JSON.parse(fromBase64url(payload));
  } catch {
    return { ok: false, reason: "is not a cursor this service issued" };
  }
  if (parsed.q !== fingerprint) return { ok: false, reason: "belongs to a query with other filters or another order" };
  const { v, t } = parsed;
  // Checksums are not secrets, so a hand-made cursor must still carry values of the right kind.
  const fits = order.field === "pipeline_name" ? v === null || typeof v === "string" : typeof v === "number" && Number.isFinite(v);
  if (typeof t !== "number" || !Number.isFinite(t) || !fits) return { ok: false, reason: "is malformed" };
  return { ok: true, keyset: { value: v as number | string | null, tie: t } };
}

/** A 64-bit checksum as 16 hex digits: two FNV-1a lanes of 32 bits, the second also mixing in
 * the first, so that it stays in exact integer arithmetic. */
function fnv1a(text: string): string {
  let h1 = FNV1A_OFFSET;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = fnv1aStep(h1, c);
    h2 = fnv1aStep(h2, c ^ (h1 >>> 7));
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function base64url(text: string): string {
  let binary = "";
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): string {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return decoder.decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}
