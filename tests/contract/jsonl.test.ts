import { join } from "node:path";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import { tempDir } from "../support/temp-dir.ts";
import { runRepositoryContract } from "./run-repository.contract.ts";

runRepositoryContract("jsonl (indexed)", async () => {
  const { dir, remove } = await tempDir();
  return { repository: createJsonlRepository({ path: join(dir, "nested", "runs.jsonl"), fsync: "never" }), dispose: remove };
});
