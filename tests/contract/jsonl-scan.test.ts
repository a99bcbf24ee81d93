import { join } from "node:path";
import { createJsonlScanRepository } from "../support/jsonl-scan-repository.ts";
import { tempDir } from "../support/temp-dir.ts";
import { runRepositoryContract } from "./run-repository.contract.ts";

runRepositoryContract("jsonl (scan)", async () => {
  const { dir, remove } = await tempDir();
  return { repository: createJsonlScanRepository({ path: join(dir, "nested", "runs.jsonl"), fsync: "never" }), dispose: remove };
});
