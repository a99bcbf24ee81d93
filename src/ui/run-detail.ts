import { h } from "./dom.ts";
import { count, duration, time } from "./format.ts";
import type { Run } from "./types.ts";

const FIELDS: Array<[keyof Run, string, (run: Run) => string]> = [
  ["pipeline_name", "Pipeline", (r) => r.pipeline_name ?? "(none)"],
  ["script_name", "Script", (r) => r.script_name ?? "(none)"],
  ["pipeline_type", "Type", (r) => r.pipeline_type ?? "(none)"],
  ["environment", "Environment", (r) => r.environment ?? "(none)"],
  ["start_utc", "Start (UTC)", (r) => `${r.start_utc} (${time(r.start_utc, true)} here)`],
  ["end_utc", "End (UTC)", (r) => `${r.end_utc} (${time(r.end_utc, true)} here)`],
  ["start_local", "Start (pipeline's local time)", (r) => r.start_local],
  ["end_local", "End (pipeline's local time)", (r) => r.end_local],
  ["elapsed_seconds", "Duration", (r) => `${duration(r.elapsed_seconds)} (${r.elapsed_seconds} s; ${r.elapsed_human})`],
  ["rowcount", "Rows", (r) => count(r.rowcount)],
  ["output_file", "Output file", (r) => r.output_file],
  ["log_file", "Log file", (r) => r.log_file],
  ["pid", "PID", (r) => String(r.pid)],
  ["date_code", "Date code", (r) => r.date_code],
];

/** A run's every field in a modal dialog; Esc or Close returns focus to where it was. */
export function showRun(run: Run): void {
  const back = document.activeElement as HTMLElement | null;
  const dialog = h(
    "dialog",
    { class: "run-detail", "aria-labelledby": "run-title" },
    h("h2", { id: "run-title" }, `Run of ${run.pipeline_name ?? "(none)"}`),
    h("dl", {}, ...FIELDS.flatMap(([key, title, show]) => [h("dt", {}, title), h("dd", { "data-field": key }, show(run))])),
    h("form", { method: "dialog" }, h("button", { type: "submit", class: "primary" }, "Close")),
  );
  dialog.addEventListener("close", () => {
    dialog.remove();
    back?.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
}
