import { api, download, okJson, toQuery } from "./api.ts";
import { errorBox, h } from "./dom.ts";
import { count, labelText } from "./format.ts";
import { runsTable } from "./runs-table.ts";
import { LABELS, type Label, type Pipeline, type RunsPage } from "./types.ts";

/** The API's filter parameters; the page URL holds them under the same names. */
const FILTERS = [
  "start_utc",
  "end_utc",
  "start_local_from",
  "start_local_to",
  "min_rowcount",
  "max_rowcount",
  "min_elapsed_seconds",
  "max_elapsed_seconds",
  ...LABELS,
] as const;
const STATE = [...FILTERS, "order_by", "limit", "cursor"] as const;

const ORDERS: Record<string, string> = {
  "-start_utc": "Newest start first",
  start_utc: "Oldest start first",
  "-end_utc": "Newest end first",
  "-elapsed_seconds": "Longest first",
  elapsed_seconds: "Shortest first",
  "-rowcount": "Most rows first",
  rowcount: "Fewest rows first",
  pipeline_name: "Pipeline name A–Z",
  "-pipeline_name": "Pipeline name Z–A",
};

const TEXT_FIELDS: Array<[string, string, string]> = [
  ["start_utc", "Started from (UTC)", "datetime-local"],
  ["end_utc", "Ended by (UTC)", "datetime-local"],
  ["start_local_from", "Local start from", "datetime-local"],
  ["start_local_to", "Local start to", "datetime-local"],
  ["min_rowcount", "Rows at least", "number"],
  ["max_rowcount", "Rows at most", "number"],
  ["min_elapsed_seconds", "Seconds at least", "number"],
  ["max_elapsed_seconds", "Seconds at most", "number"],
];

const LABEL_TITLES: Record<Label, string> = { pipeline_name: "Pipeline", script_name: "Script", pipeline_type: "Type", environment: "Environment" };

/** Every filter of the API, its order and cursor pages; the URL holds the state, so a view can
 * be shared; downloads export exactly the current filter. */
export async function renderRuns(main: HTMLElement): Promise<void> {
  const form = h("form", { class: "explorer", id: "run-filters", "aria-label": "Run filters" });
  const status = h("p", { class: "status", "aria-live": "polite", id: "runs-status" });
  const results = h("section", { "aria-label": "Matching runs" });
  const pager = h("div", { class: "pager" });
  const downloads = h("div", { class: "downloads" });
  main.replaceChildren(h("h1", {}, "Runs"), form, h("div", { class: "toolbar" }, status, downloads), results, pager);

  const params = () => new URLSearchParams(location.search);
  const inputs = new Map<string, HTMLInputElement>();
  const selects = new Map<Label, HTMLSelectElement>();
  const order = h("select", { id: "f-order_by", name: "order_by" }, ...Object.entries(ORDERS).map(([v, t]) => h("option", { value: v }, t)));
  const limit = h("select", { id: "f-limit", name: "limit" }, ...["25", "100", "500", "1000"].map((v) => h("option", { value: v }, v)));

  for (const [name, title, type] of TEXT_FIELDS) {
    const input = h("input", { id: `f-${name}`, name, type, step: type === "datetime-local" ? "1" : "any", min: type === "number" ? "0" : undefined });
    inputs.set(name, input);
    form.append(h("div", { class: "field" }, h("label", { for: `f-${name}` }, title), input));
  }
  for (const label of LABELS) {
    const select = h("select", { id: `f-${label}`, name: label, multiple: true, size: 4 });
    selects.set(label, select);
    form.append(h("div", { class: "field" }, h("label", { for: `f-${label}` }, `${LABEL_TITLES[label]} (any of)`), select));
  }
  form.append(
    h("div", { class: "field" }, h("label", { for: "f-order_by" }, "Order"), order),
    h("div", { class: "field" }, h("label", { for: "f-limit" }, "Per page"), limit),
    h(
      "div",
      { class: "field actions" },
      h("button", { type: "submit", class: "primary" }, "Apply"),
      h("button", { type: "button", onclick: () => go(new URLSearchParams()) }, "Clear"),
    ),
  );

  /** The form's state as the API's parameters (empty fields left out; cursor reset). */
  const fromForm = () => {
    const next = new URLSearchParams();
    for (const [name, input] of inputs) if (input.value !== "") next.set(name, input.value);
    for (const [label, select] of selects) for (const o of select.selectedOptions) next.append(label, o.value);
    if (order.value !== "-start_utc") next.set("order_by", order.value);
    if (limit.value !== "100") next.set("limit", limit.value);
    return next;
  };
  const toForm = (p: URLSearchParams) => {
    for (const [name, input] of inputs) input.value = (p.get(name) ?? "").replace(/Z$/, "").replace(" ", "T");
    for (const [label, select] of selects) {
      const chosen = new Set(p.getAll(label));
      for (const value of chosen) if (![...select.options].some((o) => o.value === value)) select.append(h("option", { value }, value));
      for (const o of select.options) o.selected = chosen.has(o.value);
    }
    order.value = p.get("order_by") ?? "-start_utc";
    limit.value = p.get("limit") ?? "100";
  };

  const go = (next: URLSearchParams, push = true) => {
    const url = `${location.pathname}${next.size ? `?${next}` : ""}`;
    if (push) history.pushState(null, "", url);
    void load();
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    go(fromForm());
  });
  // Choices apply at once; typed fields apply on Enter or when they lose focus.
  form.addEventListener("change", () => go(fromForm()));
  window.addEventListener("popstate", () => void load());

  const exportUrl = (format: "csv" | "ndjson") => {
    const query = { ...toQuery(params(), [...FILTERS, "order_by"]), all_data: "true", format };
    return api.get_pipeline_info.$url({ query: query as never }).toString();
  };
  const downloadButton = (format: "csv" | "ndjson", title: string) =>
    h(
      "button",
      {
        type: "button",
        id: `download-${format}`,
        onclick: () => download(exportUrl(format), `pipeline_runs.${format}`).catch((e) => results.prepend(errorBox(e))),
      },
      title,
    );
  downloads.append(downloadButton("csv", "Download CSV"), downloadButton("ndjson", "Download NDJSON"));

  // Only the newest request may draw: an older answer arriving late must not replace it.
  let latest = 0;
  async function load() {
    const p = params();
    const ticket = ++latest;
    toForm(p);
    status.textContent = "Loading…";
    try {
      const res = await api.get_pipeline_info.$get({ query: toQuery(p, STATE) as never });
      const page = await okJson<RunsPage>(res);
      if (ticket !== latest) return;
      const first = !p.get("cursor");
      status.replaceChildren(h("b", { id: "runs-total" }, count(page.total)), ` runs match; showing ${count(page.count)}${first ? "" : " (a later page)"}.`);
      results.replaceChildren(runsTable(page.results, "Runs matching the filters"));
      performance.mark("runs:ready");
      pager.replaceChildren(
        first
          ? ""
          : h(
              "button",
              {
                type: "button",
                onclick: () => {
                  p.delete("cursor");
                  go(p);
                },
              },
              "First page",
            ),
        page.next_cursor
          ? h(
              "button",
              {
                type: "button",
                id: "next-page",
                onclick: () => {
                  p.set("cursor", page.next_cursor as string);
                  go(p);
                },
              },
              "Next page",
            )
          : "",
      );
    } catch (error) {
      if (ticket !== latest) return;
      status.textContent = "";
      results.replaceChildren(errorBox(error));
      pager.replaceChildren();
    }
  }

  // Label choices come from the stored pipelines (a cheap summary), then the runs load.
  const { pipelines } = await okJson<{ pipelines: Pipeline[] }>(await api.pipelines.$get({ query: {} }));
  for (const [label, select] of selects) {
    const values = [...new Set(pipelines.map((p) => p[label]).filter((v): v is string => v !== null))].sort();
    select.replaceChildren(...values.map((v) => h("option", { value: v }, labelText(v))));
  }
  await load();
}
