import { z } from "@hono/zod-openapi";
import { isTimeZone } from "../../domain/time-buckets.ts";
import { filterParams } from "./filter-query.ts";
import { blankToUndefined } from "./query-values.ts";

export const SummaryQuerySchema = z.object(filterParams);

export const HistoryQuerySchema = z.object({
  ...filterParams,
  bucket: z
    .preprocess(blankToUndefined, z.enum(["hour", "day", "week"], { error: () => "must be hour, day or week" }).default("day"))
    .openapi({ description: "Bucket size; weeks start on Monday (ISO)", default: "day" }),
  tz: z
    .preprocess(blankToUndefined, z.string().refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin or UTC").default("UTC"))
    .openapi({ description: "IANA time zone the buckets are cut in", example: "America/Los_Angeles", default: "UTC" }),
});
