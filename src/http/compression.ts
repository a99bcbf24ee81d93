import type { MiddlewareHandler } from "hono";
import { parseAccept } from "hono/utils/accept";
import { COMPRESSIBLE_CONTENT_TYPE_REGEX } from "hono/utils/compress";

/** Makes a fresh compressing stream for one response. */
export type Encoder = () => ReadableWritablePair<Uint8Array, BufferSource>;

/** Content encodings by their HTTP name, in the order the server prefers them on a tie. */
export type Encoders = Readonly<Record<string, Encoder>>;

/** What every runtime with the Compression Streams API has. */
export const STANDARD_ENCODERS: Encoders = {
  gzip: () => new CompressionStream("gzip"),
  deflate: () => new CompressionStream("deflate"),
};

const COMPRESSIBLE = (type: string) => COMPRESSIBLE_CONTENT_TYPE_REGEX.test(type) || /^\s*application\/(x-)?ndjson/i.test(type);
const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i;

/** The encoding the client prefers most among `names` (q-values, then server order), if any. */
export function chooseEncoding(acceptEncoding: string | undefined, names: readonly string[]): string | undefined {
  if (!acceptEncoding) return undefined;
  const accepts = parseAccept(acceptEncoding);
  const wildcard = accepts.find((a) => a.type === "*")?.q ?? 0;
  let best: { name: string; q: number } | undefined;
  for (const name of names) {
    const q = accepts.find((a) => a.type.toLowerCase() === name)?.q ?? wildcard;
    if (q > 0 && (!best || q > best.q)) best = { name, q };
  }
  return best?.name;
}

/** Reads up to `threshold` bytes of a body: all of it when it is short, else a stream that
 * replays what was read and continues with the rest. */
async function peek(body: ReadableStream<Uint8Array>, threshold: number): Promise<{ whole: Uint8Array<ArrayBuffer> } | { stream: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const head: Uint8Array[] = [];
  let size = 0;
  while (size < threshold) {
    const next = await reader.read();
    if (next.done) return { whole: concat(head, size) };
    head.push(next.value);
    size += next.value.byteLength;
  }
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = head.shift();
      if (chunk) return controller.enqueue(chunk);
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { stream };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * Compresses text answers to GET (JSON, problem+json, NDJSON, CSV, HTML, scripts) with the encoding
 * the client asks for, streaming: a compressed export is never held in memory. Answers shorter
 * than `threshold` bytes go out as they are; compressing them costs more than it saves.
 * hono's compress middleware offers only gzip and deflate, and compresses answers of any size
 * whose length it cannot see.
 */
export function compression(encoders: Encoders = STANDARD_ENCODERS, threshold = 1024): MiddlewareHandler {
  const names = Object.keys(encoders);
  return async (c, next) => {
    await next();
    // Reads are what grows (exports, summaries, pages); a write's answer is a record or a report,
    // and peeking at every one of them cost writes about a tenth of their throughput.
    if (c.req.method !== "GET") return;
    const res = c.res;
    const type = res.headers.get("content-type");
    if (!type || !COMPRESSIBLE(type) || res.headers.has("content-encoding")) return;
    if (NO_TRANSFORM.test(res.headers.get("cache-control") ?? "")) return;
    const vary = res.headers.get("vary");
    if (!vary) res.headers.set("vary", "Accept-Encoding");
    else if (!/accept-encoding/i.test(vary) && vary !== "*") res.headers.set("vary", `${vary}, Accept-Encoding`);
    if (!res.body || res.status === 204 || res.status === 206 || res.status === 304) return;
    const declared = res.headers.get("content-length");
    if (declared !== null && Number(declared) < threshold) return;
    const name = chooseEncoding(c.req.header("accept-encoding"), names);
    const encoder = name ? encoders[name] : undefined;
    if (!name || !encoder) return;
    const peeked = await peek(res.body, threshold);
    if ("whole" in peeked) {
      c.res = new Response(peeked.whole, res);
      return;
    }
    c.res = new Response(peeked.stream.pipeThrough(encoder() as ReadableWritablePair<Uint8Array, Uint8Array>), res);
    c.res.headers.delete("content-length");
    c.res.headers.set("content-encoding", name);
    const etag = c.res.headers.get("etag");
    // The compressed bytes differ from the identity ones; a weak tag still matches If-None-Match.
    if (etag && !etag.startsWith("W/")) c.res.headers.set("etag", `W/${etag}`);
  };
}
