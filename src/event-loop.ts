/** setImmediate where the runtime has it (Bun, Node), else a zero timeout (any runtime). */
const schedule: (run: () => void) => unknown =
  typeof globalThis.setImmediate === "function" ? (run) => globalThis.setImmediate(run) : (run) => setTimeout(run, 0);

/** Lets requests, timers and signals be served before the caller goes on. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => schedule(resolve));

/**
 * Cuts a long loop into slices of about `sliceMs`: `pause()` yields to the event loop once the
 * current slice has run that long, so health probes and shutdown are answered in time.
 */
export function timeSlicer(sliceMs = 10) {
  let began = performance.now();
  return {
    async pause(): Promise<void> {
      if (performance.now() - began < sliceMs) return;
      await yieldToEventLoop();
      began = performance.now();
    },
  };
}
