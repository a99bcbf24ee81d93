/** Small timing helpers for the benchmark: medians and p99 over repeated runs. */

export interface Timing {
  p50: number;
  p99: number;
  runs: number;
}

export async function time(fn: () => Promise<unknown>, runs: number, warmup = Math.min(3, runs)): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    await fn();
    samples.push(performance.now() - began);
  }
  samples.sort((a, b) => a - b);
  const pick = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
  return { p50: pick(0.5), p99: pick(0.99), runs };
}

/** Resident set size of a process in MiB, from /proc. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** GETs a URL uncompressed and reads the whole body; throws on a non-2xx answer. */
export async function get(url: string): Promise<number> {
  const res = await fetch(url, { headers: { "accept-encoding": "identity" } });
  const body = await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return body.byteLength;
}

export const fmt = (ms: number) => (Number.isNaN(ms) ? "-" : ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** GETs a URL asking for `encoding` and returns the bytes as they came over the wire (never
 * decompressed) and the encoding the server chose. */
export async function getEncoded(url: string, encoding: string): Promise<{ wireBytes: number; encoding: string }> {
  const res = await fetch(url, { headers: { "accept-encoding": encoding }, decompress: false });
  const body = await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return { wireBytes: body.byteLength, encoding: res.headers.get("content-encoding") ?? "identity" };
}
