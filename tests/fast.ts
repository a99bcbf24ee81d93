import { join } from "node:path";
import { processTestFiles } from "./architecture/process-tests.ts";

// npm run test:fast: every bun test file except those that start processes; extra arguments
// (a path filter, -t pattern) go to bun test.
const ignore = (await processTestFiles()).map((file) => `--path-ignore-patterns=${file}`);
const proc = Bun.spawn([process.execPath, "test", "--timeout", "20000", ...ignore, ...process.argv.slice(2)], {
  cwd: join(import.meta.dir, ".."),
  stdio: ["inherit", "inherit", "inherit"],
});
process.exit(await proc.exited);
