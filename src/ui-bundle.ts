import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { UiAsset, UiAssetLoader } from "./routes/ui.ts";

const UI_DIR = join(import.meta.dir, "ui");
const UPLOT_CSS = join(dirname(fileURLToPath(import.meta.resolve("uplot/package.json"))), "dist", "uPlot.min.css");

function asset(text: string): UiAsset {
  const body = new TextEncoder().encode(text);
  return { body, gzip: Bun.gzipSync(body, { level: 9 }), etag: `"${Bun.hash(body).toString(36)}"` };
}

/**
 * Builds the web page's assets once, in memory: src/ui/main.ts bundled and minified for
 * browsers (uPlot and the typed client included), its stylesheet and uPlot's, each also
 * gzip-compressed. Bun does the bundling at startup, so `npm start` needs no build step.
 */
export async function buildUiAssets(): Promise<UiAssetLoader> {
  const built = await Bun.build({ entrypoints: [join(UI_DIR, "main.ts")], target: "browser", format: "esm", minify: true });
  if (!built.success || !built.outputs[0]) throw new Error(`web page bundle failed: ${built.logs.map(String).join("\n")}`);
  const assets = new Map<string, UiAsset>([
    ["app.js", asset(await built.outputs[0].text())],
    ["app.css", asset(await Bun.file(join(UI_DIR, "app.css")).text())],
    ["uplot.css", asset(await Bun.file(UPLOT_CSS).text())],
  ]);
  return async (file) => assets.get(file) ?? null;
}
