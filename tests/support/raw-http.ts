import { connect } from "node:net";

export interface RawAnswer {
  /** Everything the server sent, as text. */
  text: string;
  /** Set when the connection broke while the request was being written or read. */
  error?: string;
  status: number;
}

/**
 * Sends one HTTP/1.1 request over a plain socket, writing the body in 64 KiB pieces as a
 * script would, and reads until the server closes: what a `Connection: close` client sees,
 * resets included (fetch would hide them).
 */
export function rawRequest(port: number, head: string, body: Uint8Array | Uint8Array[]): Promise<RawAnswer> {
  const pieces = Array.isArray(body) ? body : [body];
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    let error: string | undefined;
    const finish = () => {
      const text = Buffer.concat(received).toString("latin1");
      resolve({ text, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), ...(error ? { error } : {}) });
    };
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("error", (e) => {
      error = (e as NodeJS.ErrnoException).code ?? e.message;
    });
    socket.on("close", finish);
    socket.setTimeout(15_000, () => socket.destroy(new Error("timeout")));
    socket.on("connect", async () => {
      const write = (data: Uint8Array | string) => new Promise<void>((done) => (socket.write(data) ? done() : socket.once("drain", done)));
      await write(head);
      for (const piece of pieces) {
        for (let at = 0; at < piece.length && !socket.destroyed; at += 65536) await write(piece.subarray(at, at + 65536));
      }
    });
  });
}

/** `body` as HTTP/1.1 chunked transfer coding. */
export function chunked(pieces: Uint8Array[]): Uint8Array[] {
  const encoder = new TextEncoder();
  const out: Uint8Array[] = [];
  for (const piece of pieces) out.push(encoder.encode(`${piece.length.toString(16)}\r\n`), piece, encoder.encode("\r\n"));
  out.push(encoder.encode("0\r\n\r\n"));
  return out;
}
