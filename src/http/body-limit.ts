import type { MiddlewareHandler } from "hono";
import { problem } from "./problem.ts";

/** A refused body is still read (and discarded) up to this many bytes by default. */
export const DEFAULT_DRAIN_BYTES = 64 * 1024 * 1024;
/** ... and for at most this long. */
const DEFAULT_DRAIN_MS = 30_000;

const hasBody = (headers: Headers) => headers.has("transfer-encoding") || Number(headers.get("content-length") ?? 0) > 0;

/** Reads what is left of a body and throws it away, stopping after `atMost` bytes or, for a
 * client that trickles, after `withinMs`. */
async function discard(reader: ReadableStreamDefaultReader<Uint8Array>, atMost: number, withinMs = DEFAULT_DRAIN_MS): Promise<void> {
  let seen = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), withinMs);
  });
  try {
    while (seen <= atMost) {
      const next = await Promise.race([reader.read(), late]);
      if (next === "late" || next.done) return;
      seen += next.value.byteLength;
    }
  } catch {
    // The client went away: nothing left to protect.
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
}

/**
 * Answers that were decided before the body was read (401, 405, 413, 415, ...) still wait for
 * the body to arrive: a client that sends `Connection: close` is still writing when the server
 * closes, and would see a reset instead of the answer. Bodies declared larger than `atMost` are
 * not waited for; those connections are closed after the answer. A body still arriving after
 * `withinMs` is given up on.
 */
export function drainUnreadBody(atMost = DEFAULT_DRAIN_BYTES, withinMs = DEFAULT_DRAIN_MS): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const raw = c.req.raw;
    // Only requests that declare a body: touching `raw.body` builds a stream on some runtimes.
    if (!hasBody(raw.headers) || raw.bodyUsed || !raw.body) return;
    if (Number(raw.headers.get("content-length") ?? 0) > atMost) {
      c.res.headers.set("connection", "close");
      return;
    }
    await discard(raw.body.getReader(), atMost, withinMs);
  };
}

/**
 * 413 as soon as a body passes `maxBytes`. A declared length is judged from the header alone;
 * a chunked body is read into memory up to `maxBytes`, and past it, discarded up to
 * `drainBytes` so the client reads the 413 (see drainUnreadBody).
 */
export function limitBody(maxBytes: number, drainBytes = DEFAULT_DRAIN_BYTES): MiddlewareHandler {
  const tooLarge = () => problem(413, `Request body is larger than ${maxBytes} bytes`);
  return async (c, next) => {
    const raw = c.req.raw;
    const declared = raw.headers.get("content-length");
    if (declared !== null && !raw.headers.has("transfer-encoding")) return Number(declared) > maxBytes ? tooLarge() : next();
    if (!raw.body) return next();
    const reader = raw.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await discard(reader, Math.max(0, drainBytes - size));
        return tooLarge();
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      body.set(chunk, at);
      at += chunk.byteLength;
    }
    c.req.raw = new Request(raw, { body });
    return next();
  };
}
