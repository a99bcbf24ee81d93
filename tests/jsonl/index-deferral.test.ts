import { expect, test } from "bun:test";
import type { RunKeys } from "../../src/domain/run-decoder.ts";
import { RunIndex } from "../../src/repository/jsonl/run-index.ts";

const keysAt = (start: number): RunKeys => ({
  startMicros: start,
  endMicros: start + 1,
  startLocalMicros: start,
  identity: start,
  elapsed: 1,
  rowcount: 1,
  startUtc: "",
  labels: ["p", null, null, null],
});

/** An index of 40,000 runs in order and 2,000 staged past runs spread among them: merging
 * those rewrites every chunk, so the merge in slices pauses a few times. */
function indexWithBackfill() {
  const index = new RunIndex();
  let offset = 0;
  const add = (start: number) => {
    offset += 100;
    index.add(keysAt(start), { offset, length: 99 });
  };
  for (let i = 0; i < 40_000; i++) add(i * 10);
  for (let j = 0; j < 2_000; j++) add(j * 200 + 5);
  return { index, add };
}

/** A pause that holds the first slice until `resume` is called, and lets the later ones run. */
function heldPause() {
  let resume = () => {};
  let held = false;
  let reached = () => {};
  const paused = new Promise<void>((resolve) => (reached = resolve));
  const pause = () => {
    if (held) return Promise.resolve();
    held = true;
    reached();
    return new Promise<void>((resolve) => (resume = resolve));
  };
  return { pause, paused, resume: () => resume() };
}

test("a follow that ends during a merge in slices does not let a read merge under it", async () => {
  const { index, add } = indexWithBackfill();
  const { pause, paused, resume } = heldPause();
  const settling = index.settle(pause);
  await paused;
  index.deferMerges().release();
  add(1_005);
  // The read sees the index as it was before the merge: the new run is not visible yet.
  expect(index.count(index.select({}))).toBe(40_000);
  resume();
  await settling;
  expect(index.count(index.select({}))).toBe(42_001);
  expect(index.refs(index.select({})).offsets.length).toBe(42_001);
});

test("a merge in slices that ends during a follow leaves the follow's rows staged", async () => {
  const { index, add } = indexWithBackfill();
  const { pause, paused, resume } = heldPause();
  const settling = index.settle(pause);
  await paused;
  const follow = index.deferMerges();
  resume();
  await settling;
  add(2_005);
  // Still following: reads see the index without the follow's rows.
  expect(index.count(index.select({}))).toBe(42_000);
  await follow.finish(() => Promise.resolve());
  expect(index.count(index.select({}))).toBe(42_001);
});
