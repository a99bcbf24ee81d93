import { api, okJson } from "./api.ts";
import { errorBox, h } from "./dom.ts";
import { age, count, duration, labelText, time } from "./format.ts";
import { sparkline } from "./sparkline.ts";
import { type History, LABELS, type Label, type Pipeline, pipelineHref } from "./types.ts";

const REFRESH_SECONDS = 30;
const TREND_DAYS = 30;

interface Column {
  key: string;
  title: string;
  numeric?: boolean;
  value: (p: Pipeline) => number | string;
}

const status = (p: Pipeline) => (p.late ? 2 : 0) + (p.rowcount_drop ? 1 : 0);

const COLUMNS: Column[] = [
  { key: "pipeline_name", title: "Pipeline", value: (p) => p.pipeline_name ?? "" },
  { key: "script_name", title: "Script", value: (p) => p.script_name ?? "" },
  { key: "pipeline_type", title: "Type", value: (p) => p.pipeline_type ?? "" },
  { key: "environment", title: "Env", value: (p) => p.environment ?? "" },
  { key: "status", title: "Status", value: status },
  { key: "last_run", title: "Last run", numeric: true, value: (p) => Date.parse(p.last_run) },
  { key: "total_runs", title: "Runs", numeric: true, value: (p) => p.total_runs },
  { key: "p50", title: "p50 duration", numeric: true, value: (p) => p.p50_elapsed_seconds },
  { key: "p95", title: "p95 duration", numeric: true, value: (p) => p.p95_elapsed_seconds },
  { key: "last_rowcount", title: "Last rows", numeric: true, value: (p) => p.last_rowcount },
  { key: "avg_rowcount", title: "Avg rows", numeric: true, value: (p) => p.avg_rowcount ?? -1 },
  { key: "interval", title: "Every", numeric: true, value: (p) => p.typical_interval_seconds ?? Infinity },
];

/** The overview: one row per pipeline, its health flags and a trend, filtered and sorted by the
 * URL's parameters, refreshed in place. */
export async function renderOverview(main: HTMLElement): Promise<void> {
  const params = new URLSearchParams(location.search);
  // ?refresh=<seconds> polls faster or slower (at least every second).
  const refreshMs = Math.max(1, Number(params.get("refresh")) || REFRESH_SECONDS) * 1000;
  const counts = h("p", { class: "counts", "aria-live": "polite" });
  const filters = h("form", { class: "filters", role: "search", onsubmit: (e) => e.preventDefault() });
  const tbody = h("tbody");
  const thead = h("thead");
  const updated = h("p", { class: "muted small" });
  const problem = h("div");
  main.replaceChildren(
    h("h1", {}, "Pipelines"),
    problem,
    counts,
    filters,
    h(
      "div",
      { class: "table-wrap" },
      h("table", { class: "grid", id: "pipelines" }, h("caption", { class: "sr-only" }, "Pipelines, one row per label combination"), thead, tbody),
    ),
    updated,
  );

  let pipelines: Pipeline[] = [];
  let trends = new Map<string | null, number[]>();
  let etag: string | null = null;
  let lastText = "";

  const setParam = (name: string, value: string) => {
    if (value) params.set(name, value);
    else params.delete(name);
    history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}`);
    draw();
  };

  const text = h("input", {
    type: "search",
    id: "filter-text",
    placeholder: "Filter by text",
    value: params.get("q") ?? "",
    oninput: () => setParam("q", text.value.trim()),
  });
  const selects = new Map<Label, HTMLSelectElement>();
  for (const label of LABELS) {
    const select = h("select", { id: `filter-${label}`, name: label, onchange: () => setParam(label, select.value) });
    selects.set(label, select);
  }
  filters.append(
    h("label", { for: "filter-text" }, "Search"),
    text,
    ...LABELS.flatMap((label) => [
      h("label", { for: `filter-${label}` }, COLUMNS.find((c) => c.key === label)?.title ?? label),
      selects.get(label) as HTMLSelectElement,
    ]),
  );

  const fillSelects = () => {
    for (const label of LABELS) {
      const select = selects.get(label) as HTMLSelectElement;
      const values = [...new Set(pipelines.map((p) => labelText(p[label])))].sort();
      const chosen = params.get(label) ?? "";
      select.replaceChildren(h("option", { value: "" }, "All"), ...values.map((v) => h("option", { value: v, selected: v === chosen }, v)));
    }
  };

  const sortKey = () => params.get("sort") ?? "-status";
  const drawHead = () => {
    const key = sortKey();
    const active = key.replace(/^-/, "");
    const descending = key.startsWith("-");
    thead.replaceChildren(
      h(
        "tr",
        {},
        ...COLUMNS.map((c) =>
          h(
            "th",
            { scope: "col", class: c.numeric ? "num" : "", "aria-sort": c.key === active ? (descending ? "descending" : "ascending") : "none" },
            h(
              "button",
              { type: "button", class: "sort", onclick: () => setParam("sort", c.key === active && descending ? c.key : `-${c.key}`) },
              c.title,
              c.key === active ? (descending ? " ▼" : " ▲") : "",
            ),
          ),
        ),
        h("th", { scope: "col" }, "Trend"),
      ),
    );
  };

  const visible = () => {
    const q = (params.get("q") ?? "").toLowerCase();
    const rows = pipelines.filter(
      (p) => LABELS.every((l) => !params.get(l) || labelText(p[l]) === params.get(l)) && (!q || LABELS.some((l) => (p[l] ?? "").toLowerCase().includes(q))),
    );
    const key = sortKey();
    const column = COLUMNS.find((c) => c.key === key.replace(/^-/, "")) ?? (COLUMNS[4] as Column);
    const sign = key.startsWith("-") ? -1 : 1;
    // Stable sort over the API's order (newest last run first) keeps ties meaningful.
    return rows.sort((a, b) => {
      const x = column.value(a);
      const y = column.value(b);
      return sign * (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y)));
    });
  };

  const row = (p: Pipeline, now: number) => {
    const flags = [
      p.late
        ? h(
            "span",
            {
              class: "badge late",
              title: `No run for ${duration((now - Date.parse(p.last_run)) / 1000)}; usually every ${duration(p.typical_interval_seconds)}`,
            },
            "Late",
          )
        : null,
      p.rowcount_drop
        ? h("span", { class: "badge drop", title: `Last rowcount ${count(p.last_rowcount)} against a median of ${count(p.p50_rowcount)}` }, "Rows dropped")
        : null,
    ].filter(Boolean);
    const trendCell = h("td", {});
    trendCells.set(p, trendCell);
    paintTrend(p, trendCell);
    return h(
      "tr",
      { class: p.late || p.rowcount_drop ? "flagged" : "" },
      h("td", {}, p.pipeline_name === null ? "(none)" : h("a", { href: pipelineHref(p) }, p.pipeline_name)),
      h("td", {}, labelText(p.script_name)),
      h("td", {}, labelText(p.pipeline_type)),
      h("td", {}, labelText(p.environment)),
      h("td", {}, flags.length ? flags : h("span", { class: "badge ok" }, "OK")),
      h("td", { class: "num" }, h("time", { datetime: p.last_run, title: time(p.last_run, true) }, age(p.last_run, now))),
      h("td", { class: "num" }, count(p.total_runs)),
      h("td", { class: "num" }, duration(p.p50_elapsed_seconds)),
      h("td", { class: "num" }, duration(p.p95_elapsed_seconds)),
      h("td", { class: "num" }, count(p.last_rowcount)),
      h("td", { class: "num" }, count(p.avg_rowcount)),
      h("td", { class: "num" }, duration(p.typical_interval_seconds)),
      trendCell,
    );
  };

  const trendCells = new Map<Pipeline, HTMLTableCellElement>();
  const paintTrend = (p: Pipeline, cell: HTMLTableCellElement) => {
    const trend = trends.get(p.pipeline_name) ?? [];
    cell.replaceChildren(sparkline(trend, `Daily median duration over the last ${trend.length} days with runs`));
  };

  function draw() {
    drawHead();
    const rows = visible();
    const now = Date.now();
    // Keep the keyboard focus across a redraw: refocus the same link or button.
    const focused =
      document.activeElement instanceof HTMLAnchorElement && tbody.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
    trendCells.clear();
    tbody.replaceChildren(
      ...(rows.length ? rows.map((p) => row(p, now)) : [h("tr", {}, h("td", { colspan: COLUMNS.length + 1, class: "muted" }, "No pipeline matches."))]),
    );
    if (focused) (tbody.querySelector(`a[href="${CSS.escape(focused)}"]`) as HTMLElement | null)?.focus();
    const late = rows.filter((p) => p.late).length;
    const dropped = rows.filter((p) => p.rowcount_drop).length;
    counts.replaceChildren(
      h(
        "span",
        { class: "count", id: "count-pipelines" },
        h("b", {}, count(rows.length)),
        rows.length === pipelines.length ? " pipelines" : ` of ${count(pipelines.length)} pipelines`,
      ),
      h("span", { class: `count${late ? " late" : ""}`, id: "count-late" }, h("b", {}, count(late)), " late"),
      h("span", { class: `count${dropped ? " drop" : ""}`, id: "count-dropped" }, h("b", {}, count(dropped)), " with dropped rows"),
    );
  }

  async function loadTrends() {
    const newest = pipelines.reduce((m, p) => Math.max(m, Date.parse(p.last_run)), 0);
    if (!newest) return;
    const from = new Date(newest - TREND_DAYS * 86_400_000).toISOString().slice(0, 19);
    const body = await okJson<History>(await api.pipelines.history.$get({ query: { bucket: "day", start_utc: `${from}Z` } as never }));
    trends = new Map(body.pipelines.map((s) => [s.pipeline_name, s.buckets.map((b) => b.p50_elapsed_seconds)]));
  }

  async function refresh() {
    const res = await api.pipelines.$get({ query: {} }, { headers: etag ? { "if-none-match": etag } : {}, init: { cache: "no-store" } });
    const unchanged = (res.status as number) === 304;
    const body = unchanged ? lastText : await res.text();
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}; refreshes every ${refreshMs / 1000} s.`;
    if (body === lastText) {
      // Nothing new: only the ages move on.
      for (const t of tbody.querySelectorAll("time")) t.textContent = age(t.dateTime);
      return;
    }
    const parsed = await okJson<{ pipelines: Pipeline[] }>(new Response(body, { status: res.status, statusText: res.statusText }));
    etag = res.headers.get("etag");
    lastText = body;
    pipelines = parsed.pipelines;
    fillSelects();
    draw();
    // User timing marks: benchmarks read how long the first view takes in a real browser.
    performance.mark("overview:table");
    await loadTrends().catch(() => {});
    // Only the trend cells change: the table itself (and the reader's place in it) stays.
    for (const [p, cell] of trendCells) paintTrend(p, cell);
    performance.mark("overview:ready");
  }

  // A failed load (a store still starting, a network blip) keeps the last figures on screen and
  // says so until a later refresh succeeds.
  const attempt = () =>
    refresh().then(
      () => problem.replaceChildren(),
      (e) => problem.replaceChildren(errorBox(e)),
    );
  await attempt();
  const timer = setInterval(() => {
    if (document.visibilityState === "visible") void attempt();
  }, refreshMs);
  window.addEventListener("pagehide", () => clearInterval(timer), { once: true });
}
