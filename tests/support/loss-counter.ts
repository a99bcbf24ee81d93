import { sampleBody } from "./runs.ts";

/** One POST the counter sent: its unique date_code, when it went out and what came back. */
export interface Sent {
  code: string;
  sentAt: number;
  answeredAt: number;
  /** HTTP status, or 0 when the connection failed. */
  status: number;
}

/**
 * A client that POSTs runs, each with a unique date_code, from `concurrency` loops until
 * stopped, and remembers every answer: the acknowledged ones (2xx) are what the service
 * promised to keep.
 */
export function startLossCounter(url: string, options: { concurrency?: number; prefix?: string; batch?: number } = {}) {
  const { concurrency = 8, prefix = "loss", batch = 1 } = options;
  const sent: Sent[] = [];
  let next = 0;
  let stopping = false;
  const loop = async () => {
    while (!stopping) {
      const codes = Array.from({ length: batch }, () => `${prefix}-${next++}`);
      const bodies = codes.map((code, k) => sampleBody({ date_code: code, pid: next * batch + k }));
      const sentAt = performance.now();
      let status = 0;
      try {
        const res = await fetch(batch === 1 ? `${url}/pipelines` : `${url}/pipelines/batch`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(batch === 1 ? bodies[0] : bodies),
        });
        await res.arrayBuffer();
        status = res.status;
      } catch {}
      const answeredAt = performance.now();
      for (const code of codes) sent.push({ code, sentAt, answeredAt, status });
      if (status === 0) await Bun.sleep(5);
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    sent,
    /** Stops sending and resolves once every request in flight is answered. */
    async stop(): Promise<Sent[]> {
      stopping = true;
      await Promise.all(loops);
      return sent;
    },
  };
}

export interface LossFigures {
  acknowledged: number;
  /** Acknowledged runs the service serves afterwards. */
  served: number;
  /** Acknowledged runs found in the file the operator moved away (rotation). */
  inMovedFile: number;
  /** Acknowledged before the operator removed the data (delete, truncate, replace), or in flight
   * while it happened, and gone with it: the operator's removal, not the service's loss. */
  removedByOperator: number;
  /** Acknowledged runs that must be served and are not (sent after the operation, or before it
   * with `keepsMoved` and not in the moved file either): the service lost them. */
  lost: number;
  /** Run identities stored more than once (served and moved files together). */
  duplicated: number;
  /** Runs answered with a non-2xx status that were stored anyway. */
  rejectedButStored: number;
  rejected: number;
}

/**
 * Compares what the counter was told with what is stored. `operation` is when the operator's
 * action ran (performance.now() before and after); a run sent after it ended must be served,
 * and with `keepsMoved`, a run acknowledged before must be served or in the moved file.
 */
export function tally(
  sent: readonly Sent[],
  stored: { served: readonly string[]; moved?: readonly string[] },
  operation: { began: number; ended: number },
  keepsMoved = false,
): LossFigures {
  const served = new Set(stored.served);
  const moved = new Set(stored.moved ?? []);
  const occurrences = new Map<string, number>();
  for (const code of [...stored.served, ...(stored.moved ?? [])]) occurrences.set(code, (occurrences.get(code) ?? 0) + 1);
  const figures: LossFigures = { acknowledged: 0, served: 0, inMovedFile: 0, removedByOperator: 0, lost: 0, duplicated: 0, rejectedButStored: 0, rejected: 0 };
  for (const s of sent) {
    const ok = s.status >= 200 && s.status < 300;
    if (!ok) {
      figures.rejected += 1;
      if (occurrences.has(s.code)) figures.rejectedButStored += 1;
      continue;
    }
    figures.acknowledged += 1;
    if (served.has(s.code)) figures.served += 1;
    // Sent after the operation: the service had to write it to the file at the path.
    else if (s.sentAt > operation.ended) figures.lost += 1;
    else if (moved.has(s.code)) figures.inMovedFile += 1;
    else if (!keepsMoved && s.sentAt < operation.ended) figures.removedByOperator += 1;
    else figures.lost += 1;
  }
  for (const n of occurrences.values()) if (n > 1) figures.duplicated += 1;
  return figures;
}
