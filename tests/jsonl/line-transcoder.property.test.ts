import { expect, test } from "bun:test";
import fc from "fast-check";
import { commonFormMicros, isCommonForm } from "../../src/domain/datetime.ts";
import { FIELD_NAMES } from "../../src/domain/pipeline-info.ts";
import { NameCollector, transcodeLine } from "../../src/repository/jsonl/line-transcoder.ts";
import { decodeLine } from "../../src/repository/jsonl/record-codec.ts";
import { dateTimeForms } from "../support/date-forms.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What the all_data answer writes for a line today: the decoded run, encoded. */
const reference = (line: Uint8Array) => {
  const decoded = decodeLine(line);
  return decoded.kind === "run" ? JSON.stringify(decoded.run) : undefined;
};

/** Transcodes `text` and checks it against the reference; true when the copy path took it. */
function check(text: string): boolean {
  const line = encoder.encode(text);
  const out = new Uint8Array(line.length + 8).fill(0);
  const names = new NameCollector(new Set());
  const end = transcodeLine(line, out, 3, names);
  if (end < 0) return false;
  const expected = reference(line);
  expect(expected).toBeDefined();
  expect(decoder.decode(out.subarray(3, end))).toBe(expected as string);
  const decoded = decodeLine(line);
  if (decoded.kind === "run") expect([...names.names]).toEqual([decoded.run.pipeline_name as string]);
  return true;
}

const dateText = fc.oneof(
  {
    weight: 40,
    arbitrary: dateTimeForms("0900-01-01T00:00:00Z", (iso) => [iso.slice(0, 23)]),
  },
  fc.constantFrom(
    "2025-02-30T00:00:00Z",
    "2025-13-01 00:00:00",
    "2025-01-01T24:00:00",
    "2024-02-29 23:59:59",
    "2023-02-29 10:00:00",
    "0999-01-01T00:00:00Z",
    "2025-01-01t00:00:00Z",
    "x",
  ),
);
const instant = fc
  .date({ min: new Date("0900-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 19));
const localText = fc.oneof({ weight: 30, arbitrary: instant.chain((t) => fc.constantFrom(t, t.replace("T", " "))) }, dateText);
const utcText = fc.oneof({ weight: 30, arbitrary: instant.map((t) => `${t}Z`) }, dateText);
const numberText = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0, max: 10_000_000 }).map((n) => String(n / 1000)) },
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.integer().map(String),
  fc.constantFrom(
    "1.50",
    "1.0",
    "-0",
    "-0.0",
    "0",
    "0.000001",
    "0.0000001",
    "1e3",
    "1E-2",
    "123456789012345",
    "1234567890123456",
    "9007199254740993",
    "8543.0",
    "-12.5",
    "0.1",
    "00",
    '"42"',
    "1e999",
  ),
);
const integerText = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: -1, max: 2 ** 40 }).map(String) }, numberText);
const plain = fc.string({ unit: fc.constantFrom(..."abc/_-. 0:xyz"), maxLength: 20 });
const stringText = fc.oneof(
  { weight: 40, arbitrary: plain.map((s) => JSON.stringify(s)) },
  fc.string().map((s) => JSON.stringify(s)),
  fc.constantFrom('"a\\u0041b"', '"tab\\t"', '"caf\u00e9"', '"\\/x"', '"emoji \ud83d\ude00"', '"\\ud800"', '"q\\""'),
);
const labelText = fc.oneof({ weight: 12, arbitrary: stringText }, fc.constant("null"));

const fields = fc.record({
  start_local: localText.map((t) => JSON.stringify(t)),
  end_local: localText.map((t) => JSON.stringify(t)),
  start_utc: utcText.map((t) => JSON.stringify(t)),
  end_utc: utcText.map((t) => JSON.stringify(t)),
  elapsed_seconds: numberText,
  elapsed_human: stringText,
  output_file: stringText,
  rowcount: integerText,
  log_file: stringText,
  pid: integerText,
  date_code: stringText,
  pipeline_name: labelText,
  script_name: labelText,
  pipeline_type: labelText,
  environment: labelText,
});

/** A line from field texts, in field order or not, compact or with the Python separators. */
const rarely = fc.integer({ min: 0, max: 7 }).map((n) => n === 0);
const line = fc
  .record({ values: fields, python: rarely, shuffle: rarely, drop: fc.option(fc.constantFrom(...FIELD_NAMES), { nil: undefined, freq: 8 }) })
  .map(({ values, python, shuffle, drop }) => {
    const keys = FIELD_NAMES.filter((k) => k !== drop);
    if (shuffle) keys.reverse();
    const parts = keys.map((k) => `"${k}":${python ? " " : ""}${values[k]}`);
    return `{${parts.join(python ? ", " : ",")}}`;
  });

test("a copied line is byte for byte what decoding and encoding it gives", () => {
  let copied = 0;
  fc.assert(
    fc.property(line, (text) => {
      if (check(text)) copied++;
    }),
    { numRuns: 4000 },
  );
  // The property is only worth something if the copy path is taken often.
  expect(copied).toBeGreaterThan(50);
});

const canonical = {
  start_local: "2025-02-03 05:02:27",
  end_local: "2025-02-03T05:39:16",
  start_utc: "2025-02-03T12:02:27Z",
  end_utc: "2025-02-03T12:39:16Z",
  elapsed_seconds: 2208.256,
  elapsed_human: "36m 48s",
  output_file: "/apps/data/pipeline/pipeline_05/output-20250203_547256.data",
  rowcount: 811828,
  log_file: "/apps/data/pipeline/logs/pipeline_05-20250203_547256.log",
  pid: 22702,
  date_code: "2025-02-03_2025-02-03",
  pipeline_name: "pipeline_05",
  script_name: null,
  pipeline_type: "stream",
  environment: "qa",
};

test("the lines this service and the benchmark write are copied; other shapes go to the decoder", () => {
  expect(check(JSON.stringify(canonical))).toBe(true);
  expect(check(JSON.stringify({ ...canonical, elapsed_seconds: 0, rowcount: 0 }))).toBe(true);
  for (const other of [
    JSON.stringify(canonical, null, 1),
    JSON.stringify({ ...canonical, pipeline_name: null }),
    JSON.stringify({ ...canonical, start_utc: "2025-02-03T12:02:27+00:00" }),
    JSON.stringify({ ...canonical, elapsed_human: "caf\u00e9" }),
    JSON.stringify({ ...canonical, elapsed_seconds: 1e21 }),
    `${JSON.stringify(canonical)} `,
    JSON.stringify(canonical).replace('"rowcount":811828', '"rowcount":811828.0'),
    JSON.stringify(canonical).replace('"pid":22702', '"pid":"22702"'),
  ]) {
    expect(check(other)).toBe(false);
    expect(reference(encoder.encode(other))).toBeDefined();
  }
});

test("isCommonForm accepts exactly the texts commonFormMicros reads", () => {
  const text = fc.oneof(
    dateText,
    fc.string({ unit: fc.constantFrom(..."0123456789-: TZ+"), minLength: 19, maxLength: 25 }),
    dateText.chain((t) => fc.nat({ max: t.length }).map((i) => `${t.slice(0, i)}9${t.slice(i + 1)}`)),
  );
  fc.assert(
    fc.property(text, (t) => {
      const bytes = encoder.encode(`"${t}"`);
      expect(isCommonForm(bytes, 1, bytes.length - 2)).toBe(!Number.isNaN(commonFormMicros(t)));
    }),
    { numRuns: 5000 },
  );
});
