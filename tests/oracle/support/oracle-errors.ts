/** An error shaped like node-oracledb's: `code` such as "ORA-12899" and the message it carries. */
export function driverError(code: string, detail: string): Error {
  const error = new Error(`${code}: ${detail}`) as Error & { code: string; errorNum?: number };
  error.code = code;
  if (code.startsWith("ORA-")) error.errorNum = Number(code.slice(4));
  return error;
}
