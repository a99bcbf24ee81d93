/** The service version; tests/http/service.test.ts keeps it equal to package.json's. */
export const VERSION = "1.0.0";
