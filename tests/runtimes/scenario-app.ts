import { createApp } from "../../src/app.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";

/** The key writes need in the runtime scenarios (long enough that the app does not warn). */
export const SCENARIO_API_KEY = "runtime-matrix-key-0123456789";
export const SCENARIO_ORIGIN = "https://dashboard.example";

/**
 * The app every runtime serves in the matrix: the real createApp over the memory store, with API
 * keys and CORS on so that their code paths (Web Crypto digests, header handling) run too. It
 * imports nothing but the app and the store, so each runtime loads it unchanged.
 */
export function createScenarioApp(options: Pick<Parameters<typeof createApp>[0], "encoders"> = {}) {
  return createApp({
    ...options,
    repository: createMemoryRepository(),
    auth: { keys: [SCENARIO_API_KEY], protectReads: false },
    corsOrigins: [SCENARIO_ORIGIN],
    maxBodyBytes: 64 * 1024,
  });
}
