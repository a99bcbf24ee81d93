import type { PipelineStats } from "../../../domain/pipeline-stats.ts";
import { GroupStats, rankGroups } from "../../in-process/group-stats.ts";
import type { HistoryBuilder } from "../../in-process/history-builder.ts";
import type { SortedColumns } from "./columns.ts";
import type { Labels } from "./labels.ts";
import { coversAll, type Selection, scan } from "./selection.ts";

/**
 * Per-group statistics of every stored row, folded in as rows arrive (in any order), so the
 * unfiltered summary and the count of a label-only filter need no scan.
 */
export class GroupTotals {
  private readonly groups: GroupStats[] = [];

  constructor(private readonly labels: Labels) {}

  add(group: number, start: number, offset: number, elapsed: number, rowcount: number): void {
    let stats = this.groups[group];
    if (!stats) this.groups[group] = stats = new GroupStats(this.labels.labelsOf(group));
    stats.addValues(start, offset, elapsed, rowcount);
  }

  /** Rows of the allowed groups. */
  count(allowed: Uint8Array): number {
    let n = 0;
    this.groups.forEach((g, id) => {
      if (allowed[id] === 1) n += g.total;
    });
    return n;
  }

  /** Gives back the room each group's samples kept for growth. */
  trim(): void {
    for (const g of this.groups) g?.trim();
  }

  summaries(): PipelineStats[] {
    return rankGroups(this.groups.filter(Boolean));
  }
}

/** Per-pipeline statistics over a selection, in the port's order. */
export function summarize(columns: SortedColumns, labels: Labels, totals: GroupTotals, s: Selection): PipelineStats[] {
  if (s.all && coversAll(columns, s)) return totals.summaries();
  const out: GroupStats[] = [];
  scan(columns, s, (chunk, i) => {
    const g = chunk.group[i] as number;
    let stats = out[g];
    if (!stats) out[g] = stats = new GroupStats(labels.labelsOf(g));
    stats.addValues(chunk.start[i] as number, chunk.offset[i] as number, chunk.elapsed[i] as number, chunk.rowcount[i] as number);
  });
  return rankGroups(out.filter(Boolean));
}

/** Feeds the selected rows to a history builder. */
export function addHistory(columns: SortedColumns, labels: Labels, s: Selection, builder: HistoryBuilder): void {
  scan(columns, s, (chunk, i) => {
    builder.add(labels.labelsOf(chunk.group[i] as number)[0], chunk.start[i] as number, chunk.elapsed[i] as number, chunk.rowcount[i] as number);
  });
}
