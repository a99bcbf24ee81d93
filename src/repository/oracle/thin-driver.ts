import oracledb from "oracledb";
import type { OracleDriver } from "./driver.ts";

/**
 * The real driver, in Thin mode: pure JavaScript speaking Oracle Net, no Instant Client. Thin is
 * node-oracledb's default; nothing here may call initOracleClient(), which would switch the
 * process to Thick mode for good.
 */
export const thinDriver = oracledb as OracleDriver;
