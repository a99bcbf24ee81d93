/**
 * A light HTTP/1.1 load generator on raw keep-alive sockets, so that on a 2-core machine the
 * client takes as little CPU from the server as it can. Loopback only; bounded by time.
 */
import type { Socket } from "bun";

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  statuses: Record<number, number>;
  p50: number;
  p99: number;
  errors: number;
}

export interface LoadOptions {
  port: number;
  connections: number;
  seconds: number;
  /** Builds the i-th request (method, path, optional JSON body). */
  request: (i: number) => { method: string; path: string; body?: string };
  /** Told the status of the i-th request's answer. */
  onResponse?: (i: number, status: number) => void;
}

const encoder = new TextEncoder();

function encodeRequest(r: { method: string; path: string; body?: string }): Uint8Array {
  const body = r.body ?? "";
  const bodyBytes = encoder.encode(body);
  const head =
    `${r.method} ${r.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n` +
    (r.body !== undefined ? `Content-Type: application/json\r\nContent-Length: ${bodyBytes.length}\r\n` : "") +
    "\r\n";
  const headBytes = encoder.encode(head);
  const out = new Uint8Array(headBytes.length + bodyBytes.length);
  out.set(headBytes);
  out.set(bodyBytes, headBytes.length);
  return out;
}

/** Runs the load and resolves with counts and latency percentiles (ms). */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let issued = 0;
  let errors = 0;
  const began = performance.now();
  const stopAt = began + options.seconds * 1000;

  return new Promise((resolve) => {
    let open = options.connections;
    const finish = () => {
      if (--open > 0) return;
      const seconds = (performance.now() - began) / 1000;
      latencies.sort((a, b) => a - b);
      const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
      resolve({ requests: latencies.length, seconds, perSecond: latencies.length / seconds, statuses, p50: pick(0.5), p99: pick(0.99), errors });
    };

    for (let c = 0; c < options.connections; c++) {
      let buffer = "";
      let sentAt = 0;
      let current = -1;
      let expectBody = -1;
      let status = 0;
      const send = (socket: Socket) => {
        if (performance.now() >= stopAt) {
          socket.end();
          return;
        }
        sentAt = performance.now();
        current = issued++;
        socket.write(encodeRequest(options.request(current)));
      };
      void Bun.connect({
        hostname: "127.0.0.1",
        port: options.port,
        socket: {
          open: send,
          data(socket, data) {
            buffer += data.toString("latin1");
            for (;;) {
              if (expectBody < 0) {
                const end = buffer.indexOf("\r\n\r\n");
                if (end < 0) return;
                const head = buffer.slice(0, end);
                status = Number(head.slice(9, 12));
                const length = /content-length: *(\d+)/i.exec(head);
                if (!length) {
                  // Chunked or unknown: not used by the routes this drives.
                  errors++;
                  socket.end();
                  return;
                }
                expectBody = Number(length[1]);
                buffer = buffer.slice(end + 4);
              }
              if (buffer.length < expectBody) return;
              buffer = buffer.slice(expectBody);
              expectBody = -1;
              latencies.push(performance.now() - sentAt);
              statuses[status] = (statuses[status] ?? 0) + 1;
              options.onResponse?.(current, status);
              send(socket);
            }
          },
          close: finish,
          error() {
            errors++;
          },
          connectError() {
            errors++;
            finish();
          },
        },
      });
    }
  });
}
