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
  /** Counts: ticks only at whole numbers. */
  integer?: boolean;
}

const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 1e7, 1e8];

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
    scales: { x: { time: true }, y: spec.log ? { distr: 3 } : spec.bars ? { range: (_u, _min, max) => [0, Math.max(1, max)] } : {} },
    axes: [
      axis,
      { ...axis, size: 84, ...(spec.integer ? { incrs: INTEGER_STEPS } : {}), values: (_u, values) => values.map((v) => (v === null ? "" : spec.format(v))) },
    ],
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
