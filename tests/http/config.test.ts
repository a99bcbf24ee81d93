import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig, retentionRules, unknownVariables } from "../../src/config.ts";

describe("loadConfig", () => {
  test("defaults: jsonl store at pipeline_data.jsonl on 0.0.0.0:8000", () => {
    expect(loadConfig({})).toMatchObject({
      PIPELINE_BACKEND: "jsonl",
      PIPELINE_JSONL_PATH: "pipeline_data.jsonl",
      HOST: "0.0.0.0",
      PORT: 8000,
      LOG_LEVEL: "info",
      PIPELINE_JSONL_FSYNC: "always",
    });
  });

  test("empty variables count as unset", () => {
    expect(loadConfig({ PORT: "", PIPELINE_BACKEND: "" })).toMatchObject({ PORT: 8000, PIPELINE_BACKEND: "jsonl" });
  });

  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: "abc" }, /PORT: must be a whole number from 1 to 65535 \(got "abc"\)/],
    [{ PORT: "70000" }, /PORT: /],
    [{ PIPELINE_BACKEND: "postgres" }, /PIPELINE_BACKEND: must be one of: jsonl, oracle, memory/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL: must be one of: debug, info, warn, error, silent/],
    [{ PIPELINE_JSONL_FSYNC: "sometimes" }, /PIPELINE_JSONL_FSYNC: must be one of: always, interval, never/],
    [{ PIPELINE_BACKEND: "oracle" }, /ORACLE_DSN: .*ORACLE_USER: .*ORACLE_PASSWORD: /],
    [{ PIPELINE_BACKEND: "oracle", ORACLE_DSN: "db:1521/x", ORACLE_USER: "u" }, /^invalid configuration: ORACLE_PASSWORD: is required/],
    [{ PIPELINE_RETENTION_DAYS: "0" }, /PIPELINE_RETENTION_DAYS: must be > 0/],
    [{ PIPELINE_RETENTION_RULES: "env=dev:7" }, /PIPELINE_RETENTION_RULES: must be LABEL=VALUE:DAYS.*environment=dev:7/],
    [{ PIPELINE_RETENTION_RULES: "environment=dev:0" }, /PIPELINE_RETENTION_RULES: /],
    [{ PIPELINE_RETENTION_RULES: "environment=dev" }, /PIPELINE_RETENTION_RULES: /],
    [{ PIPELINE_JSONL_ARCHIVE_DELETED: "maybe" }, /PIPELINE_JSONL_ARCHIVE_DELETED: must be true or false/],
  ];
  for (const [env, message] of bad) {
    test(`rejects ${JSON.stringify(env)} naming the variable`, () => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    });
  }

  test("retention is off by default; a global period and per-label periods combine", () => {
    expect(retentionRules(loadConfig({}))).toEqual([]);
    const config = loadConfig({ PIPELINE_RETENTION_DAYS: "90", PIPELINE_RETENTION_RULES: "environment=dev:7, pipeline_type=test run:3" });
    expect(retentionRules(config)).toEqual([
      { days: 90 },
      { days: 7, label: { name: "environment", value: "dev" } },
      { days: 3, label: { name: "pipeline_type", value: "test run" } },
    ]);
    expect(config.PIPELINE_RETENTION_INTERVAL_MINUTES).toBe(60);
  });

  test("operations settings parse: keys, read auth, CORS origins, limits", () => {
    expect(
      loadConfig({
        PIPELINE_API_KEYS: " a-key , other-key ,",
        PIPELINE_READ_AUTH: "true",
        PIPELINE_CORS_ORIGINS: "https://dash.example.com, http://localhost:3000",
        PIPELINE_RATE_LIMIT: "50",
        PIPELINE_SHUTDOWN_TIMEOUT_MS: "2500",
      }),
    ).toMatchObject({
      PIPELINE_API_KEYS: ["a-key", "other-key"],
      PIPELINE_READ_AUTH: true,
      PIPELINE_CORS_ORIGINS: ["https://dash.example.com", "http://localhost:3000"],
      PIPELINE_RATE_LIMIT: 50,
      PIPELINE_SHUTDOWN_TIMEOUT_MS: 2500,
      PIPELINE_REQUEST_TIMEOUT_MS: 30000,
    });
    expect(loadConfig({ PIPELINE_CORS_ORIGINS: "*" }).PIPELINE_CORS_ORIGINS).toEqual(["*"]);
    expect(loadConfig({})).toMatchObject({
      PIPELINE_READ_AUTH: false,
      PIPELINE_SHUTDOWN_TIMEOUT_MS: 10000,
      PIPELINE_MAX_BATCH: 10000,
      PIPELINE_ROWCOUNT_DROP_FRACTION: 0.5,
    });
    expect(loadConfig({ PIPELINE_ROWCOUNT_DROP_FRACTION: "0.25" }).PIPELINE_ROWCOUNT_DROP_FRACTION).toBe(0.25);
    expect(loadConfig({}).PIPELINE_LATE_FACTOR).toBe(2);
    expect(loadConfig({ PIPELINE_LATE_FACTOR: "3.5" }).PIPELINE_LATE_FACTOR).toBe(3.5);
  });

  for (const [env, message] of [
    [{ PIPELINE_READ_AUTH: "maybe" }, /PIPELINE_READ_AUTH: must be true or false/],
    [{ PIPELINE_CORS_ORIGINS: "dash.example.com/path" }, /PIPELINE_CORS_ORIGINS: must be "\*" or comma-separated origins/],
    [{ PIPELINE_RATE_LIMIT: "-3" }, /PIPELINE_RATE_LIMIT: /],
    [{ PIPELINE_SHUTDOWN_TIMEOUT_MS: "soon" }, /PIPELINE_SHUTDOWN_TIMEOUT_MS: /],
    [{ PIPELINE_ROWCOUNT_DROP_FRACTION: "1.5" }, /PIPELINE_ROWCOUNT_DROP_FRACTION: must be a fraction from 0 to 1/],
    [{ PIPELINE_LATE_FACTOR: "0.5" }, /PIPELINE_LATE_FACTOR: must be at least 1/],
    [{ PIPELINE_LATE_FACTOR: "two" }, /PIPELINE_LATE_FACTOR: must be a number/],
    [{ PIPELINE_MAX_BATCH: "0" }, /PIPELINE_MAX_BATCH: /],
  ] as Array<[Record<string, string>, RegExp]>) {
    test(`rejects ${JSON.stringify(env)}`, () => {
      expect(() => loadConfig(env)).toThrow(message);
    });
  }

  test("never echoes an API key", () => {
    try {
      loadConfig({ PIPELINE_API_KEYS: "secret-key-123", PORT: "x" });
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect(String(error)).not.toContain("secret-key-123");
    }
  });

  test("never echoes a password", () => {
    try {
      loadConfig({ PIPELINE_BACKEND: "oracle", ORACLE_DSN: "", ORACLE_USER: "u", ORACLE_PASSWORD: "hunter2", PORT: "x" });
    } catch (error) {
      expect(String(error)).not.toContain("hunter2");
    }
  });

  for (const host of ["localhost:8000", "http://localhost", "0.0.0.0:80", "my host", "-bad.example"]) {
    test(`HOST ${JSON.stringify(host)} is refused naming HOST`, () => {
      expect(() => loadConfig({ HOST: host })).toThrow(/HOST: must be a host name or IP address/);
    });
  }

  test("HOST takes names, IPv4 and IPv6 addresses", () => {
    for (const host of ["localhost", "0.0.0.0", "127.0.0.1", "::", "::1", "fe80::1", "svc.internal.example.com"])
      expect(loadConfig({ HOST: host }).HOST).toBe(host);
  });
});

describe("unknownVariables", () => {
  test("names PIPELINE_* and ORACLE_* variables nobody reads, each with the nearest known name", () => {
    expect(
      unknownVariables({
        PIPELINE_JSONL_FILE: "a",
        PIPELINE_PORT: "1",
        ORACLE_USERNAME: "u",
        PIPELINE_API_KEY: "k",
        PIPELINE_BACKEND: "jsonl",
        PORT: "1",
        HOME: "/",
      }),
    ).toEqual([
      { name: "ORACLE_USERNAME", nearest: "ORACLE_USER" },
      { name: "PIPELINE_API_KEY", nearest: "PIPELINE_API_KEYS" },
      { name: "PIPELINE_JSONL_FILE", nearest: "PIPELINE_JSONL_PATH" },
      { name: "PIPELINE_PORT", nearest: "PORT" },
    ]);
  });

  test("leaves alone the Oracle client's own variables", () => {
    expect(unknownVariables({ ORACLE_HOME: "/u01", ORACLE_SID: "FREE", ORACLE_BASE: "/u01", ORACLE_TEST_DSN: "x" })).toEqual([]);
  });
});
