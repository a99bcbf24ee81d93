/**
 * The same runs in the orders users' files come in, generated once into tests/bench/data:
 * sorted by start_utc (the baseline), by end_utc (runs appended when they end), reversed, two
 * hosts' files concatenated (each in time order), and shuffled.
 *
 *   bun tests/bench/orders.ts <count>
 */
import { existsSync } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { generateRun, prng } from "./generate.ts";

export const ORDERS = ["start_utc", "end_utc", "reverse", "two_hosts", "random"] as const;
export type FileOrder = (typeof ORDERS)[number];

export const orderPath = (dataDir: string, count: number, order: FileOrder) => join(dataDir, `runs-${count}-${order}.jsonl`);

interface Line {
  start: string;
  end: string;
  host: number;
  text: string;
}

function arrange(lines: Line[], order: FileOrder): Line[] {
  const byStart = (a: Line, b: Line) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0);
  switch (order) {
    case "start_utc":
      return lines.sort(byStart);
    case "end_utc":
      return lines.sort((a, b) => (a.end < b.end ? -1 : a.end > b.end ? 1 : 0));
    case "reverse":
      return lines.sort(byStart).reverse();
    case "two_hosts":
      // `cat host-a.jsonl host-b.jsonl`: each host's runs in time order, one file after the other.
      return [...lines.filter((l) => l.host === 0).sort(byStart), ...lines.filter((l) => l.host === 1).sort(byStart)];
    case "random": {
      const random = prng(7);
      for (let i = lines.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [lines[i], lines[j]] = [lines[j] as Line, lines[i] as Line];
      }
      return lines;
    }
  }
}

async function writeLines(path: string, lines: readonly Line[]) {
  const partial = `${path}.partial`;
  const file = await open(partial, "w");
  try {
    let chunk = "";
    for (let i = 0; i < lines.length; i++) {
      chunk += `${(lines[i] as Line).text}\n`;
      if (chunk.length > 1 << 20 || i === lines.length - 1) {
        await file.write(chunk);
        chunk = "";
      }
    }
  } finally {
    await file.close();
  }
  await rename(partial, path);
}

/** Writes the files of every order that is missing and returns their paths. */
export async function generateOrders(dataDir: string, count: number, orders: readonly FileOrder[] = ORDERS): Promise<Record<FileOrder, string>> {
  const paths = Object.fromEntries(ORDERS.map((o) => [o, orderPath(dataDir, count, o)])) as Record<FileOrder, string>;
  const missing = orders.filter((o) => !existsSync(paths[o]));
  if (missing.length === 0) return paths;
  console.error(`generating ${count.toLocaleString("en")} runs in ${missing.join(", ")} order...`);
  const random = prng(42);
  const lines: Line[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const run = generateRun(i, count, random);
    lines[i] = { start: run.start_utc, end: run.end_utc, host: i % 2, text: JSON.stringify(run) };
  }
  for (const order of missing) await writeLines(paths[order], arrange(lines.slice(), order));
  return paths;
}

if (import.meta.main) {
  const count = Number(process.argv[2] ?? 100_000);
  const paths = await generateOrders(join(import.meta.dir, "data"), count);
  for (const path of Object.values(paths)) console.log(path);
}

/**
 * `count` shuffled runs without holding them all in memory: each line goes to one of 64 bucket
 * files at random, then each bucket is shuffled and appended (a uniform shuffle overall).
 */
export async function generateShuffledLarge(dataDir: string, count: number): Promise<string> {
  const path = orderPath(dataDir, count, "random");
  if (existsSync(path)) return path;
  console.error(`generating ${count.toLocaleString("en")} runs in random order (bucketed)...`);
  const BUCKETS = 64;
  const random = prng(42);
  const pick = prng(7);
  const buckets = await Promise.all(Array.from({ length: BUCKETS }, (_, b) => open(`${path}.bucket-${b}`, "w")));
  const pending: string[] = new Array(BUCKETS).fill("");
  try {
    for (let i = 0; i < count; i++) {
      const b = Math.floor(pick() * BUCKETS);
      pending[b] += `${JSON.stringify(generateRun(i, count, random))}\n`;
      if ((pending[b] as string).length > 1 << 18) {
        await (buckets[b] as Awaited<ReturnType<typeof open>>).write(pending[b] as string);
        pending[b] = "";
      }
    }
    for (let b = 0; b < BUCKETS; b++) await (buckets[b] as Awaited<ReturnType<typeof open>>).write(pending[b] as string);
  } finally {
    for (const handle of buckets) await handle.close();
  }
  const out = await open(`${path}.partial`, "w");
  try {
    for (let b = 0; b < BUCKETS; b++) {
      const bucket = `${path}.bucket-${b}`;
      const lines = (await Bun.file(bucket).text()).split("\n").filter(Boolean);
      for (let i = lines.length - 1; i > 0; i--) {
        const j = Math.floor(pick() * (i + 1));
        [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
      }
      await out.write(`${lines.join("\n")}\n`);
      await unlink(bucket);
    }
  } finally {
    await out.close();
  }
  await rename(`${path}.partial`, path);
  return path;
}
