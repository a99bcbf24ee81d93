/**
 * Oracle identifiers that configuration writes into SQL text (ORACLE_TABLE, ORACLE_COLUMN_MAP).
 * Values always travel as bind variables; names cannot, so these rules are the injection guard
 * for names: a letter, then letters, digits, _ $ #, at most 128 characters; or a double-quoted
 * name of 1-128 characters without quotes or NUL inside.
 */
const PART = '(?:[A-Za-z][A-Za-z0-9_$#]{0,127}|"[^"\\u0000]{1,128}")';
const IDENTIFIER = new RegExp(`^${PART}$`);
const TABLE_NAME = new RegExp(`^(${PART})(?:\\.(${PART}))?$`);

export const IDENTIFIER_RULE = 'a letter, then letters, digits, _ $ #, at most 128 characters; or a "double-quoted" name without quotes or NUL inside';

/** Whether `name` is one identifier that may be written into SQL as it is. */
export function isOracleIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** Whether `name` is TABLE or SCHEMA.TABLE, each part an identifier. */
export function isOracleTableName(name: string): boolean {
  return TABLE_NAME.test(name);
}

/** The name as the data dictionary holds it: plain names upper-cased, quoted names verbatim.
 * Two identifiers name the same object exactly when their stored names are equal. */
export function storedName(identifier: string): string {
  return identifier.startsWith('"') ? identifier.slice(1, -1) : identifier.toUpperCase();
}
