import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { formatUtcMicros, parseDateTime } from "../../src/domain/datetime.ts";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { postJson } from "../support/app.ts";
import { sampleBody } from "../support/runs.ts";
import { tempDir } from "../support/temp-dir.ts";

/** Start and end instants that must come back exactly as sent. */
const EDGES: Array<[string, string]> = [
  ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000001Z"],
  ["2025-08-15T05:49:07Z", "9999-12-31T23:59:59.999999Z"],
  ["2300-06-01T12:34:56.123457Z", "2300-06-01T12:34:56.999999Z"],
  ["2255-06-05T23:47:34.740991Z", "2255-06-05T23:47:34.740993Z"],
  ["1600-02-29T00:00:00.000001Z", "8000-01-01T00:00:00.5Z"],
  ["9999-12-31T23:59:59.999998Z", "9999-12-31T23:59:59.999999Z"],
];

/** What a store cannot hold exactly, with the field that is refused. */
const REFUSED: Array<[string, Record<string, string>]> = [
  ["year 0000", { start_utc: "0000-12-31T23:59:59Z" }],
  ["an offset carrying 0001 into year 0000", { start_utc: "0001-01-01T00:30:00+01:00" }],
  ["an offset carrying 9999 past the end", { end_utc: "9999-12-31T23:30:00-01:00" }],
  ["digits past microseconds", { end_utc: "2025-08-15T06:17:19.1234567Z" }],
  ["year 10000", { end_utc: "10000-01-01T00:00:00Z" }],
];

describe("datetime", () => {
  test("every edge parses to its own canonical text", () => {
    for (const [start, end] of EDGES) {
      expect(parseDateTime(start)?.utc).toBe(start);
      expect(parseDateTime(end)?.utc).toBe(end);
    }
  });

  test("microseconds come from the digits, not from float arithmetic", () => {
    for (let micros = 0; micros < 1_000_000; micros += 997) {
      const text = `2300-01-01T00:00:00.${String(micros).padStart(6, "0")}Z`;
      expect(parseDateTime(text)?.utc).toBe(text.replace(/\.?0+Z$/, "Z"));
    }
  });

  test("formatting a number never leaves 0001-9999", () => {
    expect(formatUtcMicros(parseDateTime("9999-12-31T23:59:59.999999Z")?.epochMicros as number)).toBe("9999-12-31T23:59:59.999999Z");
    expect(formatUtcMicros(Number.MAX_VALUE)).toBe("9999-12-31T23:59:59.999999Z");
    expect(formatUtcMicros(-Number.MAX_VALUE)).toBe("0001-01-01T00:00:00Z");
    expect(formatUtcMicros(1_755_236_947_123_457)).toBe("2025-08-15T05:49:07.123457Z");
  });
});

const STORES: Array<[string, () => Promise<{ repository: RunRepository; reopen?: () => RunRepository; done: () => Promise<void> }>]> = [
  ["memory", async () => ({ repository: createMemoryRepository(), done: async () => {} })],
  [
    "jsonl",
    async () => {
      const { dir, remove } = await tempDir();
      const path = join(dir, "runs.jsonl");
      const opened: RunRepository[] = [];
      const open = () => {
        const repository = createJsonlRepository({ path, fsync: "never" });
        opened.push(repository);
        return repository;
      };
      return {
        repository: open(),
        reopen: open,
        done: async () => {
          for (const r of opened) await r.close();
          await remove();
        },
      };
    },
  ],
];

for (const [name, open] of STORES) {
  describe(`timestamps at the edges (${name})`, () => {
    test("0001 to 9999 at microsecond precision round-trip exactly, also after a restart", async () => {
      const { repository, reopen, done } = await open();
      try {
        const app = createApp({ repository });
        for (const [i, [start_utc, end_utc]] of EDGES.entries()) {
          const res = await app.request("/pipelines", postJson(sampleBody({ start_utc, end_utc, pid: i, date_code: `edge-${i}` })));
          expect(res.status).toBe(201);
          expect(await res.json()).toMatchObject({ start_utc, end_utc });
        }
        const check = async (served: RunRepository) => {
          const body = (await (await createApp({ repository: served }).request("/get_pipeline_info?all_data=true")).json()) as {
            results: Array<{ date_code: string; start_utc: string; end_utc: string }>;
          };
          const byCode = new Map(body.results.map((r) => [r.date_code, r]));
          expect(byCode.size).toBe(EDGES.length);
          for (const [i, [start_utc, end_utc]] of EDGES.entries()) expect(byCode.get(`edge-${i}`)).toMatchObject({ start_utc, end_utc });
        };
        await check(repository);
        if (reopen) {
          await repository.close();
          const again = reopen();
          await check(again);
          expect(await again.health()).toMatchObject({ skippedLines: 0 });
        }
      } finally {
        await done();
      }
    });

    test("what cannot be stored exactly is refused with 422 naming the field, and nothing is stored", async () => {
      const { repository, done } = await open();
      try {
        const app = createApp({ repository });
        for (const [what, fields] of REFUSED) {
          const res = await app.request("/pipelines", postJson(sampleBody(fields)));
          expect(res.status, what).toBe(422);
          const problem = (await res.json()) as { errors: Array<{ field: string }> };
          expect(problem.errors.map((e) => e.field)).toContain(Object.keys(fields)[0] as string);
        }
        expect(await repository.countRuns({})).toBe(0);
      } finally {
        await done();
      }
    });
  });
}
