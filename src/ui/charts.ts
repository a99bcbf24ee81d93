import uPlot from "uplot";
import { h } from "./dom.ts";

export interface SeriesChart {
  title: string;
  /** Unix seconds, ascending. */
  xs: number[];
  ys: Array<number | null>;
  label: string;
  format: (v: number) => string;
  log?: boolean;
  bars?: boolean;
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/**
 * A time-series chart (uPlot on a canvas): drag to zoom, double-click to zoom out; values on
 * hover in the legend. Colors come from the stylesheet, so light and dark mode both read well.
 * Returns the figure element; the chart follows its width.
 */
export function timeChart(spec: SeriesChart): HTMLElement {
  const figure = h("figure", { class: "chart" }, h("figcaption", {}, spec.title));
  const axis = { stroke: cssVar("--muted"), grid: { stroke: cssVar("--grid"), width: 1 }, ticks: { stroke: cssVar("--grid"), width: 1 } };
  const accent = cssVar(spec.bars ? "--accent-2" : "--accent");
  const options: uPlot.Options = {
    width: 600,
    height: 220,
    scales: { x: { time: true }, y: spec.log ? { distr: 3 } : {} },
    axes: [axis, { ...axis, size: 64, values: (_u, values) => values.map((v) => (v === null ? "" : spec.format(v))) }],
    series: [
      {},
      {
        label: spec.label,
        stroke: accent,
        fill: spec.bars ? accent : undefined,
        width: spec.bars ? 0 : 1.5,
        points: { show: !spec.bars && spec.xs.length < 400, size: 4, fill: accent },
        paths: spec.bars ? uPlot.paths.bars?.({ size: [0.8, 40] }) : undefined,
        value: (_u, v) => (v === null ? "–" : spec.format(v)),
        spanGaps: false,
      },
    ],
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
  };
  const data: uPlot.AlignedData = [spec.xs, spec.ys];
  const chart = new uPlot(options, data, figure);
  const fit = () => chart.setSize({ width: Math.max(280, figure.clientWidth), height: 220 });
  new ResizeObserver(fit).observe(figure);
  return figure;
}
