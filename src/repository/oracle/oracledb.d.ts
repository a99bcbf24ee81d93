// node-oracledb ships no type declarations; the store types the slice it uses in driver.ts.
declare module "oracledb" {
  const oracledb: unknown;
  export default oracledb;
}
