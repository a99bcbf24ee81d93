/**
 * Names a run that was stored without `pipeline_name`, the way the original service did for
 * legacy writers: the folder after "/pipeline/" in output_file (unless that is an "output-" file),
 * else the log file's name up to its first "-" when it lives under "/logs/", else "unknown".
 */
export function inferPipelineName(outputFile: string, logFile: string): string {
  const marker = "/pipeline/";
  const at = outputFile.indexOf(marker);
  if (at >= 0) {
    const segment = outputFile.slice(at + marker.length).split("/")[0] ?? "";
    if (segment && !segment.startsWith("output-")) return segment;
  }
  if (logFile.includes("/logs/")) {
    const fileName = logFile.slice(logFile.lastIndexOf("/") + 1);
    const name = fileName.split("-")[0];
    if (name) return name;
  }
  return "unknown";
}
