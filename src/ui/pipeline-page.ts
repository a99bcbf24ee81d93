import { api, apiFetch, okJson, type Query, toQuery } from "./api.ts";
import { timeChart } from "./charts.ts";
import { errorBox, h } from "./dom.ts";
import { age, count, duration, labelText, time, viewerTimeZone } from "./format.ts";
import { runsTable } from "./runs-table.ts";
import { type History, LABELS, type Pipeline, type Run, type RunsPage } from "./types.ts";

const WINDOWS: Record<string, number | null> = { "7d": 7, "30d": 30, "90d": 90, "365d": 365, all: null };
const MAX_POINTS = 10_000;
const PAGE = 1000;

/**
 * The newest runs (up to MAX_POINTS) matching `query`, newest first: one page with the total,
 * and when more match, one NDJSON export read until MAX_POINTS lines and then cancelled (the
 * service stops producing when the reader goes away).
 */
async function newestRuns(query: Query): Promise<{ runs: Run[]; total: number | null }> {
  const first = await okJson<RunsPage>(await api.get_pipeline_info.$get({ query: { ...query, limit: String(PAGE), order_by: "-start_utc" } as never }));
  if (!first.next_cursor) return { runs: first.results, total: first.total };
  const url = api.get_pipeline_info.$url({ query: { ...query, order_by: "-start_utc", all_data: "true", format: "ndjson" } as never });
  const res = await apiFetch(url);
  if (!res.ok || !res.body) await okJson(res);
  const runs: Run[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let rest = "";
  try {
    while (runs.length < MAX_POINTS) {
      const { done, value } = await reader.read();
      if (done) break;
      const lines = (rest + decoder.decode(value, { stream: true })).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) if (line && runs.length < MAX_POINTS) runs.push(JSON.parse(line) as Run);
    }
    if (rest && runs.length < MAX_POINTS) runs.push(JSON.parse(rest) as Run);
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { runs, total: first.total };
}

const figure = (label: string, value: string) => h("div", { class: "figure" }, h("dt", {}, label), h("dd", {}, value));

/** One pipeline: its figures, duration and row count over time, runs per bucket, its runs. */
export async function renderPipeline(main: HTMLElement): Promise<void> {
  const params = new URLSearchParams(location.search);
  const labels = toQuery(params, LABELS);
  const name = params.get("pipeline_name");
  if (!name) {
    main.replaceChildren(h("h1", {}, "Pipeline"), h("p", {}, "Choose a pipeline on the ", h("a", { href: "/ui" }, "overview"), "."));
    return;
  }
  document.title = `${name} · Pipeline Service`;
  const { pipelines } = await okJson<{ pipelines: Pipeline[] }>(await api.pipelines.$get({ query: labels as never }));
  const summary = pipelines[0];
  if (!summary) {
    main.replaceChildren(h("h1", {}, name), h("p", {}, "No runs of this pipeline are stored."));
    return;
  }

  const windowKey = (params.get("window") ?? "") in WINDOWS ? (params.get("window") as string) : "30d";
  const bucket = params.get("bucket") === "hour" ? "hour" : "day";
  const log = params.get("log") !== "0";
  const days = WINDOWS[windowKey] ?? null;
  const lastMs = Math.max(...pipelines.map((p) => Date.parse(p.last_run)));
  const from = days === null ? undefined : `${new Date(lastMs - days * 86_400_000).toISOString().slice(0, 19)}Z`;
  const windowed: Query = { ...labels, ...(from ? { start_utc: from } : {}) };

  const navigate = (name: string, value: string) => {
    params.set(name, value);
    location.search = params.toString();
  };
  const choice = (id: string, label: string, options: Record<string, string>, current: string, param: string) => {
    const select = h(
      "select",
      { id, onchange: () => navigate(param, select.value) },
      ...Object.entries(options).map(([v, t]) => h("option", { value: v, selected: v === current }, t)),
    );
    return [h("label", { for: id }, label), select];
  };

  const explorer = new URLSearchParams(Object.entries(windowed).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])));
  const charts = h("section", { class: "charts", "aria-label": "Charts" }, h("p", { class: "muted" }, "Loading runs…"));
  const table = h("section", { "aria-labelledby": "runs-title" }, h("h2", { id: "runs-title" }, "Newest runs"));
  main.replaceChildren(
    h("p", { class: "crumbs" }, h("a", { href: "/ui" }, "Overview"), " / ", name),
    h(
      "h1",
      {},
      name,
      " ",
      summary.late ? h("span", { class: "badge late" }, "Late") : null,
      summary.rowcount_drop ? h("span", { class: "badge drop" }, "Rows dropped") : null,
    ),
    h(
      "p",
      { class: "muted" },
      pipelines.length > 1 ? `${pipelines.length} label combinations match; figures of the most recent one. ` : "",
      `Script ${labelText(summary.script_name)} · type ${labelText(summary.pipeline_type)} · environment ${labelText(summary.environment)}`,
    ),
    h(
      "dl",
      { class: "figures" },
      figure("Last run", `${age(summary.last_run)} (${time(summary.last_run)})`),
      figure("Runs", count(summary.total_runs)),
      figure("Usually every", duration(summary.typical_interval_seconds)),
      figure("Duration p50 / p95", `${duration(summary.p50_elapsed_seconds)} / ${duration(summary.p95_elapsed_seconds)}`),
      figure("Last duration", duration(summary.last_duration)),
      figure("Rows last / median", `${count(summary.last_rowcount)} / ${count(summary.p50_rowcount)}`),
    ),
    h(
      "form",
      { class: "filters", onsubmit: (e) => e.preventDefault() },
      ...choice(
        "window",
        "Window",
        { "7d": "Last 7 days", "30d": "Last 30 days", "90d": "Last 90 days", "365d": "Last year", all: "Everything" },
        windowKey,
        "window",
      ),
      ...choice("bucket", "Runs per", { day: "Day", hour: "Hour" }, bucket, "bucket"),
      ...choice("log", "Row scale", { "1": "Logarithmic", "0": "Linear" }, log ? "1" : "0", "log"),
      h("a", { href: `/ui/runs?${explorer}`, class: "button" }, "Open these runs in the explorer"),
    ),
    charts,
    table,
  );

  try {
    const [{ runs, total }, historyBody] = await Promise.all([
      newestRuns(windowed),
      api.pipelines.history.$get({ query: { ...windowed, bucket, tz: viewerTimeZone() } as never }).then((r) => okJson<History>(r)),
    ]);
    const ordered = [...runs].reverse();
    const xs = ordered.map((r) => Date.parse(r.start_utc) / 1000);
    const buckets = historyBody.pipelines.flatMap((s) => s.buckets).sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    charts.dataset.points = String(runs.length);
    charts.replaceChildren(
      total !== null && total > runs.length
        ? h("p", { class: "muted" }, `Charts show the newest ${count(runs.length)} of ${count(total)} runs in this window.`)
        : "",
      timeChart({ title: "Duration per run", xs, ys: ordered.map((r) => r.elapsed_seconds), label: "Duration", format: duration }),
      timeChart({
        title: `Rows per run${log ? " (log scale; zero rows not drawn)" : ""}`,
        xs,
        ys: ordered.map((r) => (log && r.rowcount <= 0 ? null : r.rowcount)),
        label: "Rows",
        format: count,
        log,
      }),
      timeChart({
        title: `Runs per ${bucket} (${viewerTimeZone()})`,
        xs: buckets.map((b) => Date.parse(b.start) / 1000),
        ys: buckets.map((b) => b.runs),
        label: "Runs",
        format: count,
        bars: true,
        integer: true,
      }),
    );
    table.append(runsTable(runs.slice(0, 50), `Newest runs of ${name}`));
    performance.mark("pipeline:ready");
  } catch (error) {
    charts.replaceChildren(errorBox(error));
  }
}
