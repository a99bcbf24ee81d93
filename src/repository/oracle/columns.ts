import { FIELD_NAMES } from "../../domain/pipeline-info.ts";
import { IDENTIFIER_RULE, isOracleIdentifier, isOracleTableName, storedName } from "./identifiers.ts";

/** The columns the store uses: every field of a run, and the identity that orders equal starts. */
export const COLUMN_FIELDS = ["id", ...FIELD_NAMES] as const;

export type ColumnField = (typeof COLUMN_FIELDS)[number];
/** ORACLE_COLUMN_MAP after validation: field -> column identifier, for the fields it renames. */
export type ColumnMap = Partial<Record<ColumnField, string>>;

const isField = (key: string): key is ColumnField => (COLUMN_FIELDS as readonly string[]).includes(key);

/** Every problem with a parsed ORACLE_COLUMN_MAP object, one message per bad entry. */
export function columnMapProblems(map: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [field, column] of Object.entries(map)) {
    if (!isField(field)) {
      problems.push(`unknown field ${JSON.stringify(field)} (fields: ${COLUMN_FIELDS.join(", ")})`);
    } else if (typeof column !== "string" || !isOracleIdentifier(column)) {
      problems.push(`${JSON.stringify(field)}: ${JSON.stringify(column)} is not an Oracle column name (${IDENTIFIER_RULE})`);
    }
  }
  if (problems.length > 0) return problems;
  const owner = new Map<string, string>();
  for (const field of COLUMN_FIELDS) {
    const name = storedName((map[field] as string | undefined) ?? field);
    const other = owner.get(name);
    if (other) problems.push(`${JSON.stringify(other)} and ${JSON.stringify(field)} both use column ${name}`);
    owner.set(name, field);
  }
  return problems;
}

/** Where runs live: the table and each field's column, as SQL text, already validated. */
export interface TableLayout {
  readonly table: string;
  readonly columns: Readonly<Record<ColumnField, string>>;
  /** The field stored in a column named as Oracle reports it in errors (e.g. ORA-12899). */
  fieldOf(reportedColumn: string): ColumnField | undefined;
}

/** Resolves the table and column map; throws on a name that config validation would reject, so
 * no caller can bypass the injection guard. */
export function tableLayout(table: string, map: ColumnMap = {}): TableLayout {
  if (!isOracleTableName(table)) throw new Error(`ORACLE_TABLE: not a table name (${IDENTIFIER_RULE})`);
  const problems = columnMapProblems(map);
  if (problems.length > 0) throw new Error(`ORACLE_COLUMN_MAP: ${problems.join("; ")}`);
  const columns = Object.fromEntries(COLUMN_FIELDS.map((field) => [field, map[field] ?? field.toUpperCase()])) as Record<ColumnField, string>;
  const byStoredName = new Map(COLUMN_FIELDS.map((field) => [storedName(columns[field]), field]));
  return { table, columns, fieldOf: (reported) => byStoredName.get(reported) };
}
