import { expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { makeRun } from "../support/runs.ts";

const stored = async () => {
  const repository = createMemoryRepository();
  await repository.insertRuns(Array.from({ length: 5 }, (_, i) => makeRun({ pid: i, date_code: `r${i}` })));
  return repository;
};

test("all_data's total is the number of runs it sends, from the snapshot they come from", async () => {
  const repository = await stored();
  // A count taken at another moment than the snapshot (a write landed in between) must not be used.
  const racing: RunRepository = { ...repository, countRuns: async () => 999 };
  const body = (await (await createApp({ repository: racing }).request("/get_pipeline_info?all_data=true")).json()) as {
    total: number;
    count: number;
    results: unknown[];
  };
  expect(body.results).toHaveLength(5);
  expect(body.total).toBe(5);
  expect(body.count).toBe(5);
});

test("a store that takes no snapshot has its total counted", async () => {
  const repository = await stored();
  const noSnapshot: RunRepository = { ...repository, streamRuns: (filter, order) => repository.streamRuns(filter, order) };
  const body = (await (await createApp({ repository: noSnapshot }).request("/get_pipeline_info?all_data=true&pipeline_name=none")).json()) as {
    total: number;
    results: unknown[];
  };
  expect(body).toMatchObject({ total: 0, results: [] });
  const all = (await (await createApp({ repository: noSnapshot }).request("/get_pipeline_info?all_data=true")).json()) as { total: number; results: unknown[] };
  expect(all.total).toBe(5);
});
