import { Glob } from "bun";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const STARTS_PROCESSES = /server-process\.ts["']|\bBun\.spawn\b|\bspawn(Sync)?\(/;

/** The test files that start processes (a server, a child test run), relative to the project root:
 * the slow ones `npm run test:fast` leaves out. Found by reading them, so new ones are never missed. */
export async function processTestFiles(): Promise<string[]> {
  const files: string[] = [];
  for await (const file of new Glob("tests/**/*.test.ts").scan(ROOT)) {
    if (STARTS_PROCESSES.test(await Bun.file(join(ROOT, file)).text())) files.push(file);
  }
  return files.sort();
}
