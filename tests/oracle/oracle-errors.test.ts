import { expect, test } from "bun:test";
import { ConflictError, StoreUnavailableError, ValueTooLargeError } from "../../src/errors.ts";
import { tableLayout } from "../../src/repository/oracle/columns.ts";
import { healthReason, translateDriverError } from "../../src/repository/oracle/oracle-errors.ts";
import { driverError } from "./support/oracle-errors.ts";

const layout = tableLayout("PIPELINE_RUNS", { rowcount: "ROW_COUNT" });
const kind = (error: unknown) => (error instanceof StoreUnavailableError ? `unavailable:${error.retryAfterSeconds}` : error?.constructor.name);

test.each([
  ["NJS-040", "connection request timeout", "unavailable:2"],
  ["NJS-500", "connection to Oracle Database was closed or broken", "unavailable:5"],
  ["NJS-503", "connection to host h port 1 could not be established", "unavailable:5"],
  ["NJS-510", "connection to host h port 1 timed out", "unavailable:5"],
  ["NJS-518", 'Service "X" is not registered with the listener', "unavailable:5"],
  ["NJS-521", "received end-of-file on communication channel", "unavailable:5"],
  ["NJS-123", "call timeout of 30000 ms exceeded", "unavailable:5"],
  ["ORA-12514", "listener does not currently know of service", "unavailable:5"],
  ["ORA-12541", "no listener", "unavailable:5"],
  ["ORA-03113", "end-of-file on communication channel", "unavailable:5"],
  ["ORA-01017", "invalid credential or not authorized; logon denied", "unavailable:5"],
  ["ORA-01033", "ORACLE initialization or shutdown in progress", "unavailable:5"],
  ["ORA-12899", 'value too large for column "S"."PIPELINE_RUNS"."ROW_COUNT" (actual: 9, maximum: 5)', "ValueTooLargeError"],
  ["ORA-01438", "value larger than specified precision allowed for this column", "ValueTooLargeError"],
  ["ORA-00001", "unique constraint (S.PK) violated", "ConflictError"],
  ["ORA-02290", "check constraint (S.CK) violated", "ConflictError"],
  ["ORA-01882", "timezone region not found", "InvalidInputError"],
  ["ORA-00942", "table or view does not exist", "Error"],
  ["ORA-00904", '"X": invalid identifier', "Error"],
  ["NJS-098", "3 positional bind values are required", "Error"],
])("%s -> %s", (code, detail, expected) => {
  expect(kind(translateDriverError(driverError(code, detail), layout))).toBe(expected);
});

test("a value too large names the field mapped to the column", () => {
  const error = translateDriverError(driverError("ORA-12899", 'value too large for column "S"."PIPELINE_RUNS"."ROW_COUNT" (actual: 9, maximum: 5)'), layout);
  expect(error).toBeInstanceOf(ValueTooLargeError);
  expect((error as ValueTooLargeError).field).toBe("rowcount");
});

test("a unique constraint names no field it cannot know", () => {
  const error = translateDriverError(driverError("ORA-00001", 'unique constraint ("S"."PIPELINE_RUNS_PK") violated'), layout);
  expect(error).toBeInstanceOf(ConflictError);
  expect((error as ConflictError).field).toBeUndefined();
});

test("errors that are not the driver's pass through untouched", () => {
  const plain = new TypeError("bug");
  expect(translateDriverError(plain, layout)).toBe(plain);
});

test("health reasons keep the first line, drop connection ids and never show the password", () => {
  const error = new Error("NJS-503: connection to host h port 1 could not be established. (CONNECTION_ID=x1==)\nconnect ECONNREFUSED hunter2");
  expect(healthReason(error, "hunter2")).toBe("NJS-503: connection to host h port 1 could not be established.");
  expect(healthReason(new Error("login as scott/hunter2 failed"), "hunter2")).toBe("login as scott/*** failed");
});
