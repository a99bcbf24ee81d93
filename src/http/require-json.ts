import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
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

/** 413 as soon as a body passes `maxBytes`, by Content-Length or while streaming; the rest is
 * never read. A declared length is judged from the header alone (touching the body would make
 * the runtime build a stream for every request). */
export const limitBody = (maxBytes: number): MiddlewareHandler => {
  const tooLarge = () => problem(413, `Request body is larger than ${maxBytes} bytes`);
  const streamed = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async (c, next) => {
    const declared = c.req.header("content-length");
    if (declared !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number(declared) > maxBytes ? tooLarge() : next();
    }
    return streamed(c, next);
  };
};
