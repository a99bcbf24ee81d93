import { createMemoryRepository } from "../../src/repository/memory.ts";
import { runRepositoryContract } from "./run-repository.contract.ts";

runRepositoryContract("memory", async () => ({ repository: createMemoryRepository() }));
