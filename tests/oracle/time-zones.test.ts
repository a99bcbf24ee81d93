import { expect, test } from "bun:test";
import { join } from "node:path";

const CONTRACT = join(import.meta.dir, "sqlite-contract.test.ts");

// Local wall-clock text and UTC instants must not move with the service's zone. The zone is read
// when a process starts, so the contract runs again in child processes started in each zone.
test.each([
  ["UTC", 0],
  ["America/Los_Angeles", 480],
])(
  "the Oracle store's contract holds with TZ=%s",
  async (zone, januaryOffset) => {
    const child = Bun.spawn([process.execPath, "test", CONTRACT], {
      env: { ...process.env, TZ: zone, EXPECT_TZ_OFFSET_MINUTES: String(januaryOffset) },
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => child.kill(), 60_000);
    const [code, output] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    clearTimeout(timer);
    expect(output).toContain("the process runs in the zone asked for");
    // Every contract case ran (twice: two table layouts), none was skipped.
    expect(Number(/\b(\d+) pass\b/.exec(output)?.[1])).toBeGreaterThan(20);
    expect(output).not.toMatch(/\b[1-9]\d* skip\b/);
    expect(output).toMatch(/\b0 fail\b/);
    expect(code).toBe(0);
  },
  70_000,
);
