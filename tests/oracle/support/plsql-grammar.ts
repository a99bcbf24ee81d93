import { type ANTLRErrorListener, antlr4tsSQL, BailErrorStrategy, type Parser, PredictionMode, SQLDialect } from "antlr4ts-sql";

const plsql = new antlr4tsSQL(SQLDialect.PLSQL);

const bail: ANTLRErrorListener<unknown> = {
  syntaxError: (_recognizer, _symbol, line, column, message) => {
    throw new Error(`${line}:${column} ${message}`);
  },
};

function parse(sql: string, mode: PredictionMode, listener: ANTLRErrorListener<unknown>): Parser {
  const parser = plsql.getParser(plsql.getTokens(sql, [listener]), [listener]);
  parser.interpreter.setPredictionMode(mode);
  if (listener === bail) parser.errorHandler = new BailErrorStrategy();
  plsql.getParseTree(parser);
  return parser;
}

/** The syntax errors Oracle's PL/SQL grammar (antlr4ts-sql) finds in `sql`; [] when it parses.
 * ANTLR's two-stage strategy: the fast SLL mode first; only if it bails, full LL with every error
 * reported, which is exact (SLL never accepts what LL rejects). */
export function plsqlSyntaxErrors(sql: string): string[] {
  try {
    parse(sql, PredictionMode.SLL, bail);
    return [];
  } catch {
    const errors: string[] = [];
    parse(sql, PredictionMode.LL, {
      syntaxError: (_recognizer, _symbol, line, column, message) => {
        errors.push(`${line}:${column} ${message.slice(0, 160)}`);
      },
    });
    return errors;
  }
}

/** Constructs of other dialects that Oracle would reject or misread. */
export function foreignConstructs(sql: string): string[] {
  const found: string[] = [];
  if (/\bLIMIT\b/i.test(sql)) found.push("LIMIT");
  if (/\$\d/.test(sql)) found.push("$n bind");
  if (/\bON\s+CONFLICT\b/i.test(sql)) found.push("ON CONFLICT");
  return found;
}
