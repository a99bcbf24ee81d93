import { LABELS } from "../../../domain/pipeline-info.ts";
import type { RunFilter } from "../../../domain/run-filter.ts";

export type LabelValues = readonly [string | null, string | null, string | null, string | null];

type Tree = Map<string | null, Tree | number>;

function branch(tree: Tree, key: string | null): Tree {
  let next = tree.get(key) as Tree | undefined;
  if (next === undefined) {
    next = new Map();
    tree.set(key, next);
  }
  return next;
}

/**
 * The label dictionary: each distinct combination of the four labels is a group with a small
 * id, so a row stores one integer for its labels and a label filter becomes a table of
 * allowed groups. Groups are few (pipelines x environments, a few hundred in practice).
 */
export class Labels {
  private readonly groups: LabelValues[] = [];
  /** pipeline_name -> script_name -> pipeline_type -> environment -> group id. */
  private readonly tree: Tree = new Map();

  get groupCount(): number {
    return this.groups.length;
  }

  /** The group of a label combination, created on first sight. */
  groupOf(labels: LabelValues): number {
    // Nested maps: four lookups and no key string built per run.
    const [a, b, c, d] = labels;
    const byScript = branch(this.tree, a);
    const byType = branch(byScript, b);
    const byEnvironment = branch(byType, c) as Map<string | null, number>;
    let id = byEnvironment.get(d);
    if (id === undefined) {
      id = this.groups.length;
      byEnvironment.set(d, id);
      this.groups.push([a, b, c, d]);
    }
    return id;
  }

  labelsOf(group: number): LabelValues {
    return this.groups[group] as LabelValues;
  }

  /**
   * The groups a filter's labels allow, as a membership table by group id; null when the
   * filter has no label condition, "none" when no stored group matches.
   */
  allowedGroups(filter: RunFilter): Uint8Array | null | "none" {
    const wanted = LABELS.map((label) => {
      const values = filter.labels?.[label];
      return values === undefined ? null : new Set<string | null>(values);
    });
    if (wanted.every((w) => w === null)) return null;
    const member = new Uint8Array(this.groups.length);
    let any = false;
    this.groups.forEach((labels, g) => {
      if (wanted.every((w, l) => w === null || (labels[l] !== null && w.has(labels[l] as string)))) {
        member[g] = 1;
        any = true;
      }
    });
    return any ? member : "none";
  }
}
