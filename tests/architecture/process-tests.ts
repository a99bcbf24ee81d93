import { join } from "node:path";
import { Glob } from "bun";
import { parseModule } from "./source-tree.ts";

const ROOT = join(import.meta.dir, "..", "..");
const STARTS_PROCESSES = /\bBun\.spawn\b|\bspawn(Sync)?\(|\bfrom\s+["']playwright/;

/**
 * The test files that start processes (a server, a child test run, a browser), relative to the
 * project root: the slow ones `npm run test:fast` leaves out. Found by reading each test file and
 * the helpers under tests/ it imports, so a new one is never missed.
 */
export async function processTestFiles(): Promise<string[]> {
  const texts = new Map<string, string>();
  const read = async (file: string) => texts.get(file) ?? (texts.set(file, await Bun.file(join(ROOT, file)).text()).get(file) as string);
  const startsProcesses = async (test: string) => {
    const seen = new Set<string>();
    const queue = [test];
    while (queue.length) {
      const file = queue.pop() as string;
      if (seen.has(file) || !(await Bun.file(join(ROOT, file)).exists())) continue;
      seen.add(file);
      const text = await read(file);
      if (STARTS_PROCESSES.test(text)) return true;
      queue.push(...parseModule(file, text, ROOT).modules.filter((m) => m.startsWith("tests/")));
    }
    return false;
  };
  const files: string[] = [];
  for await (const file of new Glob("tests/**/*.test.ts").scan(ROOT)) if (await startsProcesses(file)) files.push(file);
  return files.sort();
}
