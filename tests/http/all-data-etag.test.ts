import { expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { makeRun } from "../support/runs.ts";

test("all_data answers carry an ETag; If-None-Match gives 304 until the runs change", async () => {
  const { app, repository } = testApp();
  await repository.insertRuns([makeRun({ date_code: "a", pid: 1 }), makeRun({ date_code: "b", pid: 2, environment: "dev" })]);
  const poll = "/get_pipeline_info?all_data=true";
  const first = await app.request(poll);
  expect(first.status).toBe(200);
  const tag = first.headers.get("etag") as string;
  expect(tag).toStartWith('W/"');
  expect(first.headers.get("cache-control")).toBe("no-cache");
  expect((await first.json()).total).toBe(2);

  const again = await app.request(poll, { headers: { "if-none-match": tag } });
  expect(again.status).toBe(304);
  expect(await again.text()).toBe("");
  expect(again.headers.get("etag")).toBe(tag);
  // Tag lists and the weak/strong forms match as RFC 9110 says.
  expect((await app.request(poll, { headers: { "if-none-match": `"other", ${tag.slice(2)}` } })).status).toBe(304);

  // Another filter, order or format is another answer, with a tag of its own.
  const tags = new Set([tag]);
  for (const other of [`${poll}&environment=dev`, `${poll}&order_by=rowcount`, `${poll}&format=ndjson`, `${poll}&format=csv`]) {
    const res = await app.request(other, { headers: { "if-none-match": tag } });
    expect(res.status).toBe(200);
    tags.add(res.headers.get("etag") as string);
    await res.arrayBuffer();
  }
  expect(tags.size).toBe(5);

  await repository.insertRuns([makeRun({ date_code: "c", pid: 3 })]);
  const changed = await app.request(poll, { headers: { "if-none-match": tag } });
  expect(changed.status).toBe(200);
  expect(changed.headers.get("etag")).not.toBe(tag);
  expect((await changed.json()).total).toBe(3);

  const afterDelete = await app.request(poll, { headers: { "if-none-match": changed.headers.get("etag") as string } });
  expect(afterDelete.status).toBe(304);
  await repository.deleteRuns({ labels: { environment: ["dev"] } });
  expect((await app.request(poll, { headers: { "if-none-match": changed.headers.get("etag") as string } })).status).toBe(200);
});
