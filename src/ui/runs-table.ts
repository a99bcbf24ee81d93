import { h } from "./dom.ts";
import { count, duration, labelText, time } from "./format.ts";
import { showRun } from "./run-detail.ts";
import type { Run } from "./types.ts";

/** A table of runs; each start time is a button that opens the run's detail. */
export function runsTable(runs: readonly Run[], caption: string): HTMLElement {
  const head = ["Start", "Pipeline", "Script", "Type", "Env", "Duration", "Rows", "PID"];
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "grid runs" },
      h("caption", { class: "sr-only" }, caption),
      h("thead", {}, h("tr", {}, ...head.map((t, i) => h("th", { scope: "col", class: i >= 5 ? "num" : "" }, t)))),
      h(
        "tbody",
        {},
        runs.length
          ? runs.map((run) =>
              h(
                "tr",
                {},
                h(
                  "td",
                  {},
                  h("button", { type: "button", class: "link", title: "Show every field of this run", onclick: () => showRun(run) }, time(run.start_utc, true)),
                ),
                h("td", {}, labelText(run.pipeline_name)),
                h("td", {}, labelText(run.script_name)),
                h("td", {}, labelText(run.pipeline_type)),
                h("td", {}, labelText(run.environment)),
                h("td", { class: "num" }, duration(run.elapsed_seconds)),
                h("td", { class: "num" }, count(run.rowcount)),
                h("td", { class: "num" }, String(run.pid)),
              ),
            )
          : h("tr", {}, h("td", { colspan: head.length, class: "muted" }, "No run matches.")),
      ),
    ),
  );
}
