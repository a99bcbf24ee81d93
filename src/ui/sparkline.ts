import { svg } from "./dom.ts";

/** A small line of values (oldest first) for a table cell; empty with fewer than two. */
export function sparkline(values: readonly number[], label: string): SVGSVGElement {
  const width = 96;
  const height = 24;
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "spark", role: "img" });
  root.setAttribute("aria-label", label);
  if (values.length < 2) return root;
  const max = Math.max(...values);
  const min = Math.min(...values);
  const span = max - min || 1;
  const points = values.map(
    (v, i) => `${((i / (values.length - 1)) * (width - 2) + 1).toFixed(1)},${(height - 2 - ((v - min) / span) * (height - 4)).toFixed(1)}`,
  );
  root.append(svg("polyline", { points: points.join(" "), fill: "none", "stroke-width": 1.5 }));
  return root;
}
