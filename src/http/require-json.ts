import type { MiddlewareHandler } from "hono";
import { problem } from "./problem.ts";

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\s*(;|$)/i;

/** 415 unless the request says its body is JSON. */
export const requireJson: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!JSON_TYPE.test(type)) {
    return problem(415, `Content-Type must be application/json, got '${type.slice(0, 100) || "none"}'`);
  }
  await next();
};
