import { errorBox } from "./dom.ts";
import { renderOverview } from "./overview.ts";
import { renderPipeline } from "./pipeline-page.ts";
import { renderRuns } from "./runs-explorer.ts";

const VIEWS: Record<string, (main: HTMLElement) => Promise<void>> = {
  "/ui/pipeline": renderPipeline,
  "/ui/runs": renderRuns,
};

const main = document.getElementById("main") as HTMLElement;
for (const link of document.querySelectorAll<HTMLAnchorElement>("header nav a")) {
  if (link.pathname === location.pathname || (location.pathname === "/" && link.pathname === "/ui")) link.setAttribute("aria-current", "page");
}
(VIEWS[location.pathname] ?? renderOverview)(main).catch((error) => main.replaceChildren(errorBox(error)));
