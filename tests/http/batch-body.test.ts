import { describe, expect, test } from "bun:test";
import { SAMPLE_RUN } from "../../src/domain/pipeline-info.ts";
import { batchFormat, batchReport, conflictErrors, outcomeResult, parseNdjson } from "../../src/http/batch-body.ts";

describe("batchFormat", () => {
  test("names the format of the content types a batch may come in", () => {
    expect(batchFormat("application/json")).toBe("json");
    expect(batchFormat("Application/JSON; charset=utf-8")).toBe("json");
    expect(batchFormat("application/x-ndjson")).toBe("ndjson");
    expect(batchFormat("application/ndjson;charset=utf-8")).toBe("ndjson");
  });

  test("refuses every other type", () => {
    for (const type of ["", "text/plain", "application/jsonl", "application/problem+json", "multipart/form-data"]) expect(batchFormat(type)).toBeNull();
  });
});

describe("parseNdjson", () => {
  test("reads one record per line and skips blank lines", () => {
    expect(parseNdjson('{"a":1}\n\n  \n{"b":2}\r\n')).toEqual({ records: [{ a: 1 }, { b: 2 }], unreadable: new Map() });
  });

  test("keeps the place of a line that is not JSON and says why", () => {
    const { records, unreadable } = parseNdjson('{"a":1}\nnot json\n{"c":3}');
    expect(records).toEqual([{ a: 1 }, undefined, { c: 3 }]);
    expect([...unreadable]).toEqual([[1, [{ location: "body", field: "(record)", message: "not valid JSON" }]]]);
  });
});

describe("the batch report", () => {
  test("a record's result follows the store's outcome", () => {
    expect(outcomeResult(3, { status: "created", run: SAMPLE_RUN })).toEqual({ index: 3, status: 201 });
    expect(outcomeResult(4, { status: "existing", run: SAMPLE_RUN })).toEqual({ index: 4, status: 200 });
    expect(outcomeResult(5, { status: "conflict", run: SAMPLE_RUN, fields: ["rowcount"] })).toEqual({
      index: 5,
      status: 409,
      errors: conflictErrors(["rowcount"]),
    });
  });

  test("lists results in input order and counts each kind", () => {
    const invalid = { index: 1, status: 422, errors: [{ location: "body" as const, field: "pid", message: "must be an integer" }] };
    const report = batchReport([
      { index: 2, status: 201 },
      { index: 0, status: 200 },
      outcomeResult(3, { status: "conflict", run: SAMPLE_RUN, fields: ["pid"] }),
      invalid,
    ]);
    expect(report.results.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(report).toMatchObject({ created: 1, existing: 1, conflicts: 1, invalid: 1 });
  });
});
