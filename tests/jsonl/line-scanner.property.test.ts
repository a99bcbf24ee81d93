import { expect, test } from "bun:test";
import fc from "fast-check";
import { FIELD_NAMES } from "../../src/domain/pipeline-info.ts";
import { scanRunKeys } from "../../src/domain/run-line-scanner.ts";
import { decodeLineKeys, decodeLineKeysInFull } from "../../src/repository/jsonl/record-codec.ts";
import { generateRun, prng } from "../bench/generate.ts";

/** Values a field can hold in a line, from the usual to the odd. */
const dateText = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.date({ min: new Date("1000-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true }).chain((d) => {
      const iso = d.toISOString();
      return fc.constantFrom(
        `${iso.slice(0, 19)}Z`,
        iso.slice(0, 19),
        iso.slice(0, 19).replace("T", " "),
        `${iso.slice(0, 19)}+00:00`,
        `${iso.slice(0, 19)}z`,
        `${iso.slice(0, 19)}-07:30`,
        iso,
        `${iso.slice(0, 23)}456Z`,
        ` ${iso.slice(0, 19)}Z`,
      );
    }),
  },
  fc.constantFrom(
    "2025-02-30T00:00:00Z",
    "2024-02-29 23:59:59",
    "2023-02-29 23:59:59",
    "2025-13-01 00:00:00",
    "2025-01-01T24:00:00",
    "0999-01-01T00:00:00Z",
    "2025-01-01",
    "x",
    "",
  ),
  fc.string({ maxLength: 25 }),
);
const numberValue = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 3_600_000 }).map((ms) => ms / 1000) },
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e21, 123456789012345, 1234567890123456, 2 ** 53, 2 ** 60, 0.1, 1e-7, "1.5", "abc", null, true),
);
const integerValue = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) },
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(-0, 1.5, 2 ** 53, 2 ** 60, 999999999999999, 1e15, "42", "4.0", "x", null, true),
);
const textValue = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 40 }) },
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom('a"b', "a\\b", "tab\there", "new\nline", "\u0001", "ü✓", "/apps/pipeline/x/y.data", "/logs/name-1.log", "null", "", null, 5),
);
const labelValue = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 20 }) },
  textValue,
  fc.constant(null),
  fc.constant(undefined),
);

const fieldValue: Record<string, fc.Arbitrary<unknown>> = {
  start_local: dateText,
  end_local: dateText,
  start_utc: dateText,
  end_utc: dateText,
  elapsed_seconds: numberValue,
  elapsed_human: textValue,
  output_file: textValue,
  rowcount: integerValue,
  log_file: textValue,
  pid: integerValue,
  date_code: textValue,
  pipeline_name: labelValue,
  script_name: labelValue,
  pipeline_type: labelValue,
  environment: labelValue,
};

/** A run as the benchmark generates it: the common case the scanner must read. */
const usualRun = fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((seed) => generateRun(seed % 1000, 1000, prng(seed)) as Record<string, unknown>);

/** A record with some fields replaced by odd values, some dropped, some added. */
const oddRecord = fc
  .tuple(
    usualRun,
    fc.dictionary(fc.constantFrom(...FIELD_NAMES), fc.constant(true), { minKeys: 1, maxKeys: 3 }),
    fc.array(fc.constantFrom(...FIELD_NAMES), { maxLength: 2 }),
  )
  .chain(([run, replaced, dropped]) => {
    const names = Object.keys(replaced);
    return fc.tuple(...names.map((name) => fieldValue[name] as fc.Arbitrary<unknown>)).map((values) => {
      const out: Record<string, unknown> = { ...run };
      names.forEach((name, i) => {
        out[name] = values[i];
      });
      for (const name of dropped) delete out[name];
      return out;
    });
  });

/** Text edits that keep a line's meaning or break it: whitespace, key order, escapes, number forms, duplicates, extra keys. */
function reshape(record: Record<string, unknown>, how: number, random: () => number): string {
  const canonical = JSON.stringify(record);
  const entries = Object.entries(record);
  switch (how) {
    case 0:
      return canonical;
    case 1: // another key order
      return JSON.stringify(Object.fromEntries([...entries].sort(() => random() - 0.5)));
    case 2: // spaces between tokens
      return JSON.stringify(record, null, random() < 0.5 ? 1 : 0).replaceAll("\n", " ");
    case 3: // a string written with escapes
      return canonical.replace(
        /"([a-z_]+)":"([^"\\]*)"/,
        (_, k, v) => `"${k}":"${[...v].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"`,
      );
    case 4: // a number in another form
      return canonical.replace(
        /"(elapsed_seconds|rowcount|pid)":(-?\d+)(\.\d+)?/,
        (_, k, i, f) =>
          [
            `"${k}":${i}${f ?? ""}e0`,
            `"${k}":${i}${f ?? ".0"}`,
            `"${k}":0${i}${f ?? ""}`,
            `"${k}":${i}${f ?? ""}E+1`,
            `"${k}":-${i}${f ?? ""}`,
            `"${k}":${i}.`,
            `"${k}":+${i}`,
          ][Math.floor(random() * 7)] as string,
      );
    case 5: // a duplicate key, last one wins
      return `${canonical.slice(0, -1)},"${entries[Math.floor(random() * entries.length)]?.[0] ?? "pid"}":${JSON.stringify(entries[Math.floor(random() * entries.length)]?.[1] ?? 1)}}`;
    case 6: // an extra key
      return `${canonical.slice(0, -1)},"extra":1}`;
    case 7: // whitespace or a CR around the record
      return [` ${canonical}`, `${canonical} `, `${canonical}\r`, `\t${canonical}`][Math.floor(random() * 4)] as string;
    default:
      return canonical;
  }
}

/** Random character edits of a line: most make it invalid, some keep it valid but unusual. */
function mutate(line: string, edits: Array<[number, number, string]>): string {
  let out = line;
  for (const [where, kind, char] of edits) {
    const at = Math.floor(where * (out.length + 1));
    if (kind === 0) out = out.slice(0, at) + out.slice(at + 1);
    else if (kind === 1) out = out.slice(0, at) + char + out.slice(at);
    else out = out.slice(0, at) + char + out.slice(at + 1);
  }
  return out;
}

const edit = fc.tuple(
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.integer({ min: 0, max: 2 }),
  fc.constantFrom('"', "\\", ",", ":", "}", "{", " ", "0", "9", ".", "-", "e", "n", "\t", "\u0000", "ü", "a"),
);

const line = fc.oneof(
  { weight: 4, arbitrary: usualRun.map((run) => JSON.stringify(run)) },
  { weight: 4, arbitrary: fc.tuple(oddRecord, fc.integer({ min: 0, max: 7 }), fc.integer()).map(([r, how, seed]) => reshape(r, how, prng(seed))) },
  { weight: 3, arbitrary: fc.tuple(usualRun, fc.integer({ min: 0, max: 7 }), fc.integer()).map(([r, how, seed]) => reshape(r, how, prng(seed))) },
  { weight: 4, arbitrary: fc.tuple(usualRun, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([r, edits]) => mutate(JSON.stringify(r), edits)) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "{}", "[]", "null", "1", '"x"', "{not json") },
);

test("decoding a line through the scanner gives what JSON.parse and decodeRunKeys give, for every line", () => {
  let scanned = 0;
  let declined = 0;
  fc.assert(
    fc.property(line, fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (text, before, after) => {
      const reference = decodeLineKeysInFull(text);
      expect(decodeLineKeys(text)).toEqual(reference);
      // Read in place inside a longer text, as the build does, the same line gives the same keys.
      const around = `${before}\n${text}\n${after}`;
      const inPlace = scanRunKeys(around, before.length + 1, before.length + 1 + text.length);
      if (inPlace) {
        scanned++;
        expect(reference).toEqual({ kind: "run", keys: inPlace });
      } else declined++;
    }),
    { numRuns: 20_000 },
  );
  // Both paths must have been exercised, the scanner on most usual lines.
  expect(scanned).toBeGreaterThan(5_000);
  expect(declined).toBeGreaterThan(5_000);
});

test("the lines the service writes are read by the scanner", () => {
  const random = prng(7);
  for (let i = 0; i < 2_000; i++) {
    const text = JSON.stringify(generateRun(i, 2_000, random));
    expect(scanRunKeys(text, 0, text.length)).toBeDefined();
  }
});
