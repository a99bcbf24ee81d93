/**
 * A writer that deletes half of its runs while POSTing more, and freezes at one phase of the
 * file rewrite so that the parent can kill -9 it there. Prints every acknowledged insert as
 * "ACK <date_code>" and the frozen phase as "AT <phase>".
 * Usage: bun compaction-child.ts <path> <phase>
 */
import { createJsonlRepository } from "../../../src/repository/jsonl/jsonl-repository.ts";
import { makeRun } from "../../support/runs.ts";

const [path, stopAt] = process.argv.slice(2) as [string, string];
let frozen = false;
// Held globally: a promise nobody can resolve would be collected with the handles it holds.
const frozenForever: Array<() => void> = [];
const repository = createJsonlRepository({
  path,
  fsync: "always",
  onCompactionPhase: async (phase) => {
    if (phase !== stopAt) return;
    frozen = true;
    console.log(`AT ${phase}`);
    await new Promise<void>((resolve) => frozenForever.push(resolve));
  },
});
await repository.countRuns({});

let i = 0;
const writer = async () => {
  while (i < 2000) {
    const n = i++;
    const run = makeRun({ date_code: `during-${n}`, pid: 100_000 + n, environment: "prod", start: "2026-01-01T00:00:00Z" });
    await repository.insertRuns([run]);
    console.log(`ACK during-${n}`);
    if (frozen) await Bun.sleep(5);
  }
};
void writer();
void writer();
await repository.deleteRuns({ labels: { environment: ["dev"] } });
console.log("DELETED");
await new Promise(() => {});
