import { z } from "@hono/zod-openapi";
import { SAMPLE_RUN } from "../../domain/pipeline-info.ts";
import { PipelineInfoSchema } from "./run.ts";

/** One page of runs as GET /get_pipeline_info answers it. */
export const PipelineInfoResponseSchema = z
  .object({
    total: z.int().nullable().openapi({ description: "All runs matching the filters (null with include_total=false)", example: 1 }),
    count: z.int().openapi({ description: "Runs in this response", example: 1 }),
    results: z.array(PipelineInfoSchema),
    pipelines: z.array(z.string()).openapi({ description: "Distinct pipeline names in results, sorted", example: [SAMPLE_RUN.pipeline_name as string] }),
    next_cursor: z.string().nullable().optional().openapi({
      description: "Pass as cursor for the next page; null on the last page; absent with all_data=true (every match is in the one answer)",
      example: null,
    }),
  })
  .openapi("PipelineInfoResponse");
