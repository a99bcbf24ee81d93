import type { InferResponseType } from "hono/client";
import type { api } from "./api.ts";

/** Response types straight from the API's route definitions, so the page cannot drift from it. */
export type Pipeline = InferResponseType<typeof api.pipelines.$get, 200>["pipelines"][number];
export type RunsPage = Extract<InferResponseType<typeof api.get_pipeline_info.$get, 200>, { results: unknown }>;
export type Run = RunsPage["results"][number];
export type History = InferResponseType<(typeof api.pipelines.history)["$get"], 200>;

export const LABELS = ["pipeline_name", "script_name", "pipeline_type", "environment"] as const;
export type Label = (typeof LABELS)[number];

/** The page URL of one pipeline (its four labels; null labels are left out). */
export function pipelineHref(p: Pick<Pipeline, Label>): string {
  const params = new URLSearchParams();
  for (const label of LABELS) if (p[label] !== null) params.set(label, p[label] as string);
  return `/ui/pipeline?${params}`;
}
