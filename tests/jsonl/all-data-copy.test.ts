import { expect, test } from "bun:test";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { makeRun } from "../support/runs.ts";
import { tempDir } from "../support/temp-dir.ts";

/** Lines of every shape the decoder accepts: canonical, Python's, reordered, escaped, unusual. */
async function mixedLines(): Promise<string[]> {
  const python = (await readFile(join(import.meta.dir, "../fixtures/python-written.jsonl"), "utf8")).split("\n");
  const lines: string[] = [];
  for (let i = 0; i < 2600; i++) {
    const run = makeRun({ pid: i, date_code: `d${i}`, start: `2025-03-0${1 + (i % 9)}T0${i % 10}:00:00Z`, seconds: (i % 7) * 1.25 });
    const shape = i % 8;
    if (shape === 0) lines.push(JSON.stringify({ ...run, start_local: run.start_local.replace("T", " ") }));
    else if (shape === 1) lines.push(JSON.stringify(Object.fromEntries(Object.entries(run).reverse())));
    else if (shape === 2) lines.push(JSON.stringify({ ...run, elapsed_human: `caf\u00e9 "${i}"\t` }));
    else if (shape === 3) lines.push(JSON.stringify({ ...run, pipeline_name: null, script_name: undefined }));
    else if (shape === 4) lines.push(JSON.stringify(run).replace(`"pid":${i}`, `"pid":${i}.0`));
    else if (shape === 5) lines.push(python[i % python.length] ?? "");
    else lines.push(JSON.stringify(run));
  }
  return lines;
}

test("all_data from the JSONL store, JSON or NDJSON, is byte for byte the answer built from decoded runs", async () => {
  const { dir, remove } = await tempDir();
  try {
    const path = join(dir, "runs.jsonl");
    await writeFile(path, `${(await mixedLines()).join("\n")}\n`);
    const repository = createJsonlRepository({ path, fsync: "never", followIntervalMs: 60_000 });
    try {
      expect(repository.streamRunsJson).toBeDefined();
      // The same store without its JSON stream: the route decodes and encodes every run.
      const decoding: RunRepository = { ...repository, streamRunsJson: undefined };
      for (const query of [
        "all_data=true",
        "all_data=true&order_by=pid",
        "all_data=true&pipeline_name=none",
        "all_data=true&min_rowcount=1",
        "all_data=true&format=ndjson",
        "all_data=true&format=ndjson&order_by=pid",
        "all_data=true&format=ndjson&pipeline_name=none",
      ]) {
        const copied = await (await createApp({ repository }).request(`/get_pipeline_info?${query}`)).text();
        const decoded = await (await createApp({ repository: decoding }).request(`/get_pipeline_info?${query}`)).text();
        expect(copied).toBe(decoded);
      }
      const body = JSON.parse(await (await createApp({ repository }).request("/get_pipeline_info?all_data=true")).text()) as { count: number };
      expect(body.count).toBeGreaterThan(2000);
    } finally {
      await repository.close();
    }
  } finally {
    await remove();
  }
});
